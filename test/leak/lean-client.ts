/**
 * A JSONgle client on top of RawWebSocket for the load-shaped hardening suites: it parses every
 * frame, keeps the server's messages in arrival order and lets a test wait for the first one
 * that matches, with a deadline. Far fewer features than test/helpers/client.ts, far less CPU.
 */
import { RawWebSocket, type RawConnectOptions } from './raw-ws.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface LeanMsg {
  id?: unknown;
  from?: unknown;
  to?: unknown;
  jsongle: { action: string; [key: string]: any };
  [key: string]: any;
}

interface Waiter {
  match: (m: LeanMsg) => boolean;
  resolve: (m: LeanMsg) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class LeanClient {
  connectionId = '';
  serverId = '';
  helloTransaction = '';
  readonly queue: LeanMsg[] = [];
  /** Frames that were not JSON objects in text frames: always a server bug. */
  readonly violations: string[] = [];
  private waiters: Waiter[] = [];
  private closeCode: number | null = null;

  ws!: RawWebSocket;

  private attach(ws: RawWebSocket): void {
    this.ws = ws;
    ws.onText = (text) => this.onText(text);
    ws.onBinary = () => this.violations.push('binary frame from the server');
    ws.onClose = (code) => {
      this.closeCode = code;
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new Error(`connection closed (${code}) while waiting`));
      }
    };
  }

  /** Connects and takes the session-hello request (so connectionId is known). */
  static async open(port: number, options: RawConnectOptions = {}): Promise<LeanClient> {
    const c = new LeanClient();
    await RawWebSocket.open(port, options, (ws) => c.attach(ws));
    const req = await c.expect((m) => m.jsongle.action === 'iq-get' && m.jsongle.query === 'session-hello');
    c.connectionId = String(req.to);
    c.serverId = String(req.from);
    c.helloTransaction = String(req.jsongle.transaction);
    return c;
  }

  get closed(): number | null {
    return this.closeCode;
  }

  send(obj: unknown): void {
    this.ws.sendText(JSON.stringify(obj));
  }

  async hello(uid: string): Promise<void> {
    this.send({ to: this.serverId, jsongle: { action: 'iq-result', query: 'session-hello', transaction: this.helloTransaction, description: { uid } } });
    const ack = await this.expect((m) => m.jsongle.action === 'ack');
    if (ack.jsongle.status !== 'success') throw new Error(`hello failed: ${JSON.stringify(ack)}`);
  }

  /** Sends an iq-set and waits for the iq-result / iq-error with its transaction. */
  async request(query: string, description: unknown, transaction: string): Promise<LeanMsg> {
    this.send({ to: this.serverId, jsongle: { action: 'iq-set', query, transaction, description } });
    return this.expect((m) => (m.jsongle.action === 'iq-result' || m.jsongle.action === 'iq-error') && m.jsongle.transaction === transaction);
  }

  expect(match: (m: LeanMsg) => boolean, timeoutMs = 5000): Promise<LeanMsg> {
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]);
    if (this.closeCode !== null) return Promise.reject(new Error(`connection already closed (${this.closeCode})`));
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        match, resolve, reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          reject(new Error(`no matching message within ${timeoutMs} ms; queued: ${this.queue.map((m) => JSON.stringify(m).slice(0, 200)).join(' | ') || '(none)'}`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** Polite close; resolves once the TCP connection is gone. */
  close(): Promise<number> {
    const done = this.ws.closed();
    this.ws.close();
    return done;
  }

  /** Stops reading from the socket (a slow or stuck reader); the server's buffers fill up. */
  pause(): void {
    this.ws.pause();
  }

  /** Vanishes without a close frame. */
  destroy(): Promise<number> {
    const done = this.ws.closed();
    this.ws.destroy();
    return done;
  }

  private onText(text: string): void {
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      this.violations.push(`non-JSON frame: ${text.slice(0, 200)}`);
      return;
    }
    if (typeof m !== 'object' || m === null || Array.isArray(m) || typeof (m as LeanMsg).jsongle !== 'object') {
      this.violations.push(`not a JSONgle object: ${text.slice(0, 200)}`);
      return;
    }
    const msg = m as LeanMsg;
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i];
      if (w.match(msg)) {
        this.waiters.splice(i, 1);
        clearTimeout(w.timer);
        w.resolve(msg);
        return;
      }
    }
    this.queue.push(msg);
  }
}
