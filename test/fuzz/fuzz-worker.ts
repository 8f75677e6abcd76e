/**
 * Runs one fuzz batch (several lanes at once) in a worker thread, so frame generation and answer
 * checking get their own core while the server under test keeps the main thread.
 * Input (workerData is unused): messages { batch: BatchJob }; output: one BatchResult per job.
 */
import { parentPort } from 'node:worker_threads';
import { runLane, type LaneJob, type LaneResult } from './lane.js';

export interface BatchJob {
  port: number;
  serverId: string;
  seed: number;
  batch: number;
  lanes: number;
  framesPerLane: number;
  fullRid: string;
  otherIds: string[];
  maxBytes: number;
}

export type BatchResult = { lanes: LaneResult[] } | { error: string };

export async function runBatch(job: BatchJob): Promise<BatchResult> {
  const jobs: LaneJob[] = Array.from({ length: job.lanes }, (_, lane) => ({
    port: job.port, serverId: job.serverId, frames: job.framesPerLane, lane, batch: job.batch,
    // One seed per (batch, lane): a failure names it, and FUZZ_SEED reproduces the whole run.
    seed: job.seed + job.batch * 1000 + lane,
    fullRid: job.fullRid, otherIds: job.otherIds, maxBytes: job.maxBytes,
    helloFirst: lane % 4 !== 3,
    abruptEnd: (job.batch + lane) % 2 === 1,
  }));
  try {
    return { lanes: await Promise.all(jobs.map(runLane)) };
  } catch (err) {
    return { error: String((err as Error)?.stack ?? err) };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (job: BatchJob) => {
    void runBatch(job).then((r) => port.postMessage(r));
  });
}
