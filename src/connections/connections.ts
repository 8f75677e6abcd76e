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
import type { ResumeConfig } from '../config/types.js';
import type { ServerCloseReason } from '../transport/close-reason.js';
import { Sessions } from './sessions.js';
import { SocketIOPeer } from '../transport/socketio-peer.js';

export interface ConnectionsDeps {
  stats: Stats;
  builder: MessageBuilder;
  pubsub: PubSub<Socket>;
  /** A connection is gone: its rooms hear `left` and the membership authority forgets it. */
  onDeparture(connId: string, profile: Profile | null): void;
  /** Resume (sessions outlive their socket) when windowSec > 0; absent or 0: off. */
  resume?: ResumeConfig;
  /** The room topics a connection is in (a resumed socket subscribes to them again). */
  topicsOf?(connId: string): Iterable<string>;
  /** Redis engine: this node's id, named in its resume tokens (resume across nodes). */
  nodeId?: string;
}

const WS_CLOSED: ConnectionEvent = { type: 'ws.closed' };

export class Connections implements RoomIO {
  private readonly open = new Map<string, Socket>();
  /** Resume on: every frame to a connection goes through its session (counted, kept until confirmed). */
  readonly sessions: Sessions | null;
  /** RoomIO: resume on, each relay copy is numbered by its recipient's session (noteRelayed). */
  readonly countsPerMember: boolean;

  constructor(private readonly deps: ConnectionsDeps) {
    const resume = deps.resume;
    this.sessions = resume !== undefined && resume.windowSec > 0 ? new Sessions({
      config: resume, stats: deps.stats, builder: deps.builder,
      write: (ws, text) => sendOn(ws, text, deps.stats),
      release: (connId, ending) => this.release(connId, ending),
      reattach: (ws) => this.reattach(ws),
      detach: (connId) => this.open.delete(connId),
      subOf: (connId) => this.actorOf(connId)?.getSnapshot().context.identity?.sub,
      nodeId: deps.nodeId,
    }) : null;
    this.countsPerMember = this.sessions !== null;
  }

  get size(): number {
    return this.open.size;
  }

  /** Open, or suspended (resume): still in its rooms, still answered (the answer is kept for it). */
  has(connId: string): boolean {
    return this.open.has(connId) || (this.sessions?.isSuspended(connId) ?? false);
  }

  /** Every connection, suspended sessions included (they hear the drain too). */
  *ids(): IterableIterator<string> {
    yield* this.open.keys();
    if (this.sessions !== null) yield* this.sessions.suspendedIds();
  }

  /** Registers an open socket whose user data already holds its actor. */
  add(ws: Socket): void {
    this.open.set(ws.getUserData().id, ws);
    // A Socket.IO connection reconnects the Socket.IO way (a new connection): no resumable session.
    if (!(ws instanceof SocketIOPeer)) this.sessions?.open(ws);
  }

  actorOf(connId: string): ConnectionActor | undefined {
    return this.open.get(connId)?.getUserData().actor ?? this.sessions?.actorOf(connId) ?? undefined;
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
    if (this.sessions !== null && this.sessions.has(connId)) return this.sessions.deliver(connId, text);
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
    ws.getUserData().endedByServer = true;
    ws.end(code, reason);
  }

  /** Closes at once, without a close frame (a reader that does not read would never get it). */
  drop(connId: string, countAs: string): void {
    const ws = this.open.get(connId);
    if (ws === undefined || ws.getUserData().closed) return;
    this.deps.stats.countServerClose(countAs);
    ws.getUserData().endedByServer = true;
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

  noteRelayed(connId: string, text: string): void {
    this.sessions?.note(connId, text);
  }

  sendToMember(member: Member, text: string): void {
    this.sendToDevice(member, text);
  }

  /** One frame to a connection held here or by another node (`node`: Redis engine). */
  sendToDevice(member: { readonly id: string; readonly node?: string }, text: string): void {
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

  /** The session ends (socket closed; with resume, a suspended session's window or buffer ran out):
   * the one clean-up. Its rooms hear `left`, the authority forgets it, the actor reaches its final
   * state (and stops the hello clock on the way) on `ending`. Idempotent. */
  release(connId: string, ending: ConnectionEvent = WS_CLOSED): void {
    const ws = this.open.get(connId);
    const actor = ws !== undefined ? ws.getUserData().actor : this.sessions?.actorOf(connId);
    if (ws === undefined && actor === undefined) return;
    const profile = actor?.getSnapshot().context.profile ?? null;
    this.deps.onDeparture(connId, profile);
    this.open.delete(connId);
    this.sessions?.forget(connId);
    actor?.send(ending);
  }

  /** Shutdown past the drain deadline: every connection is released, then its socket cut. */
  closeAll(): void {
    const remaining = this.sockets();
    for (const ws of remaining) this.release(ws.getUserData().id);
    for (const ws of remaining) if (!ws.getUserData().closed) ws.close();
  }

  // --- resume (src/connections/sessions.ts) ---
  /** The socket closed: true when its session outlives it (suspended, or resumed elsewhere), so
   * there is nothing to release. Always false with resume off. */
  outlivesSocket(ws: Socket, code: number, uwsReason: ServerCloseReason | null): boolean {
    return this.sessions?.outlives(ws, code, uwsReason) ?? false;
  }

  /** At open: a socket upgraded with a valid resume claim takes over its session (true), else false. */
  resume(ws: Socket): boolean {
    const d = ws.getUserData();
    if (this.sessions === null || d.resume === null || 'failed' in d.resume) return false;
    if (this.sessions.attach(ws)) return true;
    // The claim no longer holds (cannot happen: open runs inside the upgrade): the socket goes.
    d.endedByServer = true;
    ws.end(1011, 'resume failed');
    return true;
  }

  /** A resumed socket is the connection's socket again, in the topics of its rooms. */
  private reattach(ws: Socket): void {
    const id = ws.getUserData().id;
    this.open.set(id, ws);
    if (this.deps.topicsOf) for (const topic of this.deps.topicsOf(id)) this.deps.pubsub.subscribe(ws, topic);
  }
  // --- end resume ---

  /** Every socket still open (drain, shutdown). */
  sockets(): Socket[] {
    return [...this.open.values()];
  }

  clear(): void {
    this.open.clear();
    this.sessions?.clear();
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
