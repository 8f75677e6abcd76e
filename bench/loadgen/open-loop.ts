/**
 * Open-loop relay at a fixed rate: every millisecond the worker sends what the schedule says is
 * due, round-robin over its connections in bursts of up to BURST, whatever came back. Every message carries its send
 * time, so the histogram is the latency a client sees at that offered load. When the generator
 * itself falls more than 10 ms behind, the overdue messages are skipped and counted (`behind`):
 * the offered rate is then lower than asked, and the notes say so.
 */
import { performance } from 'node:perf_hooks';
import type { BenchConnection } from './connection.js';
import { textFrame } from './frames.js';
import { Marker, readDigits, relayPayload, STAMP_DIGITS, STAMP_OFFSET, writeStamp } from './messages.js';
import { nowUs, ScenarioBase } from './scenario-base.js';

/** Messages a connection sends back to back in one write (ICE candidates come in bursts too):
 * one syscall per message would make the generator, not the server, the limit. */
const BURST = 4;

export class OpenLoopScenario extends ScenarioBase {
  private frames: Buffer[] = [];
  private payloadStart: number[] = [];
  private ticker: NodeJS.Timeout | null = null;

  override async setup() {
    const report = await super.setup();
    for (const c of this.conns) {
      const payload = relayPayload(this.job.action, Marker.OpenLoop, c.index, this.rooms[c.slot].rid, this.job.payloadBytes);
      const frame = textFrame(payload);
      this.frames[c.index] = frame;
      this.payloadStart[c.index] = frame.length - Buffer.byteLength(payload);
    }
    return report;
  }

  protected start(): void {
    const live = this.conns.filter((c) => c.ready);
    if (live.length === 0) return;
    const rate = this.job.ratePerSecond;
    const maxLagMessages = Math.max(1, Math.ceil(rate / 100)); // 10 ms worth
    const t0 = performance.now();
    let issued = 0;
    let cursor = 0;
    this.ticker = setInterval(() => {
      if (!this.running) {
        if (this.ticker !== null) clearInterval(this.ticker);
        return;
      }
      const due = Math.floor(((performance.now() - t0) * rate) / 1000) - issued;
      let n = due;
      if (n > maxLagMessages) {
        this.behind += n - maxLagMessages;
        n = maxLagMessages;
      }
      // Stamped with the time they really leave, not the time the schedule meant: on a shared box
      // the generator itself gets descheduled, and that lag is not the server's. It is reported
      // apart instead (`behind`: messages more than 10 ms late were skipped, not sent in a burst).
      issued += due;
      const stamp = nowUs();
      for (let left = n; left > 0; ) {
        const c = live[cursor];
        cursor = (cursor + 1) % live.length;
        const k = Math.min(BURST, left);
        left -= k;
        const frame = this.frames[c.index];
        const batch = Buffer.allocUnsafe(frame.length * k);
        for (let i = 0; i < k; i++) {
          frame.copy(batch, i * frame.length);
          writeStamp(batch, i * frame.length + this.payloadStart[c.index], stamp, Marker.OpenLoop);
        }
        c.write(batch);
      }
      this.sent += n;
    }, 1);
  }

  onRelay(_receiver: BenchConnection, buf: Buffer, p: number): void {
    if (buf[p + 7] !== Marker.OpenLoop) return;
    this.delivered++;
    this.histogram.record(nowUs() - readDigits(buf, p + STAMP_OFFSET, STAMP_DIGITS));
  }

  override shutdown(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    super.shutdown();
  }
}
