/**
 * The per-connection rate limit (src/transport/rate-limit.ts): a token bucket of
 * rateLimit.burst tokens refilled at rateLimit.messagesPerSecond. Excess messages are dropped
 * with session-error 429001; more than a burst's worth of drops within 10 s closes with 4429.
 * Small limits here so each test sends a handful of frames.
 */
import { expect } from 'chai';
import { TestClient, helloClient } from '../helpers/client.js';
import { rid } from '../helpers/ids.js';
import { p2pPair } from '../helpers/rooms.js';
import { useTestServer } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';

const BURST = 5;

/** An iq-set with an unknown query: always answered (403002 before hello, 404001 after). */
function probe(c: TestClient, n: number): void {
  c.send(c.envelope({ action: 'iq-set', query: 'probe', transaction: `t${n}` }));
}

describe('Rate limit per connection', () => {
  const srv = useTestServer({ rateLimit: { messagesPerSecond: 2, burst: BURST } });

  it('answers a burst within the limit and drops the next message with session-error 429001', async () => {
    const c = await TestClient.connect(srv().url());
    await c.waitHelloRequest();
    const before = srv().server.stats.rateLimited;
    for (let n = 0; n < BURST + 1; n++) probe(c, n);
    for (let n = 0; n < BURST; n++) {
      const r = await c.expectMessage({ jsongle: { transaction: `t${n}` } });
      expect(r.jsongle.description.errorCode).to.equal(403002);
    }
    const limited = await c.next();
    expect(limited.jsongle.action).to.equal('session-error');
    expect(limited.jsongle.description.errorCode).to.equal(429001);
    // The dropped request was not processed: no answer carries its transaction.
    await c.expectNoMessage({ jsongle: { transaction: `t${BURST}` } });
    expect(srv().server.stats.rateLimited - before).to.equal(1);
    expect(c.isOpen).to.equal(true);
  });

  it('accepts messages again once the bucket has refilled', async () => {
    const c = await TestClient.connect(srv().url());
    await c.waitHelloRequest();
    for (let n = 0; n < BURST + 1; n++) probe(c, n);
    await c.expectMessage({ jsongle: { action: 'session-error', description: { errorCode: 429001 } } });
    // 2 tokens per second: within a second or so one request goes through again. Probes are
    // paced (each drop counts towards the 4429 close), which is the behaviour under test.
    const deadline = Date.now() + 3000;
    let answered = false;
    for (let n = 100; !answered && Date.now() < deadline; n++) {
      await new Promise((r) => setTimeout(r, 300));
      probe(c, n);
      const r = await c.expectMessage((m) => m.jsongle.transaction === `t${n}` || m.jsongle.description?.errorCode === 429001);
      answered = r.jsongle.transaction === `t${n}`;
      if (!answered) expect(r.jsongle.description.errorCode).to.equal(429001);
    }
    expect(answered, 'a request answered after the refill').to.equal(true);
  });

  it('closes a connection that keeps sending past the limit with code 4429, counts it, and leaves no trace', async () => {
    const room = rid('rl');
    const [a, b] = await p2pPair(srv().url(), room);
    const abuser = await helloClient(srv().url(), 'abuser');
    const closesBefore = srv().server.stats.serverCloses.rateLimit ?? 0;
    // Each send after the burst is a drop; the BURST+1-th drop within 10 s closes the connection.
    for (let n = 0; n < 3 * BURST; n++) probe(abuser, n);
    const { code } = await abuser.expectClose();
    expect(code).to.equal(4429);
    expect((srv().server.stats.serverCloses.rateLimit ?? 0) - closesBefore).to.equal(1);
    // The pair in its room never noticed, and nothing of the abuser lingers.
    const sent = a.relay(room, 'session-text', { namespace: 'chat', description: { text: 'still here' } });
    expect((await b.expectMessage({ id: sent.id })).jsongle.description.text).to.equal('still here');
    await waitFor(() => srv().server.inspectState().connections === 2, 'the abuser to be gone from the server');
    expect(srv().server.inspectState()).to.include({ connections: 2, rooms: 1, memberIndex: 2 });
  });
});
