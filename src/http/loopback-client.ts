/**
 * A minimal JSONgle client for the self-test (GET /tests): a `ws` socket whose incoming messages
 * are queued, and `next()` to wait for one matching message with a deadline. No sleeps: every wait
 * ends on a message, a close, an error or its deadline, and clears its own timer.
 */
import WebSocket from 'ws';

export type Message = Record<string, unknown> & { jsongle?: Record<string, unknown> };

interface Waiter {
  readonly match: (m: Message) => boolean;
  readonly resolve: (m: Message) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class LoopbackClient {
  private readonly queue: Message[] = [];
  private readonly waiters = new Set<Waiter>();
  private closedError: Error | null = null;
  private readonly closed: Promise<void>;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let msg: Message;
      try {
        msg = JSON.parse(data.toString()) as Message;
      } catch {
        return;
      }
      for (const w of this.waiters) {
        if (w.match(msg)) {
          this.settle(w);
          w.resolve(msg);
          return;
        }
      }
      this.queue.push(msg);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code) => {
        this.closedError = new Error(`connection closed (${code})`);
        for (const w of [...this.waiters]) { this.settle(w); w.reject(this.closedError); }
        resolve();
      });
    });
  }

  /** Opens a connection; rejects on refusal (e.g. HTTP 401/503 at upgrade) or at the deadline. */
  static connect(url: string, deadline: number, rejectUnauthorized: boolean): Promise<LoopbackClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { rejectUnauthorized, handshakeTimeout: Math.max(1, deadline - Date.now()) });
      const client = new LoopbackClient(ws);
      ws.once('open', () => { ws.removeListener('error', reject); ws.on('error', () => { /* surfaces as close */ }); resolve(client); });
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** The first queued or future message matching `match`, or a rejection naming `what`. */
  next(match: (m: Message) => boolean, deadline: number, what: string): Promise<Message> {
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]);
    if (this.closedError) return Promise.reject(new Error(`${what}: ${this.closedError.message}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.settle(waiter); reject(new Error(`${what}: timed out`)); }, Math.max(0, deadline - Date.now()));
      const waiter: Waiter = { match, resolve, reject: (e) => reject(new Error(`${what}: ${e.message}`)), timer };
      this.waiters.add(waiter);
    });
  }

  /** Closes cleanly and waits for the close handshake, or cuts the socket at the deadline. */
  async close(deadline: number): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000);
    const timer = setTimeout(() => this.ws.terminate(), Math.max(0, deadline - Date.now()));
    await this.closed;
    clearTimeout(timer);
  }

  /** Cuts the socket at once (failure paths: the server may not answer a close). */
  terminate(): void {
    this.ws.terminate();
  }

  private settle(w: Waiter): void {
    clearTimeout(w.timer);
    this.waiters.delete(w);
  }
}
