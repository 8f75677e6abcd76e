/**
 * The one owner of sockets: the only map from connection id to socket (and, through the socket's
 * user data, to its actor), the only caller of send, close, subscribe and publish, and the one
 * place where a closed connection is cleaned up. "No ghost" is checked here: after `release`,
 * nothing of the connection is left in this map, in any room, in the membership authority, in
 * the hello clock or in uWS's topics (uWS drops a closed socket's subscriptions itself).
 */
import type { ConnectionActor, ConnectionEvent } from '../../machines/connection.js';
import type { Stats } from '../observability/stats.js';
import type { MessageBuilder } from '../protocol/build.js';
import type { ErrorCode } from '../protocol/codes.js';
import type { Envelope, Profile } from '../protocol/types.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { Member, RoomIO } from '../rooms/room.js';
import type { Socket } from '../transport/socket-data.js';
import { SocketIOPeer } from '../transport/socketio-peer.js';

export interface ConnectionsDeps {
  stats: Stats;
  builder: MessageBuilder;
  pubsub: PubSub<Socket>;
  /** A connection is gone: its rooms hear `left` and the membership authority forgets it. */
  onDeparture(connId: string, profile: Profile | null): void;
}

export class Connections implements RoomIO {
  private readonly open = new Map<string, Socket>();

  constructor(private readonly deps: ConnectionsDeps) {}

  get size(): number {
    return this.open.size;
  }

  has(connId: string): boolean {
    return this.open.has(connId);
  }

  ids(): IterableIterator<string> {
    return this.open.keys();
  }

  /** Registers an open socket whose user data already holds its actor. */
  add(ws: Socket): void {
    this.open.set(ws.getUserData().id, ws);
  }

  actorOf(connId: string): ConnectionActor | undefined {
    return this.open.get(connId)?.getUserData().actor ?? undefined;
  }

  profileOf(connId: string): Profile | null {
    return this.actorOf(connId)?.getSnapshot().context.profile ?? null;
  }

  /** An event for a connection's actor (a message between actors). */
  tell(connId: string, event: ConnectionEvent): void {
    this.actorOf(connId)?.send(event);
  }

  /** One frame to one socket of this process. Never touches a closed socket (uWS throws on that),
   * and acts on send's status (2 = dropped by backpressure: uWS closes the socket right after). */
  send(connId: string, text: string): boolean {
    const ws = this.open.get(connId);
    return ws !== undefined && sendOn(ws, text, this.deps.stats);
  }

  /** The error answer to a client frame: `iq-error` for an `iq-set`, else `session-error`. */
  sendError(connId: string, msg: Envelope | undefined, code: ErrorCode, arg?: string): void {
    const { stats, builder } = this.deps;
    stats.countError(code);
    const j = msg?.jsongle;
    this.send(connId, j && j.action === 'iq-set'
      ? builder.iqError(connId, j.query, j.transaction, code, arg)
      : builder.sessionError(connId, code, arg));
  }

  /** Closes with a code unless the socket is already closed. */
  end(connId: string, code: number, reason: string, countAs?: string): void {
    const ws = this.open.get(connId);
    if (ws === undefined || ws.getUserData().closed) return;
    if (countAs) this.deps.stats.countServerClose(countAs);
    ws.end(code, reason);
  }

  /** Closes at once, without a close frame (a reader that does not read would never get it). */
  drop(connId: string, countAs: string): void {
    const ws = this.open.get(connId);
    if (ws === undefined || ws.getUserData().closed) return;
    this.deps.stats.countServerClose(countAs);
    ws.close();
  }

  subscribe(connId: string, topic: string): void {
    const ws = this.open.get(connId);
    if (ws !== undefined && !ws.getUserData().closed) this.deps.pubsub.subscribe(ws, topic);
  }

  unsubscribe(connId: string, topic: string): void {
    const ws = this.open.get(connId);
    if (ws !== undefined && !ws.getUserData().closed) this.deps.pubsub.unsubscribe(ws, topic);
  }

  publishFrom(senderId: string, topic: string, text: string, toOtherNodes: boolean): void {
    const ws = this.open.get(senderId);
    if (ws !== undefined) this.deps.pubsub.publishFrom(ws, topic, text, toOtherNodes);
  }

  sendToMember(member: Member, text: string): void {
    if (member.node === undefined) this.send(member.id, text);
    else {
      this.deps.pubsub.toNode(member.node, member.id, text);
      this.deps.stats.framesSent++;
      this.deps.stats.bytesSent += text.length;
    }
  }

  linkUp(): boolean {
    return this.deps.pubsub.linkUp();
  }

  /** The connection came through the Socket.IO door (rooms deliver to it directly). */
  isSocketIO(connId: string): boolean {
    return this.open.get(connId) instanceof SocketIOPeer;
  }

  /** A relay copy to one socket, counted by the room that relays it (Room.count). A refusal
   * (backpressure) closes the socket, as on a raw socket. */
  deliver(connId: string, text: string): void {
    const ws = this.open.get(connId);
    if (ws === undefined || ws.getUserData().closed) return;
    if (ws.send(text, false, false) === 2) this.deps.stats.backpressureDrops++;
  }

  /** The socket closed: the one clean-up. Its rooms hear `left`, the authority forgets it, the
   * actor reaches its final state (and stops the hello clock on the way). Idempotent. */
  release(connId: string): void {
    const ws = this.open.get(connId);
    if (ws === undefined) return;
    const actor = ws.getUserData().actor;
    const profile = actor?.getSnapshot().context.profile ?? null;
    this.deps.onDeparture(connId, profile);
    this.open.delete(connId);
    actor?.send({ type: 'ws.closed' });
  }

  /** Every socket still open (drain, shutdown). */
  sockets(): Socket[] {
    return [...this.open.values()];
  }

  clear(): void {
    this.open.clear();
  }
}

/** Sends on a socket unless it is closed; counts the frame; flags a backpressure refusal. */
export function sendOn(ws: Socket, text: string, stats: Stats): boolean {
  const d = ws.getUserData();
  if (d.closed) return false;
  const status = ws.send(text, false, false);
  if (status === 2) {
    // Over maxBackpressure: uWS drops the message and, with closeOnBackpressureLimit, closes
    // the socket right after; a reader that fell this far behind is not kept half-informed.
    stats.backpressureDrops++;
    d.sendRefused = true;
    return false;
  }
  stats.framesSent++;
  stats.bytesSent += text.length;
  return true;
}
