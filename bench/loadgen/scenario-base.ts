/**
 * What every worker-side scenario shares: its connections, the counters of the measured window,
 * the latency histogram, and opening rooms with a bounded number of set-ups in flight.
 */
import { performance } from 'node:perf_hooks';
import { BenchConnection, type FrameSink } from './connection.js';
import { Histogram } from './histogram.js';
import type { SetupReport, WorkerJob, WorkerResult } from './protocol.js';

export function nowUs(): number {
  return Math.floor(performance.now() * 1000);
}

/** No address: the kernel picks the source (and may reuse TIME_WAIT ports on loopback); else rotate. */
export function pickAddress(addresses: string[], n: number): string | undefined {
  return addresses.length === 0 ? undefined : addresses[n % addresses.length];
}

export interface Room {
  rid: string;
  members: BenchConnection[];
}

export abstract class ScenarioBase implements FrameSink {
  readonly conns: BenchConnection[] = [];
  readonly rooms: Room[] = [];
  sent = 0;
  delivered = 0;
  completed = 0;
  failures = 0;
  behind = 0;
  closedDuringRun = 0;
  histogram = new Histogram();
  serverFrames: Record<string, number> = Object.create(null);
  errors: string[] = [];
  /** True while traffic flows (warm-up included); the scenario stops re-sending when false. */
  running = false;
  private measureStart = 0;

  /** How a connection is admitted after its hello (default: joining its room). */
  protected readonly admission: 'session-register' | null = null;

  constructor(protected readonly job: WorkerJob) {}

  abstract onRelay(receiver: BenchConnection, buf: Buffer, payloadStart: number): void;

  /** Starts traffic; counters are zeroed when the measured window opens. */
  protected abstract start(): void;

  onServerFrame(_receiver: BenchConnection, summary: string | null): void {
    const key = summary ?? 'unparsed';
    this.serverFrames[key] = (this.serverFrames[key] ?? 0) + 1;
  }

  noteError(err: unknown): void {
    this.failures++;
    const text = err instanceof Error ? err.message : String(err);
    if (this.errors.length < 5 && !this.errors.includes(text)) this.errors.push(text);
  }

  async setup(): Promise<SetupReport> {
    return this.openRooms(this.job.rooms);
  }

  /** Opens `count` more rooms of job.roomSize members, at most job.concurrency connections setting up at once. */
  async openRooms(count: number): Promise<SetupReport> {
    const t0 = performance.now();
    const failuresBefore = this.failures;
    const first = this.rooms.length;
    const end = first + count;
    let next = first;
    // A sliding window of rooms being set up: each lane takes the next room when its last one is done.
    const lane = async () => {
      while (next < end) await this.openRoom(next++);
    };
    const lanes = Math.min(count, Math.max(1, Math.floor(this.job.concurrency / this.job.roomSize)));
    await Promise.all(Array.from({ length: lanes }, lane));
    return {
      connections: this.conns.filter((c) => c.ready).length,
      failures: this.failures - failuresBefore,
      errors: this.errors,
      elapsedMs: performance.now() - t0,
    };
  }

  private async openRoom(r: number): Promise<void> {
    const { job } = this;
    const rid = `${job.runTag}-w${job.workerId}-r${r}`;
    const room: Room = { rid, members: [] };
    this.rooms[r] = room;
    const query = this.admission ?? (job.roomKind === 'muc' ? 'muc-join' : 'session-join');
    await Promise.all(Array.from({ length: job.roomSize }, async () => {
      const index = this.conns.length;
      const conn = new BenchConnection(index, {
        host: job.host,
        port: job.ports[r % job.ports.length],
        path: job.path,
        localAddress: pickAddress(job.localAddresses, index + job.workerId),
      }, this, job.setupTimeoutMs);
      conn.slot = r;
      this.conns.push(conn);
      room.members.push(conn);
      conn.socket.on('close', () => {
        if (this.running) this.closedDuringRun++;
      });
      try {
        await conn.helloed();
        await conn.join(query, rid);
      } catch (err) {
        this.noteError(err);
      }
    }));
  }

  /** Runs traffic for warm-up + duration and reports the measured window. */
  run(warmupMs: number, durationMs: number): Promise<WorkerResult> {
    return new Promise((resolve) => {
      this.running = true;
      this.start();
      setTimeout(() => {
        this.resetCounters();
        this.measureStart = performance.now();
      }, warmupMs);
      setTimeout(() => {
        const elapsedMs = performance.now() - this.measureStart;
        this.running = false;
        resolve(this.result(elapsedMs));
      }, warmupMs + durationMs);
    });
  }

  protected resetCounters(): void {
    this.sent = 0;
    this.delivered = 0;
    this.completed = 0;
    this.failures = 0;
    this.behind = 0;
    this.closedDuringRun = 0;
    this.histogram = new Histogram();
    this.serverFrames = Object.create(null);
  }

  result(elapsedMs: number): WorkerResult {
    return {
      sent: this.sent,
      delivered: this.delivered,
      completed: this.completed,
      failures: this.failures,
      elapsedMs,
      histogram: this.histogram.toArray(),
      serverFrames: this.serverFrames,
      behind: this.behind,
      closedDuringRun: this.closedDuringRun,
      errors: this.errors,
    };
  }

  shutdown(): void {
    this.running = false;
    for (const c of this.conns) c.destroy();
  }
}
