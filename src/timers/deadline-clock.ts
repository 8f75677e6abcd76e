/**
 * One clock for many deadlines of the same length (the uWS RateLimit.js habit: one shared tick, no
 * timer per item). Used for the hello deadline of every new connection, the ring timeout of every
 * call and the resume window of every suspended session. Deadlines of one clock all have the same
 * length, so they are added in time order and each tick stops at the first one still in the
 * future: O(expired) per tick, O(1) to add or remove.
 *
 * Why not XState `after` timers: the actors share the supervisor's actor system, and XState's shared
 * scheduler scans every pending timer of the system whenever any actor stops — with thousands of
 * connections awaiting hello, each close would cost a scan of all of them.
 */
export interface DeadlineClockOptions {
  /** Tick period; default a quarter of the timeout, between 25 ms and 1 s (a deadline fires up to one tick late). */
  tickMs?: number;
  /** Also run on every tick, after the expiries (the resume sweep): one timer for both. */
  onTick?: (now: number) => void;
}

export class DeadlineClock {
  private readonly deadlines = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  readonly tickMs: number;

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpired: (key: string) => void,
    private readonly options: DeadlineClockOptions = {},
  ) {
    this.tickMs = options.tickMs ?? Math.min(1000, Math.max(25, Math.floor(timeoutMs / 4)));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(Date.now()), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.deadlines.clear();
  }

  /** (Re)starts a key's deadline; a re-added key moves to the end, keeping the time order. */
  add(key: string, now = Date.now()): void {
    this.deadlines.delete(key);
    this.deadlines.set(key, now + this.timeoutMs);
  }

  remove(key: string): void {
    this.deadlines.delete(key);
  }

  get pending(): number {
    return this.deadlines.size;
  }

  tick(now: number): void {
    for (const [key, deadline] of this.deadlines) {
      if (deadline > now) break;
      this.deadlines.delete(key);
      this.onExpired(key);
    }
    this.options.onTick?.(now);
  }
}
