/**
 * A local stand-in for the Stately inspector: a WebSocket endpoint on 127.0.0.1 that records every
 * frame the server's inspector sends. The stately.ai UI cannot load on an offline machine, so the
 * proof that inspection works is what arrives here, in the wire format the UI reads (one JSON
 * text frame per @xstate.actor / @xstate.event / @xstate.snapshot record).
 */
import { WebSocketServer, type WebSocket } from 'ws';

export interface InspectionRecord {
  type: '@xstate.actor' | '@xstate.event' | '@xstate.snapshot';
  sessionId: string;
  name?: string;
  definition?: string;
  snapshot?: { value?: unknown; context?: Record<string, unknown>; status?: string };
  event?: { type: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface Waiter {
  test(): boolean;
  resolve(): void;
}

export class InspectorEndpoint {
  /** Every text frame as received, for "this never appears anywhere" checks. */
  readonly frames: string[] = [];
  readonly records: InspectionRecord[] = [];
  connections = 0;
  private readonly sockets = new Set<WebSocket>();
  private waiters: Waiter[] = [];

  private constructor(private readonly wss: WebSocketServer, readonly url: string) {
    wss.on('connection', (ws) => {
      this.connections++;
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data, isBinary) => {
        const text = data.toString();
        this.frames.push(isBinary ? `(binary) ${text}` : text);
        this.records.push(JSON.parse(text) as InspectionRecord);
        this.waiters = this.waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
      });
    });
  }

  static start(): Promise<InspectorEndpoint> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      wss.once('error', reject);
      wss.once('listening', () => {
        const { port } = wss.address() as { port: number };
        resolve(new InspectorEndpoint(wss, `ws://127.0.0.1:${port}`));
      });
    });
  }

  /** The first record matching, waiting for it as frames arrive, up to a deadline. */
  async expectRecord(what: string, predicate: (r: InspectionRecord) => boolean, timeoutMs = 3000): Promise<InspectionRecord> {
    const find = () => this.records.find(predicate);
    const found = find();
    if (found) return found;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { test: () => find() !== undefined, resolve };
        this.waiters.push(waiter);
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`no inspection record for ${what} within ${timeoutMs} ms (got ${this.records.length}: ${this.summary()})`));
        }, timeoutMs);
      });
    } finally {
      clearTimeout(timer);
    }
    return find()!;
  }

  summary(): string {
    return this.records.map((r) => `${r.type}:${r.name ?? r.event?.type ?? ''}`).join(', ').slice(0, 2000);
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
