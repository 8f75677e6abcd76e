/**
 * protocol.md § Envelope: every message the server makes has a fresh UUID id, from = server id
 * and to = the recipient's connection id; the sender is always the connection a frame came on.
 */
import { expect } from 'chai';
import { TestClient, type Msg } from '../../helpers/client.js';
import { useTestServer } from '../../helpers/suite.js';
import { UUID_RE, isIsoDate, rid } from '../../helpers/ids.js';

const SERVER_ID = 'envelope-server';

describe('Envelope: server-made messages', () => {
  const srv = useTestServer({ id: SERVER_ID });

  it('stamps every server-made message with a fresh UUID, from = server id and to = the recipient connection id', async () => {
    const made: Array<[TestClient, Msg]> = [];
    const keep = (c: TestClient) => (m: Msg) => { made.push([c, m]); return m; };
    const a = await TestClient.connect(srv().url());
    const b = await TestClient.connect(srv().url());
    keep(a)(await a.waitHelloRequest());
    keep(b)(await b.waitHelloRequest());
    keep(a)(await a.hello('alice'));
    keep(b)(await b.hello('bob'));
    const r = rid();
    keep(a)(await a.join(r));
    keep(b)(await b.join(r));
    keep(a)(await a.expectMessage({ jsongle: { event: 'joined' } }));
    a.relay(r, 'session-propose', { sid: 's', initiator: 'alice', responder: 'bob', description: {} });
    keep(a)(await a.expectMessage({ jsongle: { reason: 'trying' } }));
    a.relay(r, 'session-text', { namespace: 'message', description: {} });
    keep(a)(await a.expectMessage({ jsongle: { event: 'ack' } }));
    a.sendRaw('not json');
    keep(a)(await a.expectMessage({ jsongle: { action: 'session-error' } }));
    keep(a)(await a.request('nope', {}));
    keep(b)(await b.leave(r));
    keep(a)(await a.expectMessage({ jsongle: { event: 'left' } }));
    a.relay(r, 'session-terminate', { sid: 's', description: {} });
    keep(a)(await a.expectMessage({ jsongle: { reason: 'unreachable' } }));

    const ids = new Set<string>();
    for (const [client, m] of made) {
      expect(m.id, JSON.stringify(m)).to.match(UUID_RE);
      expect(ids.has(m.id), `id reused: ${m.id}`).to.equal(false);
      ids.add(m.id);
      expect(m.from, JSON.stringify(m)).to.equal(SERVER_ID);
      expect(m.to, JSON.stringify(m)).to.equal(client.connectionId);
    }
    expect(made).to.have.length(14);
  });

  it('writes every server-made date as an ISO-8601 string', async () => {
    const a = await TestClient.connect(srv().url());
    const req = await a.waitHelloRequest();
    expect(isIsoDate(req.jsongle.description.connected)).to.equal(true);
    await a.hello('alice');
    const r = rid('muc');
    await a.join(r, 'muc');
    a.relay(r, 'session-propose', { sid: 's', description: {} });
    expect(isIsoDate((await a.expectMessage({ jsongle: { reason: 'trying' } })).jsongle.description.tried)).to.equal(true);
    a.relay(r, 'session-text', { namespace: 'message', description: {} });
    expect(isIsoDate((await a.expectMessage({ jsongle: { event: 'ack' } })).jsongle.description.acknowledged)).to.equal(true);
  });

  it('keeps the sender message id on relayed copies (only from and to are rewritten)', async () => {
    const a = await TestClient.connect(srv().url());
    const b = await TestClient.connect(srv().url());
    await a.hello('alice');
    await b.hello('bob');
    const r = rid();
    await a.join(r);
    await b.join(r);
    const sent = a.relay(r, 'session-custom', { namespace: 'x', description: { v: 1 } });
    const got = await b.expectMessage({ jsongle: { action: 'session-custom' } });
    expect(got.id).to.equal(sent.id);
  });
});
