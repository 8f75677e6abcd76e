/**
 * A JSONgle client that resumes its session (docs/protocol.md "Resume — the client's side"), over
 * the `ws` package: it counts the server frames it got (the `resumed` event excepted), keeps every
 * frame it sent, reconnects with `resume=<token>&lastSeen=<n>` and resends what the server did not
 * get (`received`). With `autoResume` it reconnects by itself with backoff, as the browser example
 * does. Tests wait for conditions (waitFor), never for a fixed time.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Msg } from './client.js';
import { waitFor } from './wait.js';

const live = new Set<ResumableClient>();

export class ResumableClient {
  /** Server frames received, in order (the `resumed` events apart): message n is frame n. */
  readonly messages: Msg[] = [];
  readonly resumedEvents: Msg[] = [];
  /** Session-hello requests received (a fresh session after a failed resume says why in it). */
  readonly helloRequests: Msg[] = [];
  /** Every frame this client sent in this session: frame n at index n - 1. */
  private readonly outbox: string[] = [];
  token = '';
  windowSec = 0;
  connectionId = '';
  serverId = 'jsongle-server';
  /** Close codes of every socket of this client, in order. */
  readonly closes: number[] = [];
  /** Reconnect by itself (with backoff) when the socket drops. */
  autoResume = false;
  private ws: WebSocket | null = null;
  private online = false;
  private stopped = false;
  private backoffMs = 25;

  constructor(private baseUrl: string) {
    live.add(this);
  }

  /** Server frames received so far: the `lastSeen` of a resume. */
  get received(): number {
    return this.messages.length;
  }

  get isOnline(): boolean {
    return this.online;
  }

  /** Connects, answers the hello as `uid`, keeps the resume token of the ack. */
  static async start(baseUrl: string, uid: string): Promise<ResumableClient> {
    const c = new ResumableClient(baseUrl);
    await c.connect(c.baseUrl);
    const req = await c.expect((m) => m.jsongle.action === 'iq-get' && m.jsongle.query === 'session-hello');
    c.online = true;
    c.send({ id: randomUUID(), from: c.connectionId, to: c.serverId, jsongle: { action: 'iq-result', query: 'session-hello', transaction: req.jsongle.transaction, description: { uid } } });
    const ack = await c.expect((m) => m.jsongle.action === 'ack');
    if (ack.jsongle.status !== 'success') throw new Error(`hello refused: ${JSON.stringify(ack)}`);
    return c;
  }

  /** Sends a frame (kept for a resend; written now only when the session is online). */
  send(obj: unknown): void {
    const text = JSON.stringify(obj);
    this.outbox.push(text);
    if (this.online && this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  relay(rid: string, action: string, extra: Record<string, unknown> = {}): void {
    this.send({ id: randomUUID(), from: this.connectionId, to: rid, jsongle: { action, ...extra } });
  }

  /** Drops the TCP connection without a close frame (the network went away). */
  cut(): void {
    this.online = false;
    this.ws?.terminate();
  }

  /** Reconnects with the token and the frames seen; resolves with the first frame (`resumed`, or a
   * fresh session's hello request saying `resumeFailed`). */
  async resume(lastSeen = this.received, token = this.token): Promise<Msg> {
    const before = this.resumedEvents.length + this.helloRequests.length;
    const resumedBefore = this.resumedEvents.length;
    await this.connect(this.resumeUrl(token, lastSeen));
    await waitFor(() => this.resumedEvents.length + this.helloRequests.length > before, 'resumed or a fresh hello');
    return this.resumedEvents.length > resumedBefore ? this.resumedEvents[this.resumedEvents.length - 1] : this.helloRequests[this.helloRequests.length - 1];
  }

  /** The base URL (which may carry its own query: an identity token) plus the resume parameters. */
  private resumeUrl(token: string, lastSeen: number): string {
    return `${this.baseUrl}${this.baseUrl.includes('?') ? '&' : '?'}resume=${encodeURIComponent(token)}&lastSeen=${lastSeen}`;
  }

  /** Resume across nodes: the next reconnect goes through another node's URL (a load balancer's choice). */
  moveTo(baseUrl: string): void {
    this.baseUrl = baseUrl;
  }

  /** The first received message matching `pred` after `from` (an index into messages). */
  async expect(pred: (m: Msg) => boolean, timeoutMs = 2000, from = 0): Promise<Msg> {
    let found: Msg | undefined;
    await waitFor(() => (found = this.messages.slice(from).find(pred)) !== undefined, 'a matching message', timeoutMs);
    return found as Msg;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.online = false;
    live.delete(this);
    const ws = this.ws;
    if (ws === null || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { ws.terminate(); resolve(); }, 1000);
      ws.once('close', () => { clearTimeout(timer); resolve(); });
      ws.close(1000);
    });
  }

  private connect(url: string): Promise<void> {
    const ws = new WebSocket(url);
    this.ws = ws;
    return new Promise((resolve, reject) => {
      let opened = false;
      ws.on('open', () => { opened = true; resolve(); });
      ws.on('error', (err) => { if (!opened) reject(err); });
      ws.on('message', (data) => { if (this.ws === ws) this.onFrame(data.toString()); });
      ws.on('close', (code) => {
        this.closes.push(code);
        if (this.ws !== ws) return;
        this.online = false;
        if (this.autoResume && !this.stopped) this.reconnectLater();
      });
    });
  }

  private onFrame(text: string): void {
    const m = JSON.parse(text) as Msg;
    if (m.jsongle.action === 'session-event' && m.jsongle.event === 'resumed') {
      const d = m.jsongle.description;
      this.token = d.resume.token;
      this.resumedEvents.push(m);
      // The server got `received` of our frames: the others are written again, in order.
      for (let i = d.received; i < this.outbox.length; i++) this.ws?.send(this.outbox[i]);
      this.online = true;
      this.backoffMs = 25;
      return;
    }
    if (m.jsongle.action === 'iq-get' && m.jsongle.query === 'session-hello') {
      this.helloRequests.push(m);
      if (this.helloRequests.length > 1) {
        // A fresh session: the old one is over, and so are its counts.
        this.messages.length = 0;
        this.outbox.length = 0;
      }
      this.connectionId = m.to;
      this.serverId = m.from;
    }
    if (m.jsongle.action === 'ack' && m.jsongle.description?.resume) {
      this.token = m.jsongle.description.resume.token;
      this.windowSec = m.jsongle.description.resume.windowSec;
    }
    this.messages.push(m);
  }

  private reconnectLater(): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 400);
    setTimeout(() => {
      if (this.stopped) return;
      this.connect(this.resumeUrl(this.token, this.received)).catch(() => {
        // Refused or reset: the close handler schedules the next attempt.
      });
    }, delay).unref();
  }
}

/** afterEach hook: every resumable client closed. */
export async function closeAllResumable(): Promise<void> {
  await Promise.all([...live].map((c) => c.close()));
}
