/**
 * protocol.md § Errors, 429001: a message over the per-connection rate is dropped and answered
 * 429001; persistent abuse (more than a burst's worth of drops within 10 s) closes with 4429.
 * The rate is set tiny (1/s) so that bursts sent in a tight loop are bounded in count, not time.
 */
import { expect } from 'chai';
import type { Msg } from '../../helpers/client.js';
import { p2pPair } from '../../helpers/rooms.js';
import { useTestServer } from '../../helpers/suite.js';
import { rid } from '../../helpers/ids.js';

const BURST = 20;

describe('Rate limit: 429001 and close 4429', () => {
  const srv = useTestServer({ rateLimit: { messagesPerSecond: 1, burst: BURST } });

  it('drops messages over the burst with session-error 429001 and relays every other one', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    // Hello and join used some of A's tokens: 30 more overflow the bucket, but drop fewer than a burst.
    const N = 30;
    for (let i = 0; i < N; i++) a.relay(r, 'session-text', { namespace: 'message', description: { i } });
    let acks = 0;
    let limited = 0;
    for (let i = 0; i < N; i++) {
      const m = await a.expectMessage((x: Msg) => x.jsongle.event === 'ack' || x.jsongle.action === 'session-error');
      if (m.jsongle.action === 'session-error') {
        expect(m.jsongle.description.errorCode, JSON.stringify(m)).to.equal(429001);
        limited++;
      } else acks++;
    }
    expect(limited, 'messages answered 429001').to.be.greaterThan(0);
    expect(acks + limited).to.equal(N);
    // Exactly the acknowledged messages reached the peer, in order; the dropped ones never did.
    let last = -1;
    for (let i = 0; i < acks; i++) {
      const got = await b.expectMessage({ jsongle: { action: 'session-text' } });
      expect(got.jsongle.description.i).to.be.greaterThan(last);
      last = got.jsongle.description.i as number;
    }
    await b.expectNoMessage({ jsongle: { action: 'session-text' } });
    expect(a.isOpen).to.equal(true);
  });

  it('closes a connection with code 4429 when it keeps flooding, and other connections are unaffected', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const bystanders = rid('bystanders');
    const [x, y] = await p2pPair(srv().url(), bystanders, ['x', 'y']);
    const N = BURST * 3 + 10;
    for (let i = 0; i < N && a.isOpen; i++) a.relay(r, 'session-text', { namespace: 'message', description: { i } });
    const err = await a.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(429001);
    expect((await a.expectClose()).code).to.equal(4429);
    // The peer sees the flooder leave; the bystanders still talk.
    await b.expectMessage({ jsongle: { event: 'left' } });
    const sent = x.relay(bystanders, 'session-text', { namespace: 'message', description: { content: 'fine' } });
    await y.expectMessage({ id: sent.id });
  });
});
