/**
 * Sessions that outlive their socket (resume; docs/protocol.md "Resume", docs/architecture.md).
 * Owned by Connections, which calls it for every frame it writes (resume on): the one place that
 * counts a session's frames, keeps the ones not yet confirmed, suspends a session whose socket
 * vanished, resumes it on a new socket, and ends it when its window or its buffer runs out.
 *
 * Knowing what the client may have missed, with bounded memory: every frame written is kept until
 * it is confirmed. A pong that answers a ping written after frame N proves the client's TCP stack
 * got every frame up to N (one ordered stream), so one shared sweep (the resume clock) pings each
 * connected session holding unconfirmed frames, at most one ping in flight per session, and the
 * pong trims its buffer: an idle session's buffer empties within a tick or two and it keeps only
 * its record. Unconfirmed frames are bounded by resume.bufferMessages / resume.bufferBytes:
 * connected and over a bound, the oldest goes (a resume from before it gets `gap`); suspended and
 * over a bound, the session ends at once.
 */
import type { ConnectionActor, ConnectionEvent } from '../../machines/connection.js';
import type { ResumeConfig } from '../config/types.js';
import type { Stats } from '../observability/stats.js';
import type { MessageBuilder, ResumeGrant } from '../protocol/build.js';
import type { ServerCloseReason } from '../transport/close-reason.js';
import type { ResumeClaim, ResumeFailure, Socket } from '../transport/socket-data.js';
import { CloseCode } from '../protocol/codes.js';
import { ReplayBuffer } from './replay-buffer.js';

/** Sessions exist for raw uWS sockets only (a Socket.IO connection has none): they can be pinged. */
type WebSocketLike = Socket & { ping(message: string): number };
import { DeadlineClock } from '../timers/deadline-clock.js';

/** The resume clock's tick: window expiries and the delivery-ping sweep (a ping at most every 250 ms per session). */
export const RESUME_TICK_MS = 250;
import { Session } from './session.js';
import { newResumeToken } from './resume-token.js';

/** Close code of a socket whose session was resumed on another socket (spec: 4409). */
const CLOSE_RESUMED_ELSEWHERE = CloseCode.ResumedElsewhere;

export type SessionEndReason = 'window' | 'overflow' | 'gap' | 'drain';

export interface SessionsDeps {
  config: ResumeConfig;
  stats: Stats;
  builder: MessageBuilder;
  /** Writes one frame on a socket (counted on the wire, never on a closed socket). */
  write(ws: Socket, text: string): boolean;
  /** Ends a session as a disconnect does (Connections.release), the actor hearing `ending`. */
  release(connId: string, ending: ConnectionEvent): void;
  /** The socket is the connection's again (Connections' map and the room topics it is in). */
  reattach(ws: Socket): void;
  /** The socket is gone, the session stays (Connections forgets the socket). */
  detach(connId: string): void;
  /** The identity token's user of a connection (undefined: no token): a resume must come from the same. */
  subOf(connId: string): string | undefined;
  /** Redis engine: this node's id, named in every token it issues (resume across nodes). */
  nodeId?: string;
}

/** A session as one node hands it to another (resume across nodes, src/cluster/resume-handover.ts). */
export interface HandedSession {
  id: string;
  /** The token the client resumes with (the new node knows the session by it until the resume). */
  token: string;
  /** Server frames the client had when it asked (the frames after it follow, numbered from lastSeen + 1). */
  lastSeen: number;
  received: number;
  frames: string[];
}

const decoder = new TextDecoder();

export class Sessions {
  private readonly byId = new Map<string, Session>();
  /** Current tokens → connection id (single use: a resume replaces the token). */
  private readonly byToken = new Map<string, string>();
  /** Tokens of sessions whose window passed, until another window passes: the answer is `expired`, not `unknown`. */
  private readonly expiredTokens = new Map<string, number>();
  /** Connected sessions holding unconfirmed frames: what the sweep pings. */
  private readonly unconfirmed = new Set<Session>();
  private readonly clock: DeadlineClock;
  private readonly windowMs: number;

  constructor(private readonly deps: SessionsDeps) {
    this.windowMs = deps.config.windowSec * 1000;
    this.clock = new DeadlineClock(this.windowMs, (id) => this.expire(id), { tickMs: RESUME_TICK_MS, onTick: (now) => this.sweep(now) });
  }

  start(): void {
    this.clock.start();
  }

  stop(): void {
    this.clock.stop();
  }

  get size(): number {
    return this.byId.size;
  }

  /** Suspended sessions now (a gauge). */
  get suspendedCount(): number {
    return this.clock.pending;
  }

  /** The connection has a session (resume on, raw door). */
  has(connId: string): boolean {
    return this.byId.has(connId);
  }

  isSuspended(connId: string): boolean {
    return this.byId.get(connId)?.suspended ?? false;
  }

  /** Ids of the suspended sessions (they hear the drain too). */
  *suspendedIds(): IterableIterator<string> {
    for (const s of this.byId.values()) if (s.suspended) yield s.id;
  }

  actorOf(connId: string): ConnectionActor | undefined {
    return this.byId.get(connId)?.actor ?? undefined;
  }

  failureOf(connId: string): string | undefined {
    return this.byId.get(connId)?.failure ?? undefined;
  }

  /** A fresh socket's session (the socket's user data already holds its actor). */
  open(ws: Socket): void {
    const d = ws.getUserData();
    const s = new Session(d.id, ws, d.actor);
    if (d.resume !== null && 'failed' in d.resume) s.failure = d.resume.failed;
    d.resume = null;
    d.session = s;
    this.byId.set(s.id, s);
  }

  /** A new single-use token for the hello's ack (the session becomes resumable). */
  grant(connId: string): ResumeGrant | undefined {
    const s = this.byId.get(connId);
    if (s === undefined) return undefined;
    this.renewToken(s);
    return { token: s.token, windowSec: this.deps.config.windowSec };
  }

  /**
   * At the upgrade (uWS runs `open` synchronously inside it, so nothing changes in between): which
   * session a `resume=<token>&lastSeen=<n>` names, or why it cannot be resumed. A `gap` ends the
   * old session (the client cannot be given what it missed).
   */
  claim(token: string, lastSeenText: string | null, sub?: string): { id: string; claim: ResumeClaim } | { claim: ResumeClaim } {
    const id = this.byToken.get(token);
    const s = id === undefined ? undefined : this.byId.get(id);
    if (s === undefined) return this.failed(this.expiredTokens.has(token) ? 'expired' : 'unknown');
    // Being handed over to another node (resume across nodes): that node's resume owns it now.
    if (s.moving) return this.failed('unknown');
    // With identity tokens a session is only the same user's to take over: another `sub` learns nothing.
    if (sub !== undefined && this.deps.subOf(s.id) !== sub) return this.failed('unknown');
    const lastSeen = lastSeenText !== null && /^\d{1,15}$/.test(lastSeenText) ? Number(lastSeenText) : -1;
    const covered = s.kept === null ? lastSeen === s.sent : s.kept.covers(lastSeen, s.sent);
    if (!covered || s.ending) {
      this.end(s, 'gap');
      return this.failed('gap');
    }
    return { id: s.id, claim: { token, lastSeen } };
  }

  /**
   * A socket upgraded with a valid claim takes its session over: an old socket still open is closed
   * with 4409, then the `resumed` event (not counted) and the frames after `lastSeen`, in order, all
   * written before anything else can be. False: the claim no longer holds (the caller closes it).
   */
  attach(ws: Socket): boolean {
    const d = ws.getUserData();
    const claim = d.resume;
    d.resume = null;
    if (claim === null || 'failed' in claim) return false;
    const s = this.byId.get(d.id);
    if (s === undefined || s.token !== claim.token) return false;
    if (s.socket !== null) closeReplaced(s.socket, 'session resumed on another socket');
    const { lastSeen } = claim;
    s.kept?.trimTo(lastSeen);
    this.renewToken(s);
    s.socket = ws;
    s.pingedAt = 0;
    d.session = s;
    d.actor = s.actor;
    this.deps.reattach(ws);
    const { write, builder, stats } = this.deps;
    write(ws, builder.resumed(s.id, s.received, s.sent - lastSeen, { token: s.token, windowSec: this.deps.config.windowSec }));
    if (s.kept !== null) {
      stats.framesReplayed += s.kept.replayAfter(lastSeen, (text) => write(ws, text));
      if (s.kept.size > 0) this.unconfirmed.add(s);
    }
    stats.sessionsResumed++;
    if (s.suspended) {
      s.suspended = false;
      stats.sessionsSuspendedNow--;
      this.clock.remove(s.id);
      s.actor?.send({ type: 'ws.resumed' });
    }
    return true;
  }

  /**
   * The frame path (resume on): count, keep until confirmed, write when connected. False when it
   * was not written and will not be replayed (no such session, or one that is ending).
   */
  deliver(connId: string, text: string): boolean {
    const s = this.byId.get(connId);
    if (s === undefined || s.ending) return false;
    if (s.arriving !== null) return s.arriving.push(text) > 0; // moving here from another node: held (resume-handover.ts)
    return this.deliverNow(s, text);
  }

  /** Numbers, keeps and writes one frame of a session. */
  private deliverNow(s: Session, text: string): boolean {
    const n = ++s.sent;
    if (s.token !== '') this.keep(s, n, text);
    if (s.ending) return false;
    return s.socket === null || this.deps.write(s.socket, text);
  }

  /** A relay copy the room's topic publish delivers to this connection's socket (or, suspended,
   * does not): numbered and kept like a frame sent through `deliver`, but not written here. */
  note(connId: string, text: string): void {
    const s = this.byId.get(connId);
    if (s === undefined || s.ending) return;
    if (s.arriving !== null) {
      s.arriving.push(text);
      return;
    }
    const n = ++s.sent;
    if (s.token !== '') this.keep(s, n, text);
  }

  /** A pong: the one answering this session's delivery ping confirms every frame up to it (and costs
   * no rate-limit token: the server asked for it). False: not ours (the caller rate-limits it). */
  confirm(ws: Socket, message: ArrayBuffer): boolean {
    const s = ws.getUserData().session as Session | null;
    if (s === null || s.pingedAt === 0 || s.socket !== ws || decoder.decode(message) !== String(s.pingedAt)) return false;
    const n = s.pingedAt;
    s.pingedAt = 0;
    if (s.kept !== null) {
      s.kept.trimTo(n);
      if (s.kept.size === 0) {
        s.kept = null;
        this.unconfirmed.delete(s);
      }
    }
    return true;
  }

  /**
   * The socket closed. True when the session outlives it: suspended (it vanished — no close frame —
   * or uWS's idle timeout, once the hello was acknowledged), or already resumed on another socket.
   * A close frame from the client (any code) or an end the server made ends the session.
   */
  outlives(ws: Socket, code: number, uwsReason: ServerCloseReason | null): boolean {
    const d = ws.getUserData();
    if (d.replaced) return true;
    const s = d.session as Session | null;
    if (s === null || s.socket !== ws || s.token === '' || s.ending) return false;
    if (code !== 1006 || d.endedByServer || d.sendRefused || (uwsReason !== null && uwsReason !== 'idleTimeout')) return false;
    s.socket = null;
    s.suspended = true;
    s.pingedAt = 0;
    this.unconfirmed.delete(s);
    this.clock.add(s.id);
    this.deps.stats.sessionsSuspended++;
    this.deps.stats.sessionsSuspendedNow++;
    this.deps.detach(s.id);
    s.actor?.send({ type: 'ws.lost' });
    return true;
  }

  /** A suspended session ends now (the server drains). */
  endSuspended(connId: string): void {
    const s = this.byId.get(connId);
    if (s?.suspended) this.end(s, 'drain');
  }

  /** Connections.release forgets the session: nothing of it is left here. */
  forget(connId: string): void {
    const s = this.byId.get(connId);
    if (s === undefined) return;
    this.byId.delete(connId);
    if (s.suspended) this.deps.stats.sessionsSuspendedNow--;
    s.suspended = false;
    if (s.token !== '') this.byToken.delete(s.token);
    this.clock.remove(connId);
    this.unconfirmed.delete(s);
    s.kept = null;
    s.socket = null;
    s.actor = null;
  }

  /** Every session forgotten (shutdown). */
  clear(): void {
    for (const s of this.byId.values()) if (s.suspended) this.deps.stats.sessionsSuspendedNow--;
    this.byId.clear();
    this.byToken.clear();
    this.expiredTokens.clear();
    this.unconfirmed.clear();
    this.clock.stop();
  }

  /** Records and memory for leak checks: nothing may linger after a session ends. */
  get sizes(): { sessions: number; tokens: number; unconfirmed: number; suspended: number } {
    return { sessions: this.byId.size, tokens: this.byToken.size, unconfirmed: this.unconfirmed.size, suspended: this.clock.pending };
  }

  private keep(s: Session, n: number, text: string): void {
    const { bufferMessages, bufferBytes } = this.deps.config;
    let kept = s.kept;
    if (kept === null) kept = s.kept = new ReplayBuffer(bufferMessages, bufferBytes);
    const wasEmpty = kept.size === 0;
    if (!kept.push(n, text)) {
      if (s.socket === null) {
        // Suspended and over its bounds: the session ends (on the next turn: this may run inside
        // another connection's relay), and nothing more is kept for it.
        s.ending = true;
        setImmediate(() => this.end(s, 'overflow'));
        return;
      }
      // Connected: the newest frames matter more; a resume from before the oldest kept gets `gap`.
      this.deps.stats.replayFramesDropped++;
      while (kept.size > 0 && !kept.push(n, text)) kept.dropOldest();
      if (kept.size === 0 && !kept.push(n, text)) kept.trimTo(n); // one frame larger than the whole buffer
    }
    if (wasEmpty && kept.size > 0 && s.socket !== null) this.unconfirmed.add(s);
  }

  private sweep(now: number): void {
    for (const s of this.unconfirmed) {
      const ws = s.socket;
      if (ws === null || s.kept === null || s.kept.size === 0) {
        this.unconfirmed.delete(s);
        continue;
      }
      if (s.pingedAt !== 0 || ws.getUserData().closed) continue;
      s.pingedAt = s.sent;
      (ws as WebSocketLike).ping(String(s.sent));
    }
    for (const [token, forgetAt] of this.expiredTokens) {
      if (forgetAt > now) break;
      this.expiredTokens.delete(token);
    }
  }

  private expire(connId: string): void {
    const s = this.byId.get(connId);
    if (s === undefined || !s.suspended) return;
    if (s.token !== '') this.expiredTokens.set(s.token, Date.now() + this.windowMs);
    this.end(s, 'window');
  }

  /** Ends a session as a disconnect: its rooms hear `left`, its calls end `gone`. */
  private end(s: Session, reason: SessionEndReason): void {
    if (this.byId.get(s.id) !== s) return;
    this.deps.stats.countSessionEnded(reason);
    const old = s.socket;
    const ending: ConnectionEvent = s.suspended ? { type: 'session.expired', reason } : { type: 'ws.closed' };
    this.deps.release(s.id, ending);
    // A gap on a session whose old socket still looks open: that socket is closed too.
    if (old !== null && !old.getUserData().closed) {
      const od = old.getUserData();
      od.endedByServer = true;
      old.end(CLOSE_RESUMED_ELSEWHERE, 'session resumed on another socket');
    }
  }

  private failed(reason: ResumeFailure): { claim: ResumeClaim } {
    this.deps.stats.countResumeFailed(reason);
    return { claim: { failed: reason } };
  }

  // --- resume across nodes (src/cluster/resume-handover.ts) ---
  /** Old node, a valid claim from another node: the session is about to move, its window stops
   * here (it cannot expire mid-move) and a socket that still looks open is closed 4409. */
  reserve(connId: string): boolean {
    const s = this.byId.get(connId);
    if (s === undefined || s.ending || s.moving) return false;
    s.moving = true;
    this.clock.remove(s.id);
    const old = s.socket;
    if (old !== null) {
      closeReplaced(old, 'session resumed on another node');
      s.socket = null;
      s.pingedAt = 0;
      this.unconfirmed.delete(s);
      this.deps.detach(s.id);
      // Socketless from now on, as if it had vanished: a move that fails leaves it suspended here.
      s.suspended = true;
      this.deps.stats.sessionsSuspendedNow++;
      s.actor?.send({ type: 'ws.lost' });
    }
    return true;
  }

  /** The move failed: the session waits here again (a full window). */
  unreserve(connId: string): void {
    const s = this.byId.get(connId);
    if (s === undefined || !s.moving) return;
    s.moving = false;
    this.clock.add(s.id);
  }

  /** Old node: the session leaves, with the frames after `lastSeen`; nothing of it is left here (no `ending`). */
  handOut(connId: string, lastSeen: number): HandedSession | null {
    const s = this.byId.get(connId);
    if (s === undefined) return null;
    const frames: string[] = [];
    if (s.kept !== null) s.kept.replayAfter(lastSeen, (text) => frames.push(text));
    const handed: HandedSession = { id: s.id, token: s.token, lastSeen: s.sent - frames.length, received: s.received, frames };
    this.forget(connId);
    return handed;
  }

  /** New node, once the move is decided: frames for the connection may arrive before its hand-over. */
  expectArrival(connId: string): void {
    if (this.byId.has(connId)) return;
    const s = new Session(connId, null, null);
    s.arriving = [];
    this.byId.set(connId, s);
  }

  /** New node: the handed-over session, suspended here under its token (the resume that asked for it
   * claims it next, in the same turn), its frames and those that arrived meanwhile numbered in order. */
  adopt(h: HandedSession, actor: ConnectionActor): void {
    const s = this.byId.get(h.id) ?? new Session(h.id, null, null);
    const ahead = s.ahead ?? [];
    s.ahead = null;
    s.actor = actor;
    s.received = h.received;
    s.sent = h.lastSeen;
    s.token = h.token;
    s.suspended = true;
    this.byId.set(s.id, s);
    this.byToken.set(s.token, s.id);
    for (const text of h.frames) this.keep(s, ++s.sent, text);
    for (const text of ahead) this.keep(s, ++s.sent, text);
    this.deps.stats.sessionsSuspendedNow++;
    this.clock.add(s.id);
    if (s.aheadDone) this.releaseHeld(s.id);
  }

  /** New node: true while the session is on its way here (frames held), false once settled, undefined: none. */
  isArriving(connId: string): boolean | undefined {
    const s = this.byId.get(connId);
    return s === undefined ? undefined : s.arriving !== null;
  }

  /** New node: a frame the old node forwarded (it was on its way there): it goes ahead of the held ones. */
  deliverAhead(connId: string, text: string): boolean {
    const s = this.byId.get(connId);
    if (s === undefined || s.ending) return false;
    if (s.actor === null) return (s.ahead ??= []).push(text) > 0;
    return this.deliverNow(s, text);
  }

  /** New node: nothing more comes from the old node; the frames held here follow, in order. */
  releaseHeld(connId: string): void {
    const s = this.byId.get(connId);
    if (s === undefined) return;
    if (s.actor === null) {
      s.aheadDone = true;
      return;
    }
    const held = s.arriving;
    s.arriving = null;
    if (held !== null) for (const text of held) this.deliverNow(s, text);
  }

  /** New node: the hand-over never came (the old node failed mid-way): the waiting record goes. */
  cancelArrival(connId: string): void {
    const s = this.byId.get(connId);
    if (s !== undefined && s.arriving !== null) this.byId.delete(connId);
  }
  // --- end resume across nodes ---

  private renewToken(s: Session): void {
    if (s.token !== '') this.byToken.delete(s.token);
    s.token = newResumeToken(this.deps.nodeId);
    this.byToken.set(s.token, s.id);
  }
}

/** A socket whose session another socket took over: closed 4409 (unless closed already), its close
 * flagged as a replacement, not the session's end. */
function closeReplaced(old: Socket, reason: string): void {
  const d = old.getUserData();
  d.replaced = true;
  d.endedByServer = true;
  if (!d.closed) old.end(CLOSE_RESUMED_ELSEWHERE, reason);
}
