/**
 * A JSONgle test client over the `ws` package. Tests wait for a specific message with a
 * deadline (expectMessage), never for a fixed time; expectNoMessage proves that something did
 * *not* happen with round trips through the server, not with a wait.
 *
 * Every client is tracked so that closeAllClients() (an afterEach hook) leaves no socket or
 * timer behind and mocha exits on its own. Every frame received must be a JSON object in a
 * text frame: anything else is recorded and fails the test in closeAllClients().
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { matches } from './match.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** A received message: typed loosely on purpose, tests assert on whatever arrives. */
export interface Msg {
  id: string;
  from: string;
  to: string;
  jsongle: { action: string; [key: string]: any };
  [key: string]: any;
}

/** An envelope this client sends: `id` is the message id relays and acks refer to. */
export interface OutEnvelope {
  id: string;
  from: string;
  to: unknown;
  jsongle: Record<string, unknown>;
  [key: string]: unknown;
}

export type Matcher = ((m: Msg) => boolean) | Record<string, unknown>;

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface ConnectOptions {
  headers?: Record<string, string>;
}

/** A refused upgrade: carries the HTTP status the server answered. */
export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`);
  }
}

const live = new Set<TestClient>();
/** Arrival order of every message, across all clients of this process (see arrivalOf). */
const arrival = new WeakMap<Msg, number>();
let arrivals = 0;

/**
 * Position of a message in the process-wide arrival order. Loopback sockets written one after
 * the other by the server become readable in that order, so this can compare two clients.
 */
export function arrivalOf(m: Msg): number {
  const n = arrival.get(m);
  if (n === undefined) throw new Error('not a received message');
  return n;
}
const violations: string[] = [];

interface Waiter {
  matcher: Matcher;
  resolve(m: Msg): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class TestClient {
  /** The connection id the server gave us (the `to` of its session-hello request). */
  connectionId = '';
  /** The server id (the `from` of the session-hello request). */
  serverId = 'jsongle-server';
  uid = '';
  /** The session-hello iq-get as received. */
  helloRequest: Msg | null = null;
  /** Messages received and not yet consumed by an expectation, in arrival order. */
  readonly queue: Msg[] = [];
  closed: CloseInfo | null = null;

  private ws: WebSocket | null = null;
  private waiters: Waiter[] = [];
  private closeWaiters: Array<(c: CloseInfo) => void> = [];

  static async connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
    const c = new TestClient();
    await c.connect(url, options);
    return c;
  }

  /** Resolves on open; rejects with UpgradeRefused(status) when the upgrade is answered with HTTP. */
  connect(url: string, options: ConnectOptions = {}): Promise<void> {
    const ws = new WebSocket(url, { headers: options.headers });
    this.ws = ws;
    live.add(this);
    return new Promise((resolve, reject) => {
      let settled = false;
      ws.on('unexpected-response', (_req, res) => {
        settled = true;
        res.resume();
        reject(new UpgradeRefused(res.statusCode ?? 0));
        // Aborting the handshake emits 'error' then 'close': both are handled below.
        ws.terminate();
      });
      ws.on('open', () => {
        settled = true;
        resolve();
      });
      ws.on('error', (err) => {
        if (!settled) {
          settled = true;
          reject(err);
        }
      });
      ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
      ws.on('close', (code, reason) => this.onClose({ code, reason: reason.toString() }));
    });
  }

  private onFrame(data: WebSocket.RawData, isBinary: boolean): void {
    if (isBinary) {
      violations.push(`client ${this.uid || this.connectionId} received a binary frame`);
      return;
    }
    const text = data.toString();
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      violations.push(`client ${this.uid || this.connectionId} received non-JSON: ${text.slice(0, 200)}`);
      return;
    }
    this.receive(msg, text);
  }

  /** A decoded message (a subclass with another transport hands its messages in here). */
  protected receive(msg: unknown, text: string): void {
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      violations.push(`client ${this.uid || this.connectionId} received a non-object: ${text.slice(0, 200)}`);
      return;
    }
    const m = msg as Msg;
    arrival.set(m, ++arrivals);
    const i = this.waiters.findIndex((w) => test(w.matcher, m));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      clearTimeout(w.timer);
      w.resolve(m);
      return;
    }
    this.queue.push(m);
  }

  /** Tracked by closeAllClients and by every client's expectNoMessage (a subclass's connect calls it). */
  protected register(): void {
    live.add(this);
  }

  protected onClose(info: CloseInfo): void {
    this.closed = info;
    live.delete(this);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(`socket closed (code ${info.code}) while waiting for ${describeMatcher(w.matcher)}; unconsumed: ${this.dump()}`));
    }
    for (const f of this.closeWaiters.splice(0)) f(info);
  }

  /** Takes the first queued message that matches, or waits for one until the deadline. */
  expectMessage(matcher: Matcher, timeoutMs = 2000): Promise<Msg> {
    const i = this.queue.findIndex((m) => test(matcher, m));
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]);
    if (this.closed) {
      return Promise.reject(new Error(`socket already closed (code ${this.closed.code}), no ${describeMatcher(matcher)}; unconsumed: ${this.dump()}`));
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        matcher,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          reject(new Error(`no ${describeMatcher(matcher)} within ${timeoutMs} ms; unconsumed: ${this.dump()}`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** The next message in arrival order, whatever it is. */
  next(timeoutMs = 2000): Promise<Msg> {
    return this.expectMessage(() => true, timeoutMs);
  }

  /**
   * Asserts that no (matching) message was delivered, without waiting a fixed time: a round trip
   * through the server on every live client (in the order they connected), then on this one. A
   * client's round trip ends once the server has handled everything that client sent before it;
   * this client's ends once everything the server wrote to it before is here (uWS writes one
   * socket's frames in order: topic publishes, direct sends and the pong).
   */
  async expectNoMessage(matcher: Matcher = () => true): Promise<void> {
    for (const c of [...live]) if (c !== this) await c.roundTrip();
    await this.roundTrip();
    this.assertNothingQueued(matcher);
  }

  /**
   * Waits `ms`, then asserts that no (matching) message is queued. Only where a round trip cannot
   * prove absence: the thing that must not happen is a timer on the server (waiting past its
   * deadline is the assertion) or comes from another process (a node relaying through Redis).
   */
  async expectNoMessageWithin(ms: number, matcher: Matcher = () => true): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    this.assertNothingQueued(matcher);
  }

  /** A WebSocket ping answered by the server's pong (nothing when the socket is closed). */
  roundTrip(timeoutMs = 2000): Promise<void> {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return Promise.resolve();
    const token = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.off('pong', onPong);
        reject(new Error(`no pong within ${timeoutMs} ms`));
      }, timeoutMs);
      const onPong = (data: Buffer) => {
        if (data.toString() !== token) return;
        clearTimeout(timer);
        ws.off('pong', onPong);
        resolve();
      };
      ws.on('pong', onPong);
      ws.ping(token);
    });
  }

  private assertNothingQueued(matcher: Matcher): void {
    const found = this.queue.find((m) => test(matcher, m));
    if (found) throw new Error(`unexpected message: ${JSON.stringify(found).slice(0, 500)}`);
  }

  /** Resolves with the close code once the socket is closed (by either side). */
  expectClose(timeoutMs = 2000): Promise<CloseInfo> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.closeWaiters = this.closeWaiters.filter((f) => f !== done);
        reject(new Error(`socket not closed within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (c: CloseInfo) => {
        clearTimeout(timer);
        resolve(c);
      };
      this.closeWaiters.push(done);
    });
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  send(obj: unknown): void {
    this.sendRaw(JSON.stringify(obj));
  }

  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    if (!this.ws) throw new Error('not connected');
    this.ws.send(data, { binary: options.binary ?? false });
  }

  /** An envelope from this client: `from` is our connection id, `to` the server unless given. */
  envelope(jsongle: Record<string, unknown>, to: unknown = this.serverId): OutEnvelope {
    return { id: randomUUID(), from: this.connectionId, to, jsongle };
  }

  /** Answers the server's session-hello and waits for the successful ack. */
  async hello(uid: string, dn?: string, extra: Record<string, unknown> = {}): Promise<Msg> {
    const req = await this.waitHelloRequest();
    const description: Record<string, unknown> = { uid, ...extra };
    if (dn !== undefined) description.dn = dn;
    this.send(this.envelope({ action: 'iq-result', query: 'session-hello', transaction: req.jsongle.transaction, description }));
    const ack = await this.expectMessage({ jsongle: { action: 'ack' } });
    if (ack.jsongle.status !== 'success') throw new Error(`hello refused: ${JSON.stringify(ack)}`);
    this.uid = uid;
    return ack;
  }

  /** Takes the server's iq-get session-hello (once) and remembers the ids it carries. */
  async waitHelloRequest(): Promise<Msg> {
    if (this.helloRequest) return this.helloRequest;
    const req = await this.expectMessage({ jsongle: { action: 'iq-get', query: 'session-hello' } });
    this.helloRequest = req;
    this.connectionId = req.to;
    this.serverId = req.from;
    return req;
  }

  /** Sends an iq-set and returns its answer (iq-result or iq-error with the same transaction). */
  async request(query: unknown, description?: unknown, options: { to?: unknown } = {}): Promise<Msg> {
    const transaction = randomUUID();
    const jsongle: Record<string, unknown> = { action: 'iq-set', query, transaction };
    if (description !== undefined) jsongle.description = description;
    this.send(this.envelope(jsongle, options.to ?? this.serverId));
    return this.expectMessage((m) => (m.jsongle.action === 'iq-result' || m.jsongle.action === 'iq-error') && m.jsongle.transaction === transaction);
  }

  /** Joins a room and returns the iq-result; an iq-error fails the calling test. */
  async join(rid: string, kind: 'room' | 'muc' = 'room'): Promise<Msg> {
    return expectResult(await this.request(kind === 'muc' ? 'muc-join' : 'session-join', { rid }));
  }

  async leave(rid: string, query: 'session-leave' | 'muc-leave' = 'session-leave'): Promise<Msg> {
    return expectResult(await this.request(query, { rid }));
  }

  /** Sends a relayed action to a room; returns the envelope sent (its `id` is the message id). */
  relay(rid: unknown, action: string, extra: Record<string, unknown> = {}): OutEnvelope {
    const env = this.envelope({ action, ...extra }, rid);
    this.send(env);
    return env;
  }

  /** Closes politely and waits for the close to complete. */
  async close(): Promise<void> {
    if (!this.ws || this.closed) return;
    const done = this.expectClose(2000).catch(() => this.ws?.terminate());
    this.ws.close();
    await done;
  }

  /** Drops the TCP connection without a close frame (a crashed or vanished client). */
  async terminate(): Promise<void> {
    if (!this.ws || this.closed) return;
    const done = this.expectClose(2000);
    this.ws.terminate();
    await done;
  }

  dump(): string {
    return this.queue.length === 0 ? '(none)' : this.queue.map((m) => JSON.stringify(m).slice(0, 300)).join(' | ');
  }
}

function expectResult(reply: Msg): Msg {
  if (reply.jsongle.action !== 'iq-result') throw new Error(`expected iq-result, got ${JSON.stringify(reply)}`);
  return reply;
}

function test(matcher: Matcher, m: Msg): boolean {
  return typeof matcher === 'function' ? matcher(m) : matches(m, matcher);
}

function describeMatcher(matcher: Matcher): string {
  return typeof matcher === 'function' ? 'message matching the predicate' : `message like ${JSON.stringify(matcher)}`;
}

/** Connects and answers hello in one step. */
export async function helloClient(url: string, uid: string, dn?: string): Promise<TestClient> {
  const c = await TestClient.connect(url);
  await c.hello(uid, dn);
  return c;
}

/**
 * afterEach hook: closes every client still open (so sockets and timers never leak into the
 * next test), then fails the test if any client received a frame that was not a JSON object.
 */
export async function closeAllClients(): Promise<void> {
  await Promise.all([...live].map((c) => c.close()));
  live.clear();
  if (violations.length > 0) {
    const v = violations.splice(0);
    throw new Error(`frames that were not JSON objects: ${v.join('; ')}`);
  }
}
