/**
 * protocol.md § Connection lifecycle: the session-hello request, the client's answer (valid,
 * invalid, repeated), the hello timeout, and requests made before hello (403002).
 */
import { expect } from 'chai';
import { TestClient, type Msg } from '../../helpers/client.js';
import { packageDescription, packageVersion } from '../../helpers/package.js';
import { request } from '../../helpers/http.js';
import { useTestServer } from '../../helpers/suite.js';
import { UUID_RE, isIsoDate, rid } from '../../helpers/ids.js';

const HELLO_REQUIRED = 'session-hello message was not received or was not complete';

/** Sends a hello answer built from parts (so each test can break one part). */
function answer(c: TestClient, jsongle: Record<string, unknown>): void {
  c.send(c.envelope({ action: 'iq-result', query: 'session-hello', ...jsongle }));
}

async function expectAckFailed(c: TestClient, transaction?: string): Promise<Msg> {
  const ack = await c.expectMessage({ jsongle: { action: 'ack' } });
  expect(ack.jsongle.status).to.equal('failed');
  if (transaction !== undefined) expect(ack.jsongle.transaction).to.equal(transaction);
  return ack;
}

async function expectSessionError(c: TestClient, code: number): Promise<Msg> {
  const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
  expect(err.jsongle.description.errorCode).to.equal(code);
  expect(err.jsongle.description.errorDetails).to.be.a('string').and.not.equal('');
  return err;
}

/** Proves the connection is still not helloed: a join is refused with 403002. */
async function expectStillNotHelloed(c: TestClient): Promise<void> {
  const reply = await c.request('session-join', { rid: rid() });
  expect(reply.jsongle.action).to.equal('iq-error');
  expect(reply.jsongle.description.errorCode).to.equal(403002);
}

describe('Hello: the server request', () => {
  const srv = useTestServer({ id: 'hello-test-server', info: 'Hello suite server' });

  it('sends iq-get session-hello on open with the server id, a fresh connection id and a transaction', async () => {
    const c = await TestClient.connect(srv().url());
    const req = await c.waitHelloRequest();
    expect(req.id).to.match(UUID_RE);
    expect(req.from).to.equal('hello-test-server');
    expect(req.to).to.match(UUID_RE);
    expect(req.jsongle.action).to.equal('iq-get');
    expect(req.jsongle.query).to.equal('session-hello');
    expect(req.jsongle.transaction).to.be.a('string').and.not.equal('');
  });

  it('describes the server in the session-hello: version, sn, info and an ISO connected date', async () => {
    const c = await TestClient.connect(srv().url());
    const { description } = (await c.waitHelloRequest()).jsongle;
    expect(description.version).to.equal(packageVersion);
    expect(description.sn).to.equal('hello-test-server');
    expect(description.info).to.equal('Hello suite server');
    expect(isIsoDate(description.connected), `connected = ${description.connected}`).to.equal(true);
  });

  it('gives each connection its own connection id and transaction', async () => {
    const a = await TestClient.connect(srv().url());
    const b = await TestClient.connect(srv().url());
    const [ra, rb] = [await a.waitHelloRequest(), await b.waitHelloRequest()];
    expect(ra.to).to.not.equal(rb.to);
    expect(ra.jsongle.transaction).to.not.equal(rb.jsongle.transaction);
    expect(ra.id).to.not.equal(rb.id);
  });
});

describe('Hello: info and GET /about say the same thing', () => {
  const byDefault = useTestServer();
  const configured = useTestServer({ info: 'Signaling for the ops team' });
  const aboutOf = async (restPort: number) => (await request(restPort, '/about')).json as { description: string };
  const infoOf = async (url: string) => (await (await TestClient.connect(url)).waitHelloRequest()).jsongle.description.info;

  it("uses package.json's description for both by default, as the original did", async () => {
    expect(await infoOf(byDefault().url())).to.equal(packageDescription);
    expect((await aboutOf(byDefault().restPort)).description).to.equal(packageDescription);
  });

  it('uses config info for both when it is set', async () => {
    expect(await infoOf(configured().url())).to.equal('Signaling for the ops team');
    expect((await aboutOf(configured().restPort)).description).to.equal('Signaling for the ops team');
  });
});

describe('Hello: the client answer', () => {
  const srv = useTestServer();

  async function fresh(): Promise<[TestClient, string]> {
    const c = await TestClient.connect(srv().url());
    const req = await c.waitHelloRequest();
    return [c, req.jsongle.transaction as string];
  }

  it('acknowledges a valid answer with ack success echoing the transaction', async () => {
    const [c, tx] = await fresh();
    answer(c, { transaction: tx, description: { uid: 'alice' } });
    const ack = await c.expectMessage({ jsongle: { action: 'ack' } });
    expect(ack.jsongle).to.deep.equal({ action: 'ack', status: 'success', transaction: tx });
    expect(ack.from).to.equal(c.serverId);
    expect(ack.to).to.equal(c.connectionId);
    expect(ack.id).to.match(UUID_RE);
  });

  it('accepts an answer with a display name and lets the client join afterwards', async () => {
    const [c, tx] = await fresh();
    answer(c, { transaction: tx, description: { uid: 'alice', dn: 'Alice' } });
    const ack = await c.expectMessage({ jsongle: { action: 'ack' } });
    expect(ack.jsongle.status).to.equal('success');
    const r = rid();
    const joined = await c.join(r);
    expect(joined.jsongle.description.rid).to.equal(r);
  });

  for (const [label, description] of [
    ['no uid', { dn: 'Nobody' }],
    ['an empty uid', { uid: '' }],
    ['a numeric uid', { uid: 42 }],
    ['a null uid', { uid: null }],
    ['an object uid', { uid: { name: 'x' } }],
    ['no description at all', undefined],
    ['a string description', 'alice'],
  ] as const) {
    it(`answers ${label} with ack failed, then 400001 about 'uid', and stays not helloed`, async () => {
      const [c, tx] = await fresh();
      answer(c, description === undefined ? { transaction: tx } : { transaction: tx, description });
      await expectAckFailed(c, tx);
      const err = await expectSessionError(c, 400001);
      expect(err.jsongle.description.errorDetails).to.equal("Missing 'uid' parameter");
      await expectStillNotHelloed(c);
    });
  }

  it('answers a non-string dn with ack failed and 400001, and stays not helloed', async () => {
    const [c, tx] = await fresh();
    answer(c, { transaction: tx, description: { uid: 'alice', dn: 7 } });
    await expectAckFailed(c, tx);
    await expectSessionError(c, 400001);
    await expectStillNotHelloed(c);
  });

  it('answers a wrong transaction with ack failed echoing the transaction sent, and 400001', async () => {
    const [c] = await fresh();
    answer(c, { transaction: 'not-the-transaction', description: { uid: 'alice' } });
    await expectAckFailed(c, 'not-the-transaction');
    await expectSessionError(c, 400001);
    await expectStillNotHelloed(c);
  });

  it('answers a missing transaction with ack failed without a transaction, and 400001', async () => {
    const [c] = await fresh();
    answer(c, { description: { uid: 'alice' } });
    const ack = await expectAckFailed(c);
    expect(ack.jsongle).to.not.have.property('transaction');
    await expectSessionError(c, 400001);
    await expectStillNotHelloed(c);
  });

  it('accepts a valid answer after an invalid one', async () => {
    const [c, tx] = await fresh();
    answer(c, { transaction: tx, description: { uid: '' } });
    await expectAckFailed(c, tx);
    await expectSessionError(c, 400001);
    answer(c, { transaction: tx, description: { uid: 'alice' } });
    const ack = await c.expectMessage({ jsongle: { action: 'ack' } });
    expect(ack.jsongle.status).to.equal('success');
  });

  it('answers a second hello once helloed with ack failed and 405001, keeping the first profile', async () => {
    const [c, tx] = await fresh();
    answer(c, { transaction: tx, description: { uid: 'first' } });
    expect((await c.expectMessage({ jsongle: { action: 'ack' } })).jsongle.status).to.equal('success');
    answer(c, { transaction: tx, description: { uid: 'second' } });
    await expectAckFailed(c, tx);
    await expectSessionError(c, 405001);
    // The profile other members see is still the first one.
    const r = rid();
    await c.join(r);
    const peer = await TestClient.connect(srv().url());
    await peer.hello('peer');
    const joined = await peer.join(r);
    expect(joined.jsongle.description.members).to.deep.equal([{ uid: 'first' }]);
  });
});

describe('Hello: requests before hello', () => {
  const srv = useTestServer();

  async function notHelloed(): Promise<TestClient> {
    const c = await TestClient.connect(srv().url());
    await c.waitHelloRequest();
    return c;
  }

  for (const query of ['session-join', 'muc-join', 'session-leave', 'muc-leave', 'session-register']) {
    it(`answers an iq-set ${query} before hello with iq-error 403002 echoing query and transaction`, async () => {
      const c = await notHelloed();
      const reply = await c.request(query, { rid: rid() });
      expect(reply.jsongle.action).to.equal('iq-error');
      expect(reply.jsongle.query).to.equal(query);
      expect(reply.jsongle.description).to.deep.equal({ errorCode: 403002, errorDetails: HELLO_REQUIRED });
      expect(reply.from).to.equal(c.serverId);
      expect(reply.to).to.equal(c.connectionId);
    });
  }

  it('answers an iq-set without query before hello with iq-error 403002 echoing the transaction', async () => {
    const c = await notHelloed();
    const env = c.envelope({ action: 'iq-set', transaction: 'tx-no-query', description: { rid: 'r' } });
    c.send(env);
    const reply = await c.expectMessage({ jsongle: { transaction: 'tx-no-query' } });
    expect(reply.jsongle.action).to.equal('iq-error');
    expect(reply.jsongle.description.errorCode).to.equal(403002);
  });

  for (const action of ['session-propose', 'session-text', 'session-custom', 'session-event', 'transport-info', 'session-metrics', 'no-such-action']) {
    it(`answers ${action} before hello with session-error 403002`, async () => {
      const c = await notHelloed();
      c.send(c.envelope({ action, sid: 's1', description: {} }, 'some-room'));
      const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
      expect(err.jsongle.description).to.deep.equal({ errorCode: 403002, errorDetails: HELLO_REQUIRED });
    });
  }

  it('answers an iq-result that is not a session-hello before hello with session-error 403002', async () => {
    const c = await notHelloed();
    c.send(c.envelope({ action: 'iq-result', query: 'session-join', transaction: 't', description: {} }));
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(403002);
  });

  it('still accepts the hello after refusing requests made before it', async () => {
    const c = await notHelloed();
    await c.request('session-join', { rid: rid() });
    await c.hello('late-hello');
    await c.join(rid());
  });
});

describe('Hello: timeout', () => {
  const HELLO_TIMEOUT_MS = 300;
  const srv = useTestServer({ helloTimeoutMs: HELLO_TIMEOUT_MS });

  it('sends session-error 408001 then closes with code 4408 when no hello comes in time', async () => {
    const c = await TestClient.connect(srv().url());
    await c.waitHelloRequest();
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(408001);
    const { code } = await c.expectClose();
    expect(code).to.equal(4408);
  });

  it('does not restart the hello timer on an invalid answer', async () => {
    const c = await TestClient.connect(srv().url());
    const req = await c.waitHelloRequest();
    // Invalid answers keep coming faster than the timeout: if any of them restarted the timer,
    // the connection would never time out within the bounded window below.
    const timer = setInterval(() => {
      if (c.isOpen) answer(c, { transaction: req.jsongle.transaction, description: { uid: '' } });
    }, HELLO_TIMEOUT_MS / 4);
    try {
      const err = await c.expectMessage({ jsongle: { action: 'session-error', description: { errorCode: 408001 } } }, HELLO_TIMEOUT_MS * 10);
      expect(err.jsongle.description.errorCode).to.equal(408001);
      expect((await c.expectClose(HELLO_TIMEOUT_MS * 10)).code).to.equal(4408);
    } finally {
      clearInterval(timer);
    }
  });

  it('does not time out a connection that said hello in time', async () => {
    const c = await TestClient.connect(srv().url());
    await c.hello('in-time');
    await c.expectNoMessageWithin(HELLO_TIMEOUT_MS * 2);
    expect(c.isOpen).to.equal(true);
  });
});
