/**
 * Property-based fuzzing of a live server over real sockets. FUZZ_RUNS generated frames (default
 * 100 000, fixed seed FUZZ_SEED) go out in batches; each batch runs LANES fuzzed connections at
 * once in a worker thread (see lane.ts: every frame's answer window is compared with the model
 * of protocol.md, every relay with the frame sent). After each batch, on the server's side:
 * the process still serves, the bystander pair in another room still relays, and no actor,
 * room, subscription or gauge is left from the batch's connections.
 */
import { expect } from 'chai';
import { Worker } from 'node:worker_threads';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { LeanClient } from '../leak/lean-client.js';
import type { BatchJob, BatchResult } from './fuzz-worker.js';
import type { LaneResult } from './lane.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_501);
const LANES = 8;
const BATCHES = Math.max(1, Math.min(50, Math.ceil(RUNS / 10_000)));
const FRAMES_PER_LANE = Math.ceil(RUNS / (BATCHES * LANES));
const MAX_PAYLOAD = 65_536;
const FULL_RID = 'bystanders';

function runBatch(worker: Worker, job: BatchJob): Promise<LaneResult[]> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    worker.once('error', onError);
    worker.once('message', (r: BatchResult) => {
      worker.off('error', onError);
      if ('error' in r) reject(new Error(r.error));
      else resolve(r.lanes);
    });
    worker.postMessage(job);
  });
}

async function bystandersStillRelay(a: LeanClient, b: LeanClient, n: number): Promise<void> {
  for (const [from, to] of [[a, b], [b, a]] as const) {
    from.send({ id: `by-${n}`, to: FULL_RID, jsongle: { action: 'session-text', namespace: 'chat', description: { text: `batch ${n}` } } });
    const got = await to.expect((m) => m.jsongle.action === 'session-text' && m.id === `by-${n}`);
    expect(got.from).to.equal(FULL_RID);
    await from.expect((m) => m.jsongle.action === 'session-event' && m.jsongle.event === 'ack');
  }
  for (const c of [a, b]) {
    expect(c.queue, 'bystander saw nothing of the fuzzing').to.deep.equal([]);
    expect(c.violations).to.deep.equal([]);
  }
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

describe('Fuzz: generated frames against a live server', function () {
  this.timeout(300_000);
  let srv: TestServer;
  let worker: Worker;
  let b1: LeanClient;
  let b2: LeanClient;

  before(async () => {
    srv = await startTestServer({
      // The fuzz must reach the protocol code, not the rate limiter (tested on its own).
      rateLimit: { messagesPerSecond: 1_000_000, burst: 1_000_000 },
      helloTimeoutMs: 600_000,
      // The lanes' calls are never answered: the ring timeout would end them in the middle of a run.
      calls: { ringTimeoutSec: 0 },
      maxPayloadLength: MAX_PAYLOAD,
    });
    b1 = await LeanClient.open(srv.wsPort);
    b2 = await LeanClient.open(srv.wsPort);
    await b1.hello('bystander-1');
    await b2.hello('bystander-2');
    await b1.request('session-join', { rid: FULL_RID }, 'b1');
    await b2.request('session-join', { rid: FULL_RID }, 'b2');
    await b1.expect((m) => m.jsongle.event === 'joined');
    worker = new Worker(new URL('./fuzz-worker.js', import.meta.url));
  });

  after(async () => {
    await worker?.terminate();
    await Promise.all([b1?.close(), b2?.close()]);
    await srv?.stop();
  });

  it(`answers each of ${RUNS} generated frames as protocol.md documents, and nothing leaks or spills over`, async () => {
    const { server } = srv;
    const started = Date.now();
    const totals = { frames: 0, answers: 0, relays: 0, kinds: {} as Record<string, number>, outcomes: {} as Record<string, number> };
    for (let batch = 0; batch < BATCHES; batch++) {
      const lanes = await runBatch(worker, {
        port: srv.wsPort, serverId: srv.serverId, seed: SEED, batch, lanes: LANES, framesPerLane: FRAMES_PER_LANE,
        fullRid: FULL_RID, otherIds: [b1.connectionId, b2.connectionId], maxBytes: MAX_PAYLOAD,
      });
      const failures = lanes.flatMap((l) => l.failures);
      expect(failures, `batch ${batch}: frames answered against the spec`).to.deep.equal([]);
      for (const l of lanes) {
        totals.frames += l.frames;
        totals.answers += l.answers;
        totals.relays += l.relays;
        add(totals.kinds, l.kinds);
        add(totals.outcomes, l.outcomes);
      }

      // Only the bystanders remain: no actor, room, member entry or call of the batch lingers.
      await waitFor(() => {
        const s = server.inspectState();
        return s.connections === 2 && s.helloPending === 0 && s.rooms === 1 && s.memberIndex === 2 && s.calls === 0;
      }, `batch ${batch}: only the bystanders left (now ${JSON.stringify(server.inspectState())})`, 10_000);
      expect(server.inspectState().lifecycle).to.equal('accepting');
      expect(server.stats.callsInProgress, 'p2p calls in progress').to.equal(0);
      let subscribers = 0;
      for (const l of lanes) {
        for (const rid of l.rids) subscribers += server.numSubscribers(`room/${rid}`) + server.numSubscribers(`muc/${rid}`);
      }
      expect(subscribers, `batch ${batch}: subscribers left on the lanes' topics`).to.equal(0);
      expect(server.numSubscribers(`room/${FULL_RID}`)).to.equal(2);
      for (const [k, v] of Object.entries(server.stats)) {
        if (typeof v === 'number') expect(Number.isFinite(v), `stats.${k} is a finite number`).to.equal(true);
      }
      await bystandersStillRelay(b1, b2, batch);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`      fuzz: ${totals.frames} frames (seed ${SEED}, ${BATCHES} batches × ${LANES} lanes) in ${seconds.toFixed(1)} s; ` +
      `${totals.answers} answers, ${totals.relays} relays checked\n      kinds ${JSON.stringify(totals.kinds)}\n      outcomes ${JSON.stringify(totals.outcomes)}`);
    expect(totals.frames).to.be.at.least(RUNS);
  });
});
