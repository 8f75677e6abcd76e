/**
 * Frames uWS refuses before the server's handler sees them: a frame over maxPayloadLength and a
 * text frame that is not UTF-8. Either ends the sender's connection (uWS drops it without a close
 * frame: the client sees 1006), is counted by reason, and affects nobody else.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { rid } from '../helpers/ids.js';
import { p2pPair } from '../helpers/rooms.js';
import { useTestServer } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';
import { LeanClient } from '../leak/lean-client.js';

const MAX_PAYLOAD = 4096;

describe('Frames uWS refuses', function () {
  this.timeout(30_000);
  const srv = useTestServer({ maxPayloadLength: MAX_PAYLOAD });

  async function pairStillRelays(): Promise<void> {
    const room = rid('frames');
    const [a, b] = await p2pPair(srv().url(), room);
    const sent = a.relay(room, 'session-text', { namespace: 'chat', description: { text: 'unaffected' } });
    expect((await b.expectMessage({ id: sent.id })).jsongle.description.text).to.equal('unaffected');
    await Promise.all([a.close(), b.close()]);
  }

  it('ends the connection on every generated frame over maxPayloadLength (client sees 1006), counts each, and leaks nothing', async () => {
    const sizes = fc.sample(fc.oneof(fc.integer({ min: MAX_PAYLOAD + 1, max: MAX_PAYLOAD + 64 }), fc.integer({ min: MAX_PAYLOAD + 65, max: 1_048_576 })), { seed: 7, numRuns: 40 });
    const before = srv().server.stats.serverCloses.tooLarge ?? 0;
    for (const [i, size] of sizes.entries()) {
      const c = await LeanClient.open(srv().wsPort);
      if (i % 2 === 0) await c.hello(`big-${i}`);
      // Binary or text, valid JSON or not: the size alone decides.
      const body = Buffer.alloc(size, 0x61);
      if (i % 3 === 0) c.ws.sendBinary(body);
      else c.ws.sendText(`{"jsongle":{"action":"session-text","description":{"x":"${'y'.repeat(size)}"}}}`);
      expect(await c.ws.closed(), `frame of ${size} bytes`).to.equal(1006);
    }
    await waitFor(() => srv().server.inspectState().connections === 0, 'every refused sender to be released');
    expect((srv().server.stats.serverCloses.tooLarge ?? 0) - before).to.equal(sizes.length);
    expect(srv().server.inspectState()).to.include({ helloPending: 0, rooms: 0, memberIndex: 0 });
    await pairStillRelays();
  });

  it('accepts a frame of exactly maxPayloadLength bytes', async () => {
    const c = await LeanClient.open(srv().wsPort);
    const head = '{"jsongle":{"action":"no-such","pad":"';
    const tail = '"}}';
    c.ws.sendText(head + 'p'.repeat(MAX_PAYLOAD - head.length - tail.length) + tail);
    const err = await c.expect((m) => m.jsongle.action === 'session-error');
    expect(err.jsongle.description.errorCode).to.equal(403002);
    await c.close();
  });

  it('ends the connection on a text frame that is not UTF-8 (client sees 1006) and counts it', async () => {
    const before = srv().server.stats.serverCloses.invalidUtf8 ?? 0;
    const c = await LeanClient.open(srv().wsPort);
    await c.hello('bad-bytes');
    c.ws.sendTextBytes(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    expect(await c.ws.closed()).to.equal(1006);
    await waitFor(() => (srv().server.stats.serverCloses.invalidUtf8 ?? 0) === before + 1, 'the close to be counted as invalidUtf8');
    await pairStillRelays();
  });
});
