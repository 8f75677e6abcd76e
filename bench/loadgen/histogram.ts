/**
 * Latency histogram in microseconds: 1 µs buckets up to 1 ms, then buckets 1 % wide up to
 * ~150 s. Fixed size, so workers ship plain arrays to the parent, which adds them up.
 */

const LINEAR = 1000;
const LOG_BUCKETS = 1200;
const GROWTH = Math.log(1.01);
export const HISTOGRAM_SIZE = LINEAR + LOG_BUCKETS;

export class Histogram {
  readonly counts: Float64Array;
  count = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Float64Array(HISTOGRAM_SIZE);
    if (counts) this.add(counts);
  }

  record(us: number): void {
    let b: number;
    if (us < LINEAR) b = us < 0 ? 0 : us | 0;
    else b = Math.min(HISTOGRAM_SIZE - 1, LINEAR + Math.floor(Math.log(us / LINEAR) / GROWTH));
    this.counts[b]++;
    this.count++;
  }

  add(counts: ArrayLike<number>): void {
    for (let i = 0; i < HISTOGRAM_SIZE; i++) {
      this.counts[i] += counts[i];
      this.count += counts[i];
    }
  }

  /** The value (µs, bucket's lower bound) under which fraction `q` of the samples fall; NaN if empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_SIZE; i++) {
      seen += this.counts[i];
      if (seen >= rank) return i < LINEAR ? i : LINEAR * Math.exp((i - LINEAR) * GROWTH);
    }
    return NaN;
  }

  toArray(): number[] {
    return Array.from(this.counts);
  }
}
