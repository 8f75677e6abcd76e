/**
 * A minimal JSONgle client: the session-hello handshake, room join/leave as iq-set requests, and
 * relayed actions addressed to a room. No library: over a plain browser WebSocket the protocol is
 * one JSON object per text frame (docs/protocol.md); over Socket.IO (the 2.x apps' way) the same
 * objects ride the "jsongle" event (wires.ts).
 */
import { openSocketIO, openWebSocket, type Wire } from './wires.js';

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

  private constructor(private readonly wire: Wire) {
    wire.onMessage((msg) => this.onMessageIn(msg));
    wire.onClose(() => {
      for (const [t, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error('connection closed'));
        this.pending.delete(t);
      }
    });
  }

  /** Opens a plain WebSocket; the server then asks for hello (see hello()). */
  static async connect(url: string): Promise<JsongleClient> {
    return new JsongleClient(await openWebSocket(url));
  }

  /** Connects through the Socket.IO door, as a JSONgle-Server 2.x app does. */
  static async connectSocketIO(url: string, appToken: string | null): Promise<JsongleClient> {
    return new JsongleClient(await openSocketIO(url, appToken));
  }

  /** Every message that is not the answer to one of our requests: relays, events, errors. */
  onMessage(handler: MessageHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onClose(handler: (why: string) => void): void {
    this.wire.onClose(handler);
  }

  /** Answers the server's session-hello request; resolves once the server acknowledged it. */
  async hello(profile: Profile): Promise<void> {
    const request = this.helloRequest ?? (await new Promise<Envelope>((resolve) => { this.helloWaiter = resolve; }));
    const ack = await this.send(this.serverId, {
      action: 'iq-result',
      query: 'session-hello',
      transaction: request.jsongle.transaction,
      description: profile.dn === undefined ? { uid: profile.uid } : { uid: profile.uid, dn: profile.dn },
    }, String(request.jsongle.transaction));
    if (ack.jsongle.status !== 'success') throw new Error('hello refused');
  }

  /** Joins a P2P room; resolves with the other members already in it. */
  async join(rid: string): Promise<Profile[]> {
    const reply = await this.request('session-join', { rid });
    return (reply.jsongle.description as { members: Profile[] }).members;
  }

  async leave(rid: string): Promise<void> {
    await this.request('session-leave', { rid });
  }

  /** A call or message action to the other members of a room. */
  relay(rid: string, jsongle: Jsongle): void {
    this.write({ id: crypto.randomUUID(), from: this.connectionId, to: rid, jsongle });
  }

  /** A message for the server itself that expects no answer (session-metrics). */
  notifyServer(jsongle: Jsongle): void {
    this.write({ id: crypto.randomUUID(), from: this.connectionId, to: this.serverId, jsongle });
  }

  close(): void {
    this.wire.close();
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

  private write(msg: Envelope): void {
    this.wire.send(msg);
  }

  private onMessageIn(msg: Envelope): void {
    const j = msg.jsongle;
    if (j.action === 'iq-get' && j.query === 'session-hello') {
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
