/**
 * One token bucket for every admin request (all clients together, wrong tokens included): the
 * admin routes do real work (a list of thousands of connections, a question to every node of a
 * cluster) and a token guesser must not get unlimited tries. Refilled lazily, no timer.
 */
export class RequestBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly perSecond: number, private readonly burst: number, now = Date.now()) {
    this.tokens = burst;
    this.last = now;
  }

  /** True when a request may run now. */
  take(now = Date.now()): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole seconds until the next request may run (Retry-After). */
  retryAfterSec(): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}
