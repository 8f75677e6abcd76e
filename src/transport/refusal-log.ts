/**
 * Refused upgrades are not logged one by one at info: a token guesser or a reconnect loop would
 * turn each attempt into a log line. They are counted (jsongle_rejected_upgrades_total) and
 * logged at debug one by one, and at info as one summary line at most every `intervalMs`: the
 * first refusal after a quiet period is reported at once, the rest of a burst in the next line.
 */
import type { Logger } from '../observability/logger.js';

export const REFUSAL_SUMMARY_INTERVAL_MS = 60_000;

export class RefusalLog {
  private counts: Record<string, number> = Object.create(null);
  private pending = 0;
  private lastLogMs = -Infinity;

  constructor(private readonly logger: Logger, private readonly intervalMs = REFUSAL_SUMMARY_INTERVAL_MS) {}

  note(reason: string, ip: string, status: number, now = Date.now()): void {
    if (this.logger.isDebugEnabled()) this.logger.debug('upgrade refused', { ip, reason, status });
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    this.pending++;
    if (now - this.lastLogMs < this.intervalMs) return;
    this.logger.info('upgrades refused', {
      refused: this.counts, total: this.pending, lastIp: ip,
      sinceSec: Number.isFinite(this.lastLogMs) ? Math.round((now - this.lastLogMs) / 1000) : 0,
    });
    this.counts = Object.create(null);
    this.pending = 0;
    this.lastLogMs = now;
  }
}
