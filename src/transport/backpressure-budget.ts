/**
 * A process-wide bound on what slow readers cost. maxBackpressureBytes bounds one socket, but a
 * few hundred sockets that stop reading together still pin their uWS buffers plus their kernel
 * send queues (180 non-reading members pinned 738 MiB). Once a second this sweep:
 * - sums ws.getBufferedAmount() over the open sockets and, while the sum is over
 *   maxBackpressureTotalBytes, closes the largest slow readers first (reason backpressureBudget);
 * - closes a socket that had unsent data buffered at every sample for slowReaderTimeoutSec
 *   (reason slowReader). The kernel queue is invisible from here, but a reader that lets it fill
 *   ends up with data in uWS's buffer too, and that is what the deadline sees.
 * Closes are forceful (ws.close(): no close frame, the reader is not reading anyway); the close
 * handler then runs as for any drop, and the rooms see `left`. Cost: one native call per open
 * socket per second, and nothing on the message path.
 */
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';
import type { Socket } from './socket-data.js';

export interface BackpressureBudget {
  /** 0 disables the total budget. */
  maxTotalBytes: number;
  /** 0 disables the slow-reader deadline. */
  slowReaderTimeoutMs: number;
  intervalMs?: number;
}

export const SWEEP_INTERVAL_MS = 1000;

/** What the sweep needs of the socket owner: the open sockets, and an abrupt close. */
export interface SweptSockets {
  sockets(): Iterable<Socket>;
  drop(connId: string, reason: string): void;
}

export function startBackpressureSweep(
  owner: SweptSockets, budget: BackpressureBudget, stats: Stats, logger: Logger,
): () => void {
  if (budget.maxTotalBytes <= 0 && budget.slowReaderTimeoutMs <= 0) return () => {};
  // Connection id → first sample at which it had data buffered (dropped once it drains).
  let since = new Map<string, number>();

  const sweep = (): void => {
    const now = Date.now();
    const next = new Map<string, number>();
    const backed: { ws: Socket; bytes: number }[] = [];
    let total = 0;
    for (const ws of owner.sockets()) {
      const d = ws.getUserData();
      if (d.closed) continue;
      const bytes = ws.getBufferedAmount();
      if (bytes === 0) continue;
      const first = since.get(d.id) ?? now;
      if (budget.slowReaderTimeoutMs > 0 && now - first >= budget.slowReaderTimeoutMs) {
        drop(ws, 'slowReader', bytes);
        continue;
      }
      next.set(d.id, first);
      backed.push({ ws, bytes });
      total += bytes;
    }
    since = next;
    if (budget.maxTotalBytes > 0 && total > budget.maxTotalBytes) {
      backed.sort((a, b) => b.bytes - a.bytes);
      for (const { ws, bytes } of backed) {
        if (total <= budget.maxTotalBytes) break;
        drop(ws, 'backpressureBudget', bytes);
        total -= bytes;
      }
    }
    stats.backpressureTotalBytes = total;
  };

  const drop = (ws: Socket, reason: 'slowReader' | 'backpressureBudget', bytes: number): void => {
    const d = ws.getUserData();
    if (d.closed) return;
    logger.info('closing a slow reader', { connectionId: d.id, ip: d.ip, reason, bufferedBytes: bytes });
    owner.drop(d.id, reason);
  };

  const timer = setInterval(sweep, budget.intervalMs ?? SWEEP_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
