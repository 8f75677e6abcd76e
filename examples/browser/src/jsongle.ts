/**
 * A minimal JSONgle client over a plain browser WebSocket: the session-hello handshake, room
 * join/leave as iq-set requests, and relayed actions addressed to a room. No Socket.IO and no
 * library: the protocol is one JSON object per text frame (docs/protocol.md).
 */

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

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (e) => this.onFrame(e.data));
    ws.addEventListener('close', () => {
      for (const [t, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error('connection closed'));
        this.pending.delete(t);
      }
    });
  }

  /** Opens the socket; the server then asks for hello (see hello()). */
  static connect(url: string): Promise<JsongleClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new JsongleClient(ws);
      ws.addEventListener('open', () => resolve(client), { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true });
    });
  }

  /** Every message that is not the answer to one of our requests: relays, events, errors. */
  onMessage(handler: MessageHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onClose(handler: (e: CloseEvent) => void): void {
    this.ws.addEventListener('close', handler);
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

  /** A call or message action to the other members of a room. */
  relay(rid: string, jsongle: Jsongle): void {
    this.write({ id: crypto.randomUUID(), from: this.connectionId, to: rid, jsongle });
  }

  /** A message for the server itself that expects no answer (session-metrics). */
  notifyServer(jsongle: Jsongle): void {
    this.write({ id: crypto.randomUUID(), from: this.connectionId, to: this.serverId, jsongle });
  }

  close(): void {
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

  private write(msg: Envelope): void {
    this.ws.send(JSON.stringify(msg));
  }

  private onFrame(data: unknown): void {
    if (typeof data !== 'string') return;
    const msg = JSON.parse(data) as Envelope;
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
