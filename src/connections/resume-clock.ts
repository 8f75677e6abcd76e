/**
 * One clock for every suspended session's window and for the delivery sweep (HelloClock's design:
 * one shared interval, no timer per session). Windows all have the same length, so deadlines are
 * added in time order and a tick stops at the first one still in the future: O(expired) per tick,
 * O(1) to add or remove. An XState `after` in the suspended state would put every suspended session
 * in the shared system's scheduler, which scans all pending timers whenever any actor stops.
 *
 * The same tick runs `sweep` (src/connections/sessions.ts pings the sessions holding unconfirmed
 * frames), so the server has one resume timer in all.
 */
export const RESUME_TICK_MS = 250;

export class ResumeClock {
  private readonly deadlines = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly onExpired: (connId: string) => void,
    private readonly sweep: (now: number) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(Date.now()), RESUME_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.deadlines.clear();
  }

  add(connId: string, now = Date.now()): void {
    this.deadlines.delete(connId);
    this.deadlines.set(connId, now + this.windowMs);
  }

  remove(connId: string): void {
    this.deadlines.delete(connId);
  }

  get pending(): number {
    return this.deadlines.size;
  }

  tick(now: number): void {
    for (const [connId, deadline] of this.deadlines) {
      if (deadline > now) break;
      this.deadlines.delete(connId);
      this.onExpired(connId);
    }
    this.sweep(now);
  }
}
