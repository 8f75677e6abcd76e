/**
 * Backpressure (protocol.md § Transport; docs/security.md): a client that stops reading must not
 * make the server buffer without bound. uWS holds at most maxBackpressureBytes for it and then
 * closes it (closeOnBackpressureLimit), its rooms see `left`, and nobody else notices. The server
 * runs in its own process so that its resident memory can be measured apart from the clients'.
 */
import { expect } from 'chai';
import { waitFor } from '../helpers/wait.js';
import { LeanClient } from '../leak/lean-client.js';
import { startChildServer, type ChildServer } from './child-server.js';

const MAX_BACKPRESSURE = 256 * 1024;
const CONTENT = 'x'.repeat(16 * 1024);
/** 4 000 × 16 KiB = 64 MiB for the slow reader: far beyond its kernel buffers and the limit. */
const FLOOD_MESSAGES = 4_000;
const CHUNK = 200;
const MiB = 1024 * 1024;

/** Drops the sender's receipts (one per message) and keeps anything else, e.g. `left` events. */
function removeAcks(c: LeanClient): void {
  for (let i = c.queue.length - 1; i >= 0; i--) if (c.queue[i].jsongle.event === 'ack') c.queue.splice(i, 1);
}

describe('Backpressure: a reader that stops reading', function () {
  this.timeout(60_000);
  let srv: ChildServer;
  const open: LeanClient[] = [];
  const client = async () => {
    const c = await LeanClient.open(srv.wsPort);
    open.push(c);
    return c;
  };

  before(async () => {
    // Small V8 heap limits keep the garbage of 64 MiB of parsed strings to a few MiB of RSS, so
    // RSS shows what the sockets hold (native memory, outside the V8 heap). Measured here: the
    // flood grows RSS by ~13 MiB with the limit and by ~68 MiB with maxBackpressureBytes = 1 GB.
    srv = await startChildServer({
      maxBackpressureBytes: String(MAX_BACKPRESSURE),
      // The flood must reach the relay, not the per-connection rate limit.
      rateLimit_messagesPerSecond: '1000000', rateLimit_burst: '1000000',
    }, { execArgv: ['--max-semi-space-size=1', '--max-old-space-size=64'] });
  });
  after(async () => {
    for (const c of open) if (c.closed === null) c.destroy();
    expect(await srv?.stop()).to.equal(0);
  });

  it('is closed once maxBackpressureBytes are buffered for it while its room is flooded; server memory stays bounded and the others see `left`', async () => {
    const sender = await client();
    const healthy = await client();
    const slow = await client();
    await sender.hello('sender');
    await healthy.hello('healthy');
    await slow.hello('slow');
    for (const [c, t] of [[sender, 's'], [healthy, 'h'], [slow, 'r']] as const) await c.request('muc-join', { rid: 'flood' }, t);
    slow.pause();
    const rssBefore = srv.rssBytes();
    let rssPeak = rssBefore;

    let relayed = 0;
    for (let i = 0; i < FLOOD_MESSAGES; i += CHUNK) {
      for (let k = i; k < i + CHUNK; k++) {
        sender.send({ id: `f${k}`, to: 'flood', jsongle: { action: 'session-text', namespace: 'chat', description: { content: CONTENT } } });
      }
      // The sender's receipts pace the flood: the server has relayed the whole chunk.
      await sender.expect((m) => m.jsongle.event === 'ack' && m.jsongle.description?.mid === `f${i + CHUNK - 1}`, 20_000);
      removeAcks(sender);
      for (let k = i; k < i + CHUNK; k++) {
        await healthy.expect((m) => m.jsongle.action === 'session-text' && m.id === `f${k}`, 20_000);
        relayed++;
      }
      rssPeak = Math.max(rssPeak, srv.rssBytes());
    }

    // The slow reader is gone from the server's point of view: the others were told.
    for (const c of [sender, healthy]) {
      await c.expect((m) => m.jsongle.event === 'left' && m.jsongle.description?.member?.uid === 'slow', 10_000);
    }
    const stats = await srv.stats();
    expect(stats.users_count).to.equal(2);
    expect(relayed, 'every message reached the reader that keeps up').to.equal(FLOOD_MESSAGES);
    expect(healthy.queue.filter((m) => m.jsongle.action === 'session-text')).to.deep.equal([]);
    const growth = rssPeak - rssBefore;
    console.log(`      backpressure: ${(FLOOD_MESSAGES * CONTENT.length / MiB).toFixed(0)} MiB flooded at the slow reader; ` +
      `server RSS ${(rssBefore / MiB).toFixed(1)} → peak ${(rssPeak / MiB).toFixed(1)} MiB`);
    // Buffering the slow reader's backlog would take ~64 MiB; the limit keeps it to 256 KiB.
    expect(growth, 'server RSS growth during the flood (bytes)').to.be.below(24 * MiB);
  });

  it('is closed when answers to its own requests pile up, and the drop and the close are counted', async () => {
    const before = await srv.metrics();
    const reader = await client();
    await reader.hello('asks-but-never-reads');
    reader.pause();
    // Each request makes the server answer with an iq-error echoing a 16 KiB transaction.
    for (let k = 0; k < FLOOD_MESSAGES; k++) {
      reader.send({ to: 'jsongle-server', jsongle: { action: 'iq-set', query: 'no-such-query', transaction: `${k}-${CONTENT}` } });
    }
    await waitFor(() => reader.ws.socket.writableLength === 0, 'the requests to be written out', 20_000);
    let after = await srv.metrics();
    const closes = (m: Map<string, number>) => m.get('jsongle_server_closes_total{reason="backpressure"}') ?? 0;
    await waitFor(async () => closes(after = await srv.metrics()) !== closes(before), 'the slow reader to be closed for backpressure', 15_000);
    expect(closes(after) - closes(before), 'backpressure closes counted').to.equal(1);
    expect((after.get('jsongle_backpressure_drops_total') ?? 0) - (before.get('jsongle_backpressure_drops_total') ?? 0)).to.be.at.least(1);
    const stats = await srv.stats();
    expect(stats.users_count).to.equal(2); // the two clients of the previous test
  });
});
