/**
 * The webhook deliveries, off every client's path: `enqueue` only appends to a bounded in-memory
 * queue (a full queue drops the new delivery and counts it), and a pump started on a later turn
 * POSTs with Node's own fetch, at most `concurrency` at a time, each bounded by `timeoutMs`.
 * A failed POST (not 2xx, refused, timed out) is retried after retryBaseMs · 2^(attempt-1)
 * (capped at 30 s) until `maxAttempts`, then dropped and counted. Retries keep their place in
 * the bound: a dead receiver fills the queue and new events are dropped, never buffered without
 * limit, and nothing ever waits for it.
 */
import type { WebhooksConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';

export interface Delivery {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** For logs: the event's id and type. */
  readonly eventId: string;
  readonly type: string;
  attempt: number;
}

const MAX_BACKOFF_MS = 30_000;

export class DeliveryQueue {
  private ready: Delivery[] = [];
  private head = 0;
  private inFlight = 0;
  /** Deliveries waiting, retrying or in flight: what queueSize bounds. */
  private held = 0;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly aborts = new Set<AbortController>();
  private pumpQueued = false;
  private readonly idle = new Set<() => void>();
  private stopped = false;

  constructor(
    private readonly config: Pick<WebhooksConfig, 'queueSize' | 'maxAttempts' | 'retryBaseMs' | 'timeoutMs' | 'concurrency'>,
    private readonly stats: Stats,
    private readonly logger: Logger,
  ) {}

  get length(): number {
    return this.held;
  }

  /** Never blocks, never throws: full → dropped and counted. */
  enqueue(d: Delivery): boolean {
    if (this.stopped || this.held >= this.config.queueSize) {
      this.stats.countWebhookDropped(this.stopped ? 'stopped' : 'queueFull');
      return false;
    }
    this.held++;
    this.stats.webhookQueueLength = this.held;
    this.ready.push(d);
    this.schedulePump();
    return true;
  }

  /** Resolves once nothing is held, or after `ms` (the server stopping gives deliveries a moment). */
  settle(ms: number): Promise<void> {
    if (this.held === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.idle.delete(done);
        resolve();
      }
      this.idle.add(done);
    });
  }

  /** The server stops: nothing more is sent; what is still held is dropped and counted. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    for (const a of this.aborts) a.abort();
    const waiting = this.held - this.inFlight;
    if (waiting > 0) this.stats.countWebhookDropped('stopped', waiting);
    this.ready = [];
    this.head = 0;
    this.held = this.inFlight;
    this.stats.webhookQueueLength = this.held;
  }

  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    // On a later turn: the caller (an owner's hook) returns before any network work starts.
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.stopped && this.inFlight < this.config.concurrency && this.head < this.ready.length) {
      const d = this.ready[this.head++];
      if (this.head > 1024 && this.head * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.head);
        this.head = 0;
      }
      this.inFlight++;
      void this.post(d).then((ok) => this.settled(d, ok));
    }
  }

  private async post(d: Delivery): Promise<boolean> {
    d.attempt++;
    const abort = new AbortController();
    this.aborts.add(abort);
    const timer = setTimeout(() => abort.abort(), this.config.timeoutMs);
    try {
      const res = await fetch(d.url, { method: 'POST', headers: d.headers, body: d.body, signal: abort.signal, redirect: 'manual' });
      // The body is not needed: release the connection at once.
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return true;
      this.failed(d, `HTTP ${res.status}`);
      return false;
    } catch (err) {
      this.failed(d, abort.signal.aborted ? `no answer within ${this.config.timeoutMs} ms` : String((err as Error)?.cause ?? (err as Error)?.message ?? err));
      return false;
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
  }

  private failed(d: Delivery, why: string): void {
    this.stats.webhookFailedAttempts++;
    if (this.logger.isDebugEnabled()) this.logger.debug('webhook delivery failed', { url: d.url, eventId: d.eventId, type: d.type, attempt: d.attempt, error: why });
  }

  private settled(d: Delivery, ok: boolean): void {
    this.inFlight--;
    if (ok) {
      this.stats.webhooksDelivered++;
      this.release();
    } else if (this.stopped) {
      this.release();
    } else if (d.attempt >= this.config.maxAttempts) {
      this.stats.countWebhookDropped('attempts');
      this.logger.warn('webhook delivery given up', { url: d.url, eventId: d.eventId, type: d.type, attempts: d.attempt });
      this.release();
    } else {
      const wait = Math.min(MAX_BACKOFF_MS, this.config.retryBaseMs * 2 ** (d.attempt - 1));
      const t = setTimeout(() => {
        this.retryTimers.delete(t);
        if (this.stopped) return;
        this.ready.push(d);
        this.pump();
      }, wait);
      t.unref();
      this.retryTimers.add(t);
    }
    this.pump();
  }

  private release(): void {
    this.held--;
    this.stats.webhookQueueLength = this.held;
    if (this.held === 0) for (const done of [...this.idle]) done();
  }
}
