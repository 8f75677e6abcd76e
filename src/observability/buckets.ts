/**
 * A histogram kept as plain numbers (cumulative-free bucket counts, sum, count), bumped by the core
 * and turned into a Prometheus histogram at scrape time (metrics.ts). Observing costs a short scan
 * of fixed bounds and no allocation.
 */
export class Buckets {
  /** counts[i]: observations ≤ bounds[i] and > bounds[i-1]; the last slot holds those above every bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  /** Cumulative counts per upper bound, `+Inf` last (the Prometheus `_bucket` series). */
  cumulative(): { le: string; count: number }[] {
    const out: { le: string; count: number }[] = [];
    let total = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      total += this.counts[i];
      out.push({ le: String(this.bounds[i]), count: total });
    }
    out.push({ le: '+Inf', count: total + this.counts[this.bounds.length] });
    return out;
  }
}

/** Call set-up (propose → accept), seconds: a person answers in a few seconds to a minute. */
/** Resume across nodes: a hand-over is a few Redis round trips (ms), a slow one is an outage's symptom. */
export const RESUME_HANDOVER_BOUNDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
export const CALL_SETUP_BOUNDS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120] as const;
/** Call duration (accept → end), seconds: from a dropped call to a long meeting. */
export const CALL_DURATION_BOUNDS = [5, 30, 60, 300, 900, 1800, 3600, 7200, 14400] as const;
