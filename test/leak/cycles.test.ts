/**
 * No ghosts, no leaks: LEAK_CYCLES connections (default 100 000, in pairs) go through
 * connect → hello → join → relay → leave/disconnect, mixing P2P and MUC rooms, polite and
 * abrupt closes and calls in progress. Afterwards the supervisor's Map, the room registry, every
 * topic used, the business gauges (GET /stats) and the heap after GC are back where they started.
 *
 * Bounded in count (LEAK_CYCLES) and in time (LEAK_MAX_SECONDS, default 150: no new pair starts
 * after it, and the figures say how many ran). LEAK_CONCURRENCY pairs run at once (default 100),
 * from a worker thread (pairs-worker.ts) so the clients neither share the server's event loop
 * nor add to its heap figures.
 */
import { expect } from 'chai';
import { Worker } from 'node:worker_threads';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import type { CycleTopics } from './cycles.js';
import type { PairsJob, PairsResult } from './pairs-worker.js';
import { settledHeapUsed } from './gc.js';

const CYCLES = Number(process.env.LEAK_CYCLES ?? 100_000);
const MAX_SECONDS = Number(process.env.LEAK_MAX_SECONDS ?? 150);
const CONCURRENCY = Number(process.env.LEAK_CONCURRENCY ?? 100);
/** Pairs run before the baseline heap is taken: JIT code, uWS pools and caches settle first. */
const WARMUP_PAIRS = 2_000;
/** What the heap may grow by over the whole run. A leak of 32 bytes per cycle over 100 000 cycles
 * would already be 3.2 MB. */
const HEAP_MARGIN_BYTES = 3 * 1024 * 1024;

interface StatsBody {
  users_count: number;
  conferences_count: number;
  p2p_count: number;
  users_total: number;
}

async function getStats(srv: TestServer): Promise<StatsBody> {
  const res = await fetch(`${srv.restUrl}/stats`);
  expect(res.status).to.equal(200);
  return (await res.json()) as StatsBody;
}

/** Runs pairs in a worker thread (the client gets its own core) and returns what it did. */
function runPairs(srv: TestServer, first: number, count: number, deadline: number): Promise<{ done: number; topics: CycleTopics }> {
  const job: PairsJob = { port: srv.wsPort, first, count, concurrency: CONCURRENCY, deadline };
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./pairs-worker.js', import.meta.url), { workerData: job });
    worker.once('message', (result: PairsResult) => {
      if ('error' in result) reject(new Error(result.error));
      else resolve(result);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (code !== 0) reject(new Error(`pairs worker exited with ${code}`)); });
  });
}

async function expectNothingLeft(srv: TestServer, topics: CycleTopics): Promise<void> {
  const { server } = srv;
  await waitFor(() => {
    const s = server.inspectState();
    return s.connections === 0 && s.helloPending === 0 && s.rooms === 0 && s.memberIndex === 0 && s.calls === 0;
  }, `every connection, actor, room and call to be gone (now ${JSON.stringify(server.inspectState())})`, 10_000);
  expect(server.inspectState()).to.include({ connections: 0, helloPending: 0, rooms: 0, memberIndex: 0, calls: 0 });
  expect(server.stats.callsInProgress, 'p2p calls in progress').to.equal(0);
  const stats = await getStats(srv);
  expect(stats.users_count, 'users_count').to.equal(0);
  expect(stats.conferences_count, 'conferences_count').to.equal(0);
  expect(stats.p2p_count, 'p2p_count').to.equal(0);
  let subscribed = 0;
  for (const t of topics.roomTopics) subscribed += server.numSubscribers(t);
  expect(subscribed, 'subscribers left on the topics used').to.equal(0);
}

describe('Leak: connect → hello → join → relay → leave/disconnect cycles', function () {
  this.timeout((MAX_SECONDS + 120) * 1000);
  let srv: TestServer;

  before(async () => {
    srv = await startTestServer({ maxConcurrentUsers: 10_000 });
  });
  after(async () => {
    await srv?.stop();
  });

  it(`leaves no actor, room, subscription, gauge or heap growth behind after ${CYCLES} cycles`, async () => {
    const pairs = Math.ceil(CYCLES / 2);
    const warmup = Math.min(WARMUP_PAIRS, Math.floor(pairs / 10));
    const deadline = Date.now() + MAX_SECONDS * 1000;
    const warm = await runPairs(srv, 0, warmup, deadline);
    await expectNothingLeft(srv, warm.topics);
    const heapBefore = await settledHeapUsed();
    const openedBefore = (await getStats(srv)).users_total;

    const started = Date.now();
    let run: { done: number; topics: CycleTopics } | null = await runPairs(srv, warmup, pairs - warmup, deadline);
    const { done } = run;
    const seconds = (Date.now() - started) / 1000;
    await expectNothingLeft(srv, run.topics);
    const opened = (await getStats(srv)).users_total - openedBefore;
    expect(opened, 'users_total counts every connection opened').to.equal(done * 2);
    run = null;

    const heapAfter = await settledHeapUsed();
    const cycles = (warm.done + done) * 2;
    // The figures the hardening report quotes.
    console.log(`      leak: ${cycles} cycles (${done * 2} measured in ${seconds.toFixed(1)} s, ${CONCURRENCY} pairs at once); ` +
      `heap after GC ${(heapBefore / 1048576).toFixed(2)} MiB → ${(heapAfter / 1048576).toFixed(2)} MiB ` +
      `(${((heapAfter - heapBefore) / 1024).toFixed(0)} KiB)`);
    expect(heapAfter - heapBefore, 'heap growth in bytes').to.be.below(HEAP_MARGIN_BYTES);
  });
});
