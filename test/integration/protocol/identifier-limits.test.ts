/**
 * protocol.md § Profile and identifier limits, over real sockets: a hello whose uid or dn breaks a
 * rule gets `ack failed` + session-error 400001 naming it (and the connection stays not helloed), a
 * join/leave whose rid breaks one gets iq-error 400001, values at the limits work end to end, the
 * limits follow config `limits.*`, and a MUC relay's `from` splits back into rid and uid at its last '/'.
 */
import { expect } from 'chai';
import { TestClient, helloClient, type Msg } from '../../helpers/client.js';
import { rid } from '../../helpers/ids.js';
import { useTestServer } from '../../helpers/suite.js';
import { request } from '../../helpers/http.js';

/** Sends a hello answer with this description; returns the ack status and the session-error, if any. */
async function answerHello(c: TestClient, description: Record<string, unknown>): Promise<{ status: string; error?: Msg }> {
  const req = await c.waitHelloRequest();
  c.send(c.envelope({ action: 'iq-result', query: 'session-hello', transaction: req.jsongle.transaction, description }));
  const ack = await c.expectMessage({ jsongle: { action: 'ack' } });
  if (ack.jsongle.status === 'success') return { status: 'success' };
  return { status: ack.jsongle.status, error: await c.expectMessage({ jsongle: { action: 'session-error' } }) };
}

describe('Identifier limits: the hello (default limits)', () => {
  const srv = useTestServer();

  const refused: Array<[string, Record<string, unknown>, string]> = [
    ['a 60 000-character dn', { uid: 'alice', dn: 'd'.repeat(60_000) }, "Invalid 'dn' parameter: must be at most 256 characters"],
    ['a 257-character dn', { uid: 'alice', dn: 'd'.repeat(257) }, "Invalid 'dn' parameter: must be at most 256 characters"],
    ['a 60 000-character uid', { uid: 'u'.repeat(60_000) }, "Invalid 'uid' parameter: must be at most 128 characters"],
    ['a 129-character uid', { uid: 'u'.repeat(129) }, "Invalid 'uid' parameter: must be at most 128 characters"],
    ["a uid with '/'", { uid: 'team/alice' }, "Invalid 'uid' parameter: must not contain '/'"],
    ['a uid with a newline', { uid: 'alice\nadmin' }, "Invalid 'uid' parameter: must not contain control characters"],
    ['a dn with an escape sequence', { uid: 'alice', dn: '\u001b[2J' }, "Invalid 'dn' parameter: must not contain control characters"],
    ['no uid', { dn: 'Alice' }, "Missing 'uid' parameter"],
    ['a numeric uid', { uid: 42 }, "Missing 'uid' parameter"],
  ];
  for (const [what, description, details] of refused) {
    it(`answers ${what} with ack failed and 400001 "${details}", and stays not helloed`, async () => {
      const c = await TestClient.connect(srv().url());
      const { status, error } = await answerHello(c, description);
      expect(status).to.equal('failed');
      expect(error!.jsongle.description).to.deep.equal({ errorCode: 400001, errorDetails: details });
      const join = await c.request('session-join', { rid: rid() });
      expect(join.jsongle.description.errorCode).to.equal(403002);
    });
  }

  it('lets the client correct its answer after a refusal', async () => {
    const c = await TestClient.connect(srv().url());
    expect((await answerHello(c, { uid: 'u'.repeat(129) })).status).to.equal('failed');
    expect((await answerHello(c, { uid: 'u'.repeat(128) })).status).to.equal('success');
  });

  it('carries a uid and dn at the limits to the other members unchanged', async () => {
    const uid = 'ü'.repeat(128);
    const dn = 'Zoë 😀 J'.repeat(32); // 256 UTF-16 code units (the emoji counts 2)
    expect(dn.length).to.equal(256);
    const r = rid();
    const a = await helloClient(srv().url(), 'a');
    await a.join(r, 'muc');
    const b = await TestClient.connect(srv().url());
    expect((await answerHello(b, { uid, dn })).status).to.equal('success');
    const joined = await b.request('muc-join', { rid: r });
    expect(joined.jsongle.action).to.equal('iq-result');
    const event = await a.expectMessage({ jsongle: { action: 'session-event', event: 'joined' } });
    expect(event.jsongle.description.member).to.deep.equal({ uid, dn });
  });

  it('counts each refusal in jsongle_errors_total{code="400001"}', async () => {
    const count = async (): Promise<number> => {
      const m = /^jsongle_errors_total\{code="400001"\} (\d+)$/m.exec((await request(srv().restPort, '/metrics')).text);
      return m ? Number(m[1]) : 0;
    };
    const before = await count();
    const c = await TestClient.connect(srv().url());
    await answerHello(c, { uid: 'alice', dn: 'd'.repeat(300) });
    expect(await count()).to.equal(before + 1);
  });
});

describe('Identifier limits: rid in join and leave (default limits)', () => {
  const srv = useTestServer({ id: 'limits-server' });

  const refused: Array<[string, string, string]> = [
    ['a 257-character rid', 'r'.repeat(257), "Invalid 'rid' parameter: must be at most 256 characters"],
    ['a rid with a NUL', 'room\u0000', "Invalid 'rid' parameter: must not contain control characters"],
    ['a rid with a newline', 'room\nx', "Invalid 'rid' parameter: must not contain control characters"],
    ['the server id', 'limits-server', "Invalid 'rid' parameter: must not be the server id"],
    ['an empty rid', '', "Missing 'rid' parameter"],
  ];
  for (const [what, r, details] of refused) {
    for (const query of ['session-join', 'muc-join', 'session-leave', 'muc-leave']) {
      it(`answers ${query} with ${what} with iq-error 400001 "${details}"`, async () => {
        const c = await helloClient(srv().url(), 'alice');
        const reply = await c.request(query, { rid: r });
        expect(reply.jsongle.action).to.equal('iq-error');
        expect(reply.jsongle.query).to.equal(query);
        expect(reply.jsongle.description).to.deep.equal({ errorCode: 400001, errorDetails: details });
      });
    }
  }

  it('accepts a 256-character rid with slashes, and a MUC relay\'s from splits at its last "/" into rid and uid', async () => {
    const r = `org/team/${'r'.repeat(247)}`;
    expect(r.length).to.equal(256);
    const a = await helloClient(srv().url(), 'alice');
    const b = await helloClient(srv().url(), 'bob');
    await a.join(r, 'muc');
    await b.join(r, 'muc');
    await a.expectMessage({ jsongle: { action: 'session-event', event: 'joined' } });
    const sent = b.relay(r, 'session-text', { namespace: 'muc', description: { content: 'hi' } });
    const got = await a.expectMessage({ id: sent.id });
    const cut = got.from.lastIndexOf('/');
    expect([got.from.slice(0, cut), got.from.slice(cut + 1)]).to.deep.equal([r, 'bob']);
  });
});

describe('Identifier limits: config limits.*', () => {
  const srv = useTestServer({ limits: { uidMaxLength: 5, dnMaxLength: 3, ridMaxLength: 4 } });

  it('refuses a uid, a dn and a rid past the configured lengths, and accepts them at the lengths', async () => {
    const c = await TestClient.connect(srv().url());
    expect((await answerHello(c, { uid: 'abcdef' })).error!.jsongle.description.errorDetails)
      .to.equal("Invalid 'uid' parameter: must be at most 5 characters");
    expect((await answerHello(c, { uid: 'abcde', dn: 'abcd' })).error!.jsongle.description.errorDetails)
      .to.equal("Invalid 'dn' parameter: must be at most 3 characters");
    expect((await answerHello(c, { uid: 'abcde', dn: 'abc' })).status).to.equal('success');
    expect((await c.request('session-join', { rid: 'abcde' })).jsongle.description.errorDetails)
      .to.equal("Invalid 'rid' parameter: must be at most 4 characters");
    expect((await c.request('session-join', { rid: 'abcd' })).jsongle.action).to.equal('iq-result');
  });
});
