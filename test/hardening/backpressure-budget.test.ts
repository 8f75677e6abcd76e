/**
 * The process-wide backpressure budget and the slow-reader deadline
 * (src/transport/backpressure-budget.ts): readers that stop reading while answers pile up are
 * closed, the largest first, although each stays under its own maxBackpressureBytes; readers
 * that keep up are not touched. Raw clients that never read, loopback, bounded floods.
 */
import { expect } from 'chai';
import { startBackpressureSweep } from '../../src/transport/backpressure-budget.js';
import type { Socket } from '../../src/transport/socket-data.js';
import { Stats } from '../../src/observability/stats.js';
import { RecordingLogger } from '../helpers/logger.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { LeanClient } from '../leak/lean-client.js';

const CONTENT = 'x'.repeat(16 * 1024);
const MiB = 1024 * 1024;
/** No per-connection rate limit and a per-socket limit nobody reaches: only the sweep closes. */
const LIMITS = { rateLimit: { messagesPerSecond: 1_000_000, burst: 1_000_000 }, maxBackpressureBytes: 256 * MiB };

/** Makes the server answer `count` requests with ~16 KiB iq-errors that the client never reads. */
async function pileUp(c: LeanClient, count: number): Promise<void> {
  for (let k = 0; k < count; k++) {
    c.ws.sendText(JSON.stringify({ to: 'jsongle-server', jsongle: { action: 'iq-set', query: 'no-such-query', transaction: `${k}-${CONTENT}` } }));
  }
  await waitFor(() => c.ws.socket.writableLength === 0, 'the requests to be written out', 20_000);
}

describe('Backpressure sweep: which readers go', () => {
  /** Socket-shaped records: the sweep only reads user data and buffered amounts, and closes. */
  const sockets = (sizes: number[]) => sizes.map((bytes, i) => {
    const data = { id: `s${i}`, ip: '192.0.2.1', closed: false };
    const ws = { getUserData: () => data, getBufferedAmount: () => bytes, close: () => { data.closed = true; } };
    return { ws: ws as unknown as Socket, data };
  });

  it('closes the largest readers first, only until the sum is back under the budget', async () => {
    const all = sockets([1 * MiB, 3 * MiB, 0, 2 * MiB]);
    const stats = new Stats();
    const owner = {
      sockets: () => all.map((s) => s.ws),
      drop: (id: string, reason: string) => {
        stats.countServerClose(reason);
        all.find((s) => s.data.id === id)!.ws.close();
      },
    };
    const stop = startBackpressureSweep(owner, { maxTotalBytes: 3.5 * MiB, slowReaderTimeoutMs: 0, intervalMs: 5 }, stats, new RecordingLogger());
    try {
      await waitFor(() => stats.serverCloses.backpressureBudget === 1, 'one budget close');
      await waitFor(() => stats.backpressureTotalBytes === 3 * MiB, 'the sweep after the close');
      expect(all.map((s) => s.data.closed)).to.deep.equal([false, true, false, false]);
    } finally {
      stop();
    }
  });
});

describe('Backpressure budget (maxBackpressureTotalBytes)', function () {
  this.timeout(40_000);
  let srv: TestServer;
  const open: LeanClient[] = [];
  before(async () => {
    srv = await startTestServer({ ...LIMITS, maxBackpressureTotalBytes: 2 * MiB, slowReaderTimeoutSec: 0 });
  });
  after(async () => {
    for (const c of open) if (c.closed === null) c.destroy();
    await srv?.stop();
  });

  it('closes the largest slow reader once the sum of buffers passes the budget; a reader that keeps up stays', async () => {
    const big = await LeanClient.open(srv.wsPort);
    const healthy = await LeanClient.open(srv.wsPort);
    open.push(big, healthy);
    await big.hello('big');
    await healthy.hello('healthy');
    big.pause();
    // ~16 MiB of answers: beyond the loopback kernel queues, so uWS buffers several MiB. (A paused
    // client does not see its own close, so the server's side is watched.)
    await pileUp(big, 1000);
    await waitFor(() => (srv.server.stats.serverCloses.backpressureBudget ?? 0) === 1, 'the budget close', 10_000);
    expect(srv.server.stats.serverCloses.backpressure ?? 0, 'not the per-socket limit').to.equal(0);
    const r = await healthy.request('session-join', { rid: 'after-the-flood' }, 't');
    expect(r.jsongle.action).to.equal('iq-result');
    await waitFor(() => srv.server.inspectState().connections === 1, 'the slow reader to be released');
    await waitFor(() => srv.server.stats.backpressureTotalBytes === 0, 'the gauge to come back to 0', 5000);
  });
});

describe('Slow-reader deadline (slowReaderTimeoutSec)', function () {
  this.timeout(40_000);
  let srv: TestServer;
  const open: LeanClient[] = [];
  before(async () => {
    srv = await startTestServer({ ...LIMITS, maxBackpressureTotalBytes: 0, slowReaderTimeoutSec: 1 });
  });
  after(async () => {
    for (const c of open) if (c.closed === null) c.destroy();
    await srv?.stop();
  });

  it('closes a reader whose answers stay buffered for the deadline, and counts it', async () => {
    const slow = await LeanClient.open(srv.wsPort);
    const healthy = await LeanClient.open(srv.wsPort);
    open.push(slow, healthy);
    await slow.hello('slow');
    await healthy.hello('healthy');
    slow.pause();
    await pileUp(slow, 1000);
    // Generous bound: deadline 1 s, sampled every second. (A paused client does not see its own
    // close, so the server's side is watched.)
    await waitFor(() => (srv.server.stats.serverCloses.slowReader ?? 0) === 1, 'the slow-reader close', 10_000);
    await waitFor(() => srv.server.inspectState().connections === 1, 'the slow reader to be released');
    expect(healthy.closed).to.equal(null);
    expect((await healthy.request('session-join', { rid: 'still-fine' }, 't')).jsongle.action).to.equal('iq-result');
  });
});
