/**
 * One room: its members, kind and topic, and how a relay fans out to them (the three strategies
 * the connection chart chooses between). Calls in it are not its business: src/calls/ owns them. The room does its I/O through RoomIO, which the
 * connection owner and the bus provide; it holds no socket.
 */
import type { RoomView } from '../../machines/connection.js';
import type { Stats } from '../observability/stats.js';
import { stamp } from '../protocol/relay-stamp.js';
import type { Profile, RelayEnvelope, RoomKind } from '../protocol/types.js';

export interface Member {
  readonly id: string;
  readonly profile: Profile;
  /** The cluster node holding this member when it is not this process (Redis engine); absent: here. */
  readonly node?: string;
}

/** What a room needs from the outside: sockets (the connection owner) and the bus to other nodes. */
export interface RoomIO {
  subscribe(connId: string, topic: string): void;
  unsubscribe(connId: string, topic: string): void;
  /** To every local subscriber of the topic but the sender; to the other nodes too when asked. */
  publishFrom(senderId: string, topic: string, text: string, toOtherNodes: boolean): void;
  /** A frame for one member: its socket here, or its node through the bus. */
  sendToMember(member: Member, text: string): void;
  /** The bus to other nodes is up (always, in one process). */
  linkUp(): boolean;
  /** Resume on: each relay copy a member of this process gets is numbered and kept by its session
   * (`noteRelayed`), while the copy itself still goes out in the one topic publish. */
  readonly countsPerMember?: boolean;
  /** Resume on: a relay copy the topic publish delivers (or would, to a suspended member) to this
   * connection: its session numbers it and keeps it until confirmed. */
  noteRelayed?(connId: string, text: string): void;
  // --- Socket.IO door: members that are no uWS topic subscriber (absent: no such door) ---
  /** The connection came through the Socket.IO door (asked once, when it joins a room). */
  isSocketIO?(connId: string): boolean;
  /** One relay copy to a Socket.IO member of this process (the room counts it). */
  deliver?(connId: string, text: string): void;
}

/** What every room shares (one object per server, referenced by each room). */
export interface RoomServices {
  readonly io: RoomIO;
  readonly stats: Stats;
}

export class Room implements RoomView {
  /** Members in join order. */
  readonly members = new Map<string, Member>();
  /** Members held by other processes (Redis engine's mirror): relays go to the bus only when > 0. */
  remoteMembers = 0;
  /** This process's members that came through the Socket.IO door: they are not on the room's uWS
   * topic, so a relay also goes to each of them. Null (the raw path's one check) while there is none. */
  socketIOMembers: Set<string> | null = null;
  constructor(
    readonly rid: string,
    readonly kind: RoomKind,
    /** The uWS topic this room's relays are published on. */
    readonly topic: string,
    readonly createdAt: number,
    private readonly services: RoomServices,
  ) {}

  /** Some members sit on other nodes and the bus to them is down: a relay would not reach them. */
  get beyondReach(): boolean {
    return this.remoteMembers > 0 && !this.services.io.linkUp();
  }

  /** P2P room of two: one encoding, `to` = the peer, published on the room topic. */
  relayToPeer(senderId: string, msg: RelayEnvelope): void {
    stamp(msg);
    msg.from = this.rid;
    let peer: Member | undefined;
    for (const m of this.members.values()) if (m.id !== senderId) peer = m;
    msg.to = (peer as Member).id;
    const text = JSON.stringify(msg);
    const io = this.services.io;
    io.publishFrom(senderId, this.topic, text, this.remoteMembers > 0);
    // Resume: the peer's session numbers the copy uWS delivers (a direct send per copy would cost a
    // write each, where uWS batches a publish per socket and loop turn: half the relay rate, measured).
    if (io.countsPerMember === true && (peer as Member).node === undefined) io.noteRelayed?.((peer as Member).id, text);
    if (this.socketIOMembers !== null) this.deliverToSocketIO(text, senderId);
    this.count(msg, text, 1);
  }

  /** Multi-user room: one encoding for everyone, `from` = `<rid>/<sender uid>`, `to` = the room. */
  relayToMultiRoom(senderId: string, senderUid: string, msg: RelayEnvelope): void {
    stamp(msg);
    msg.from = this.rid + '/' + senderUid;
    // Two devices of one user share `<rid>/<uid>`: the sender's connection id tells them apart.
    msg.sender = senderId;
    const text = JSON.stringify(msg);
    const io = this.services.io;
    io.publishFrom(senderId, this.topic, text, this.remoteMembers > 0);
    if (io.countsPerMember === true) this.noteLocalCopies(text, senderId);
    if (this.socketIOMembers !== null) this.deliverToSocketIO(text, senderId);
    this.count(msg, text, this.members.size - 1);
  }

  /** A relay frame to this process's Socket.IO members but the sender (a frame from another node
   * has no sender here: ''). The uWS topic carried it to the raw members; these are not on it. */
  deliverToSocketIO(text: string, senderId: string): void {
    const deliver = this.services.io.deliver;
    if (this.socketIOMembers === null || deliver === undefined) return;
    for (const id of this.socketIOMembers) if (id !== senderId) deliver.call(this.services.io, id, text);
  }

  /** P2P room configured for more than two: `to` differs per recipient, one encoding each. */
  relayToEachMember(senderId: string, msg: RelayEnvelope): void {
    stamp(msg);
    msg.from = this.rid;
    for (const member of this.members.values()) {
      if (member.id === senderId) continue;
      msg.to = member.id;
      const text = JSON.stringify(msg);
      this.services.io.sendToMember(member, text);
      this.countCopies(text, 1);
    }
    this.services.stats.countRelay(msg.jsongle, this.kind);
  }

  /** A relay frame another node published on this room's channel, after uWS delivered it to the
   * members subscribed here: the Socket.IO members get theirs, and with resume every local copy is
   * numbered by its session. */
  receivedFromOtherNode(text: string): void {
    if (this.socketIOMembers !== null) this.deliverToSocketIO(text, '');
    if (this.services.io.countsPerMember === true) this.noteLocalCopies(text, '');
  }

  /** Resume: each local member but the sender notes the copy the topic publish delivers to it. */
  private noteLocalCopies(text: string, senderId: string): void {
    const io = this.services.io;
    for (const m of this.members.values()) if (m.id !== senderId && m.node === undefined) io.noteRelayed?.(m.id, text);
  }

  /** Profiles of the members but one (the members list of a join's result). */
  profilesExcept(connId: string): Profile[] {
    const out: Profile[] = [];
    for (const m of this.members.values()) if (m.id !== connId) out.push(m.profile);
    return out;
  }

  /** One relayed message (jsongle_relayed_messages_total) delivered in `copies` frames of `text`. */
  private count(msg: RelayEnvelope, text: string, copies: number): void {
    this.services.stats.countRelay(msg.jsongle, this.kind);
    this.countCopies(text, copies);
  }

  private countCopies(text: string, copies: number): void {
    const stats = this.services.stats;
    stats.framesSent += copies;
    stats.bytesSent += text.length * copies;
  }
}
