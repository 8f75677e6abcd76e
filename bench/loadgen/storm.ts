/**
 * Connection storm: `concurrency` lanes, each opening a connection, completing hello + join of a
 * fresh P2P room, closing it, and starting over until time is up. A completion is a join result
 * received; its latency is connect → join result. Source addresses rotate so the client side's
 * TIME_WAIT sockets never exhaust one address's ephemeral ports.
 */
import { BenchConnection } from './connection.js';
import { nowUs, pickAddress, ScenarioBase } from './scenario-base.js';

/** A lane's attempts are bounded in count too, not only by the clock. */
const MAX_ATTEMPTS_PER_LANE = 1_000_000;
/** After a failed attempt a lane pauses this long, so a refusing server is not hammered in a tight loop. */
const FAILURE_PAUSE_MS = 20;

export class StormScenario extends ScenarioBase {
  private attempts = 0;
  private live = new Set<BenchConnection>();

  override async setup() {
    return { connections: 0, failures: 0, errors: [], elapsedMs: 0 };
  }

  protected start(): void {
    for (let lane = 0; lane < this.job.concurrency; lane++) void this.lane(lane);
  }

  private async lane(lane: number): Promise<void> {
    const { job } = this;
    for (let n = 0; n < MAX_ATTEMPTS_PER_LANE && this.running; n++) {
      const index = this.attempts++;
      const t0 = nowUs();
      const conn = new BenchConnection(index, {
        host: job.host,
        port: job.ports[index % job.ports.length],
        path: job.path,
        localAddress: pickAddress(job.localAddresses, index + lane),
      }, this, job.setupTimeoutMs);
      this.live.add(conn);
      try {
        await conn.helloed();
        await conn.join('session-join', `${job.runTag}-w${job.workerId}-s${index}`);
        if (this.running) {
          this.completed++;
          this.histogram.record(nowUs() - t0);
        }
        conn.close();
      } catch (err) {
        if (this.running) this.noteError(err);
        conn.destroy();
        await pause(FAILURE_PAUSE_MS);
      } finally {
        this.live.delete(conn);
      }
    }
  }

  onRelay(): void {
    // no relays in a storm
  }

  override shutdown(): void {
    this.running = false;
    for (const c of this.live) c.destroy();
    super.shutdown();
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
