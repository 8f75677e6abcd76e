/**
 * `--workers N`: N server processes on one host (node:cluster), sharing wsPort through
 * SO_REUSEPORT (uWS listens non-exclusively when cluster.workers > 1) and coordinated through
 * Redis. One process holds at most ~19 980 sockets here (fd limit 20 000): 100k connections need
 * at least six workers.
 *
 * The primary serves nothing. It forwards SIGTERM/SIGINT to every worker (each drains as a
 * single server does) and exits when they have all exited: 0 when every worker exited 0. A worker
 * that dies while the primary is not stopping is started again (a fresh node id; its old one is
 * cleaned up by the others when its heartbeat expires), at most once per second per slot.
 */
import cluster, { type Worker } from 'node:cluster';
import { join } from 'node:path';
import type { ConfigOverrides, Config } from '../config/types.js';

export const WORKER_INDEX_ENV = 'JSONGLE_WORKER_INDEX';

/** The settings that must differ per worker: node id, monitoring port and log folder. */
export function workerOverrides(config: Config, index: number): ConfigOverrides {
  return {
    // Each worker has its own metrics: give each its own monitoring port (base + index), or 0.
    restPort: config.restPort === 0 ? 0 : config.restPort + index,
    // Rotated files must not be shared by several writers.
    logPath: config.logPath ? join(config.logPath, `worker-${index}`) : '',
    cluster: { nodeId: config.cluster.nodeId ? `${config.cluster.nodeId}-${index}` : '' },
  };
}

export function workerIndex(): number | null {
  if (!cluster.isWorker) return null;
  const n = Number(process.env[WORKER_INDEX_ENV]);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

const RESPAWN_MIN_MS = 1000;
const SECOND_SIGNAL_MIN_MS = 1000;

function log(level: 'info' | 'warn' | 'error', message: string, meta: Record<string, unknown> = {}): void {
  // The primary has no server (and no winston transports of its own): one JSON line, like the workers'.
  process.stdout.write(JSON.stringify({ level, message, role: 'primary', pid: process.pid, ...meta, timestamp: new Date().toJSON() }) + '\n');
}

export function runPrimary(workers: number): void {
  const slots = new Map<Worker, number>();
  const lastStart: number[] = [];
  const codes: number[] = [];
  let stopping = false;
  let firstSignalAt = 0;

  const fork = (index: number) => {
    lastStart[index] = Date.now();
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
    slots.set(worker, index);
  };

  cluster.on('exit', (worker, code, signal) => {
    const index = slots.get(worker) ?? -1;
    slots.delete(worker);
    codes.push(code ?? 1);
    if (stopping) {
      if (slots.size === 0) {
        log('info', 'every worker exited', { codes });
        process.exit(codes.every((c) => c === 0) ? 0 : 1);
      }
      return;
    }
    log('error', 'worker died: starting another', { worker: index, code, signal });
    const wait = Math.max(0, lastStart[index] + RESPAWN_MIN_MS - Date.now());
    setTimeout(() => { if (!stopping) fork(index); }, wait);
  });

  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (firstSignalAt !== 0 && now - firstSignalAt < SECOND_SIGNAL_MIN_MS) return;
    if (firstSignalAt === 0) firstSignalAt = now;
    stopping = true;
    codes.length = 0;
    log('info', 'signal received: stopping the workers', { signal, workers: slots.size });
    if (slots.size === 0) process.exit(0);
    for (const worker of slots.keys()) worker.process.kill(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  log('info', 'starting workers', { workers });
  for (let i = 0; i < workers; i++) fork(i);
}
