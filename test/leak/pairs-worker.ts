/**
 * Runs leak-test pairs in a worker thread, so the client side has its own core and event loop
 * while the server under test keeps the main thread (and its heap figures) to itself.
 * Input (workerData): port, first, count, concurrency, deadline (epoch ms).
 * Output: one message { done, topics } or { error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runPair, VARIANTS, type CycleTopics } from './cycles.js';

export interface PairsJob {
  port: number;
  first: number;
  count: number;
  concurrency: number;
  deadline: number;
}

export type PairsResult = { done: number; topics: CycleTopics } | { error: string };

async function run(job: PairsJob): Promise<PairsResult> {
  const topics: CycleTopics = { connIds: [], roomTopics: [] };
  let next = job.first;
  const end = job.first + job.count;
  let done = 0;
  const worker = async () => {
    while (next < end && Date.now() < job.deadline) {
      const n = next++;
      try {
        await runPair(job.port, n, topics);
      } catch (err) {
        throw new Error(`pair ${n} (variant ${n % VARIANTS}) failed: ${(err as Error).message}`);
      }
      done++;
    }
  };
  try {
    await Promise.all(Array.from({ length: job.concurrency }, worker));
  } catch (err) {
    return { error: (err as Error).message };
  }
  return { done, topics };
}

if (parentPort) {
  const port = parentPort;
  void run(workerData as PairsJob).then((result) => port.postMessage(result));
}
