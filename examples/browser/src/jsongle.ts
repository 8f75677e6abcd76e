/**
 * A minimal JSONgle client: the session-hello handshake, room join/leave and user registration as
 * iq-set requests, and relayed actions addressed to a room or (once registered) to a uid. No library: over a plain browser WebSocket the protocol is
 * one JSON object per text frame (docs/protocol.md); over Socket.IO (the 2.x apps' way) the same
 * objects ride the "jsongle" event (wires.ts), and Socket.IO's own reconnection replaces resume.
 *
 * Over a WebSocket it resumes its session by itself after a network blip (docs/protocol.md, "Resume
 * — the client's side"): it counts the server's frames, keeps the frames it sent, and when the socket
 * drops without a close it reconnects with backoff using `resume=<token>&lastSeen=<n>`; on
 * `resumed` it resends what the server did not get (`received`). Pending requests and the app's
 * handlers never notice; `onResume` / `onSessionLost` say what happened.
 */

import { openSocketIO, type Wire } from './wires.js';

export interface Jsongle {
  action: string;
  [key: string]: unknown;
}

export interface Envelope {
  id: string;
  from: string;
  to: string;
  jsongle: Jsongle;
}

export interface Profile {
  uid: string;
  dn?: string;
}

export type MessageHandler = (msg: Envelope) => void;

/** An iq-error or session-error from the server, with its numeric code. */
export class JsongleError extends Error {
  constructor(readonly code: number, details: string) {
    super(`${code} ${details}`);
  }
}

const REQUEST_TIMEOUT_MS = 10_000;
/** Frames of ours kept for a resend (the server confirms them only at a resume, with `received`). */
const OUTBOX_FRAMES = 1024;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 4000;

function iceServersOf(description: unknown): RTCIceServer[] {
  const list = (description as { iceServers?: unknown } | undefined)?.iceServers;
  return Array.isArray(list) ? (list as RTCIceServer[]) : [];
}

interface Pending {
  resolve(msg: Envelope): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class JsongleClient {
  /** Our address for the server: the `to` of its session-hello request. */
  connectionId = '';
  /** The server's id: the `to` of our requests. */
  serverId = '';
  private readonly handlers = new Set<MessageHandler>();
  private readonly pending = new Map<string, Pending>();
  private helloRequest: Envelope | null = null;
  private helloWaiter: ((msg: Envelope) => void) | null = null;
  private readonly closeHandlers = new Set<(why: string) => void>();
  private readonly resumeHandlers = new Set<(replayed: number) => void>();
  private readonly lostHandlers = new Set<(reason: string) => void>();
  // --- resume: counts and kept frames (docs/protocol.md, Resume) ---
  /** Server frames received in this session (the `resumed` event is not one): `lastSeen`. */
  private received = 0;
  /** Frames we sent, the last OUTBOX_FRAMES of them: frame number `outboxFirst + i` at index i. */
  private outbox: string[] = [];
  private outboxFirst = 1;
  private resumeToken = '';
  private windowSec = 0;
  /** Written to the socket only while online (between a hello/resumed and a drop). */
  private online = false;
  private closedByUs = false;
  private droppedAt = 0;
  private backoffMs = BACKOFF_FIRST_MS;

  private constructor(private ws: WebSocket, private readonly url: string) {
    this.wire(ws);
  }

  /** Opens the socket; the server then asks for hello (see hello()). */
  static connect(url: string): Promise<JsongleClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new JsongleClient(ws, url);
      ws.addEventListener('open', () => { client.online = true; resolve(client); }, { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true });
    });
  }

  /** Connects through the Socket.IO door, as a JSONgle-Server 2.x app does (no resume: Socket.IO
   * reconnects as a new connection). */
  static async connectSocketIO(url: string, appToken: string | null): Promise<JsongleClient> {
    const client = new JsongleClient(new WireSocket(await openSocketIO(url, appToken)) as unknown as WebSocket, url);
    client.online = true;
    return client;
  }

  /** The session was resumed after a drop (`replayed` missed frames followed). */
  onResume(handler: (replayed: number) => void): void {
    this.resumeHandlers.add(handler);
  }

  /** The session could not be resumed (window passed, token refused…): rejoin as a new session. */
  onSessionLost(handler: (reason: string) => void): void {
    this.lostHandlers.add(handler);
  }

  private wire(ws: WebSocket): void {
    ws.addEventListener('message', (e) => { if (ws === this.ws) this.onFrame(e.data); });
    ws.addEventListener('close', (e) => { if (ws === this.ws) this.onSocketClosed(e); });
  }

  /** A drop without a close frame (code 1006) and a token: reconnect and resume, else the session is over. */
  private onSocketClosed(e: CloseEvent): void {
    this.online = false;
    const resumable = !this.closedByUs && this.resumeToken !== '' && e.code === 1006;
    if (resumable) {
      if (this.droppedAt === 0) this.droppedAt = Date.now();
      if (Date.now() - this.droppedAt < this.windowSec * 1000) {
        const delay = this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
        setTimeout(() => this.reconnect(), delay * (0.5 + Math.random() / 2));
        return;
      }
      this.sessionLost('expired');
    }
    for (const [t, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('connection closed'));
      this.pending.delete(t);
    }
    for (const h of this.closeHandlers) h(`${e.code}${e.reason ? ` ${e.reason}` : ''}`);
  }

  private reconnect(): void {
    const sep = this.url.includes('?') ? '&' : '?';
    this.ws = new WebSocket(`${this.url}${sep}resume=${encodeURIComponent(this.resumeToken)}&lastSeen=${this.received}`);
    this.wire(this.ws);
  }

  /** `resumed`: the server got `received` of our frames; write the others again, in order. */
  private onResumed(d: { received: number; replayed: number; resume: { token: string; windowSec: number } }): void {
    this.resumeToken = d.resume.token;
    this.windowSec = d.resume.windowSec;
    if (d.received + 1 < this.outboxFirst) {
      this.sessionLost('gap');
      return;
    }
    for (let n = d.received + 1; n < this.outboxFirst + this.outbox.length; n++) this.ws.send(this.outbox[n - this.outboxFirst]);
    this.online = true;
    this.droppedAt = 0;
    this.backoffMs = BACKOFF_FIRST_MS;
    for (const h of this.resumeHandlers) h(d.replayed);
  }

  private sessionLost(reason: string): void {
    this.resumeToken = '';
    for (const h of this.lostHandlers) h(reason);
  }

  /** Every message that is not the answer to one of our requests: relays, events, errors. */
  onMessage(handler: MessageHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** The session is over (a close, or a drop that could not be resumed). */
  onClose(handler: (why: string) => void): void {
    this.closeHandlers.add(handler);
  }

  /**
   * Answers the server's session-hello request; resolves once the server acknowledged it, with the
   * ICE servers the ack hands out (TURN credentials, STUN; empty when the server has none).
   */
  async hello(profile: Profile): Promise<RTCIceServer[]> {
    const request = this.helloRequest ?? (await new Promise<Envelope>((resolve) => { this.helloWaiter = resolve; }));
    const ack = await this.send(this.serverId, {
      action: 'iq-result',
      query: 'session-hello',
      transaction: request.jsongle.transaction,
      description: profile.dn === undefined ? { uid: profile.uid } : { uid: profile.uid, dn: profile.dn },
    }, String(request.jsongle.transaction));
    if (ack.jsongle.status !== 'success') throw new Error('hello refused');
    return iceServersOf(ack.jsongle.description);
  }

  /** Fresh TURN credentials (iq-set ice-servers), e.g. before a call that starts near their expiry. */
  async iceServers(): Promise<RTCIceServer[]> {
    return iceServersOf((await this.request('ice-servers', {})).jsongle.description);
  }

  /** Joins a P2P room; resolves with the other members already in it. */
  async join(rid: string): Promise<Profile[]> {
    const reply = await this.request('session-join', { rid });
    return (reply.jsongle.description as { members: Profile[] }).members;
  }

  async leave(rid: string): Promise<void> {
    await this.request('session-leave', { rid });
  }

  /**
   * Makes this connection reachable at its hello's uid (session-register): a call or message to the
   * uid reaches it, with every other device registered at that uid. Resolves with the number of those
   * devices, this one included. Idempotent; lasts until unregister() or the end of the session (a
   * resumed session stays registered).
   */
  async register(): Promise<number> {
    const reply = await this.request('session-register', {});
    return (reply.jsongle.description as { devices: number }).devices;
  }

  /** No longer reachable at the uid (rejects with JsongleError 404004 when not registered). */
  async unregister(): Promise<void> {
    await this.request('session-unregister', {});
  }

  /**
   * A call or message action to `to`: a room this connection is in (its other members get it), else,
   * once registered, a uid (every registered device of it, or within a call the one that answered).
   * A room the sender is in wins over a uid of the same name.
   */
  relay(to: string, jsongle: Jsongle): void {
    this.write({ id: crypto.randomUUID(), from: this.connectionId, to, jsongle });
  }

  /** A message for the server itself that expects no answer (session-metrics). */
  notifyServer(jsongle: Jsongle): void {
    this.write({ id: crypto.randomUUID(), from: this.connectionId, to: this.serverId, jsongle });
  }

  close(): void {
    this.closedByUs = true;
    this.ws.close(1000);
  }

  private request(query: string, description: Record<string, unknown>): Promise<Envelope> {
    const transaction = crypto.randomUUID();
    return this.send(this.serverId, { action: 'iq-set', query, transaction, description }, transaction);
  }

  /** Sends and waits for the reply that carries the same transaction. */
  private send(to: string, jsongle: Jsongle, transaction: string): Promise<Envelope> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new Error(`no answer to ${String(jsongle.query ?? jsongle.action)} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(transaction, { resolve, reject, timer });
      this.write({ id: crypto.randomUUID(), from: this.connectionId, to, jsongle });
    });
  }

  /** Every frame is numbered and kept (a resume may have to resend it); written now when online. */
  private write(msg: Envelope): void {
    const text = JSON.stringify(msg);
    this.outbox.push(text);
    if (this.outbox.length > OUTBOX_FRAMES) {
      this.outbox.shift();
      this.outboxFirst++;
    }
    if (this.online) this.ws.send(text);
  }

  private onFrame(data: unknown): void {
    if (typeof data !== 'string') return;
    const msg = JSON.parse(data) as Envelope;
    const j = msg.jsongle;
    if (j.action === 'session-event' && j.event === 'resumed') {
      this.onResumed(j.description as Parameters<JsongleClient['onResumed']>[0]);
      return;
    }
    this.received++;
    if (j.action === 'ack' && (j.description as { resume?: { token: string; windowSec: number } } | undefined)?.resume) {
      const r = (j.description as { resume: { token: string; windowSec: number } }).resume;
      this.resumeToken = r.token;
      this.windowSec = r.windowSec;
    }
    if (j.action === 'iq-get' && j.query === 'session-hello') {
      const failed = (j.description as { resumeFailed?: string } | undefined)?.resumeFailed;
      if (failed !== undefined) {
        // A fresh session: the old one is over (its rooms heard `left`); the app starts again.
        this.sessionLost(failed);
        this.ws.close(1000);
        this.closedByUs = true;
        return;
      }
      this.connectionId = msg.to;
      this.serverId = msg.from;
      this.helloRequest = msg;
      this.helloWaiter?.(msg);
      return;
    }
    const waiting = typeof j.transaction === 'string' ? this.pending.get(j.transaction) : undefined;
    if (waiting && (j.action === 'iq-result' || j.action === 'iq-error' || j.action === 'ack')) {
      this.pending.delete(j.transaction as string);
      clearTimeout(waiting.timer);
      if (j.action === 'iq-error') {
        const d = j.description as { errorCode: number; errorDetails: string };
        waiting.reject(new JsongleError(d.errorCode, d.errorDetails));
      } else {
        waiting.resolve(msg);
      }
      return;
    }
    for (const h of this.handlers) h(msg);
  }
}

/** A Socket.IO wire seen as the part of a WebSocket the client uses (text frames, close events). */
class WireSocket {
  private readonly listeners: Record<string, Array<(e: unknown) => void>> = { message: [], close: [] };

  constructor(private readonly wire: Wire) {
    wire.onClose((why) => this.emit('close', { code: 1000, reason: why }));
  }

  addEventListener(type: string, listener: (e: unknown) => void): void {
    this.listeners[type]?.push(listener);
    // The wire keeps what arrived before its first handler (the hello request can come with the
    // connect): it hands those over only once the client listens.
    if (type === 'message' && this.listeners.message.length === 1) {
      this.wire.onMessage((msg) => this.emit('message', { data: JSON.stringify(msg) }));
    }
  }

  send(text: string): void {
    this.wire.send(JSON.parse(text) as Envelope);
  }

  close(): void {
    this.wire.close();
  }

  private emit(type: string, e: unknown): void {
    for (const l of this.listeners[type] ?? []) l(e);
  }
}
