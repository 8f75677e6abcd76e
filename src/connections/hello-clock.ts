/**
 * One clock for every connection's hello deadline (the uWS RateLimit.js habit: one shared tick,
 * no timer per socket). Deadlines are added in time order, so each tick stops at the first one
 * still in the future: O(expired) per tick, O(1) to add or remove.
 *
 * Why not the machine's own `after` timer: connection actors share the supervisor's actor system
 * (1.9 KB less per connection), and XState's shared scheduler scans every pending timer of the
 * system whenever any actor stops — with thousands of connections awaiting hello, each close
 * would cost a scan of all of them.
 */
export class HelloClock {
  private readonly deadlines = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly timeoutMs: number, private readonly onExpired: (connId: string) => void) {}

  /** Tick period: a quarter of the timeout, between 25 ms and 1 s (the timeout fires up to one tick late). */
  get tickMs(): number {
    return Math.min(1000, Math.max(25, Math.floor(this.timeoutMs / 4)));
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

  add(connId: string, now = Date.now()): void {
    this.deadlines.set(connId, now + this.timeoutMs);
  }

  remove(connId: string): void {
    this.deadlines.delete(connId);
  }

  get pending(): number {
    return this.deadlines.size;
  }

  tick(now: number): void {
    for (const [connId, deadline] of this.deadlines) {
      if (deadline > now) return;
      this.deadlines.delete(connId);
      this.onExpired(connId);
    }
  }
}
