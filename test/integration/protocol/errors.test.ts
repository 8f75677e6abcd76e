/**
 * protocol.md § Errors and the check order of § Relay: error shapes, the first failing check
 * answering a frame wrong in several ways, the original server's one-message crash inputs, and
 * the envelope fields a client may not forge.
 */
import { expect } from 'chai';
import { TestClient, helloClient, type Msg } from '../../helpers/client.js';
import { mucGroup, p2pPair } from '../../helpers/rooms.js';
import { useTestServer } from '../../helpers/suite.js';
import { UUID_RE, rid } from '../../helpers/ids.js';

const SERVER_ID = 'errors-server';

type State = 'connected' | 'helloed' | 'aloneInP2p';
interface Row {
  name: string;
  state: State;
  /** A raw text frame, a Buffer (sent binary), or an envelope ($room = the client's own room, $other = a room it is not in). */
  frame: string | Buffer | Record<string, unknown>;
  expected: { action: 'session-error' | 'iq-error'; code: number } | { action: 'session-info'; reason: string };
}

const ORDER_TABLE: Row[] = [
  { name: 'a binary frame holding a valid envelope', state: 'connected', frame: Buffer.from('{"jsongle":{"action":"iq-set"}}'), expected: { action: 'session-error', code: 400003 } },
  { name: 'text that is not JSON', state: 'connected', frame: '{"jsongle": {"action": ', expected: { action: 'session-error', code: 400003 } },
  { name: 'a JSON array holding an envelope', state: 'connected', frame: '[{"jsongle":{"action":"session-text"}}]', expected: { action: 'session-error', code: 400003 } },
  { name: 'JSON null', state: 'connected', frame: 'null', expected: { action: 'session-error', code: 400003 } },
  { name: 'a JSON string', state: 'connected', frame: '"jsongle"', expected: { action: 'session-error', code: 400003 } },
  { name: 'a JSON number', state: 'helloed', frame: '42', expected: { action: 'session-error', code: 400003 } },
  { name: 'an empty object before hello', state: 'connected', frame: {}, expected: { action: 'session-error', code: 400002 } },
  { name: 'a string jsongle before hello', state: 'connected', frame: { to: 5, jsongle: 'session-text' }, expected: { action: 'session-error', code: 400002 } },
  { name: 'a null jsongle', state: 'helloed', frame: { jsongle: null }, expected: { action: 'session-error', code: 400002 } },
  { name: 'an array jsongle', state: 'helloed', frame: { jsongle: [{ action: 'session-text' }] }, expected: { action: 'session-error', code: 400002 } },
  { name: 'an unknown action with a bad to and description before hello', state: 'connected', frame: { to: 5, jsongle: { action: 'no-such', description: 'x' } }, expected: { action: 'session-error', code: 403002 } },
  { name: 'a relay without to and with a string description before hello', state: 'connected', frame: { jsongle: { action: 'session-text', description: 'x' } }, expected: { action: 'session-error', code: 403002 } },
  { name: 'a join with an invalid rid before hello', state: 'connected', frame: { jsongle: { action: 'iq-set', query: 'session-join', transaction: 't', description: { rid: '' } } }, expected: { action: 'iq-error', code: 403002 } },
  { name: 'an unknown action without to and with a string description', state: 'helloed', frame: { jsongle: { action: 'no-such', description: 'x' } }, expected: { action: 'session-error', code: 405001 } },
  { name: 'a jsongle without action and with a string description', state: 'helloed', frame: { jsongle: { description: 'x' } }, expected: { action: 'session-error', code: 405001 } },
  { name: 'a relay to a room the sender is not in, with a string description', state: 'helloed', frame: { to: '$other', jsongle: { action: 'session-text', description: 'x' } }, expected: { action: 'session-error', code: 400001 } },
  { name: 'a relay without to', state: 'aloneInP2p', frame: { jsongle: { action: 'session-propose', sid: 's', description: {} } }, expected: { action: 'session-error', code: 400001 } },
  { name: 'a join with a string description', state: 'helloed', frame: { jsongle: { action: 'iq-set', query: 'session-join', transaction: 't', description: 'r' } }, expected: { action: 'iq-error', code: 400001 } },
  { name: 'an iq-set without query', state: 'helloed', frame: { jsongle: { action: 'iq-set', transaction: 't', description: 'r' } }, expected: { action: 'iq-error', code: 400001 } },
  { name: 'a message to another room while alone in a P2P room', state: 'aloneInP2p', frame: { to: '$other', jsongle: { action: 'session-text', description: {} } }, expected: { action: 'session-error', code: 404002 } },
  { name: 'a call to another room while alone in a P2P room', state: 'aloneInP2p', frame: { to: '$other', jsongle: { action: 'session-propose', sid: 's', description: {} } }, expected: { action: 'session-error', code: 404002 } },
  { name: 'a message to the own P2P room with nobody else', state: 'aloneInP2p', frame: { to: '$room', jsongle: { action: 'session-text', description: {} } }, expected: { action: 'session-error', code: 404003 } },
  { name: 'a call to the own P2P room with nobody else', state: 'aloneInP2p', frame: { to: '$room', jsongle: { action: 'session-propose', sid: 's', description: {} } }, expected: { action: 'session-info', reason: 'unreachable' } },
];

function substitute(frame: Record<string, unknown>, room: string, other: string): Record<string, unknown> {
  const to = frame.to === '$room' ? room : frame.to === '$other' ? other : frame.to;
  return Object.hasOwn(frame, 'to') ? { id: 'm-1', ...frame, to } : { id: 'm-1', ...frame };
}

describe('Errors: shapes', () => {
  const srv = useTestServer({ id: SERVER_ID });

  it('sends session-error with a fresh id, from = server id, to = connection id and exactly errorCode (int) and errorDetails', async () => {
    const c = await helloClient(srv().url(), 'alice');
    c.sendRaw('not json');
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.id).to.match(UUID_RE);
    expect(err.from).to.equal(SERVER_ID);
    expect(err.to).to.equal(c.connectionId);
    expect(Object.keys(err.jsongle).sort()).to.deep.equal(['action', 'description']);
    expect(Object.keys(err.jsongle.description).sort()).to.deep.equal(['errorCode', 'errorDetails']);
    expect(Number.isInteger(err.jsongle.description.errorCode)).to.equal(true);
    expect(err.jsongle.description.errorDetails).to.equal('The message is not a JSON object');
  });

  it('sends iq-error with query, transaction and a description of errorCode and errorDetails', async () => {
    const c = await helloClient(srv().url(), 'alice');
    const reply = await c.request('session-join', { rid: '' });
    expect(reply.id).to.match(UUID_RE);
    expect(reply.from).to.equal(SERVER_ID);
    expect(reply.to).to.equal(c.connectionId);
    expect(reply.jsongle.action).to.equal('iq-error');
    expect(reply.jsongle.query).to.equal('session-join');
    expect(reply.jsongle.transaction).to.match(UUID_RE);
    expect(Object.keys(reply.jsongle.description).sort()).to.deep.equal(['errorCode', 'errorDetails']);
    expect(reply.jsongle.description.errorCode).to.equal(400001);
  });

  it("answers 400002 with the original's \"Missing property 'jsongle' in message\"", async () => {
    const c = await helloClient(srv().url(), 'alice');
    c.send({ id: 'x', to: SERVER_ID });
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description).to.deep.equal({ errorCode: 400002, errorDetails: "Missing property 'jsongle' in message" });
  });

  // The texts below are JSONgle-Server 2.x's, word for word (clients and their logs know them).
  it("answers a join without rid with the original's \"Missing 'rid' parameter\"", async () => {
    const c = await helloClient(srv().url(), 'alice');
    for (const query of ['session-join', 'muc-join', 'session-leave']) {
      const reply = await c.request(query, {});
      expect(reply.jsongle.description, query).to.deep.equal({ errorCode: 400001, errorDetails: "Missing 'rid' parameter" });
    }
  });

  it("answers a message alone in a P2P room with the original's \"Can't transmit message - no other member in room <rid>\"", async () => {
    const c = await helloClient(srv().url(), 'alice');
    const r = rid();
    await c.join(r);
    c.relay(r, 'session-text', { description: { content: 'anyone?' } });
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description).to.deep.equal({ errorCode: 404003, errorDetails: `Can't transmit message - no other member in room ${r}` });
  });

  it("answers a relay to a room one is not in with the original's \"Can't call - not in room <to>\"", async () => {
    const c = await helloClient(srv().url(), 'alice');
    c.relay('elsewhere', 'session-text', { description: {} });
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description).to.deep.equal({ errorCode: 404002, errorDetails: "Can't call - not in room elsewhere" });
  });

  it("answers an unknown action with the original's \"Message of type <action> is not supported\"", async () => {
    const c = await helloClient(srv().url(), 'alice');
    c.send(c.envelope({ action: 'session-dance' }));
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description).to.deep.equal({ errorCode: 405001, errorDetails: 'Message of type session-dance is not supported' });
  });

  it("answers an unknown query with the original's \"The query '<q>' is not supported\"", async () => {
    const c = await helloClient(srv().url(), 'alice');
    const reply = await c.request('session-dance', {});
    expect(reply.jsongle.description).to.deep.equal({ errorCode: 404001, errorDetails: "The query 'session-dance' is not supported" });
  });

  it("answers a full room with the original's \"Max number of members per room already reached\"", async () => {
    const r = rid();
    const a = await helloClient(srv().url(), 'a');
    const b = await helloClient(srv().url(), 'b');
    const third = await helloClient(srv().url(), 'c');
    await a.join(r);
    await b.join(r);
    const reply = await third.request('session-join', { rid: r });
    expect(reply.jsongle.description).to.deep.equal({ errorCode: 403001, errorDetails: 'Max number of members per room already reached' });
  });
});

describe('Errors: the first failing check answers, in the spec order', () => {
  const srv = useTestServer({ id: SERVER_ID });

  async function clientIn(state: State, room: string): Promise<TestClient> {
    const c = await TestClient.connect(srv().url());
    await c.waitHelloRequest();
    if (state === 'connected') return c;
    await c.hello('checker');
    if (state === 'aloneInP2p') await c.join(room);
    return c;
  }

  for (const row of ORDER_TABLE) {
    const want = row.expected.action === 'session-info' ? `session-info ${row.expected.reason}` : `${row.expected.action} ${row.expected.code}`;
    it(`answers ${row.name} (${row.state}) with ${want}`, async () => {
      const room = rid();
      const c = await clientIn(row.state, room);
      if (Buffer.isBuffer(row.frame)) c.sendRaw(row.frame, { binary: true });
      else if (typeof row.frame === 'string') c.sendRaw(row.frame);
      else c.send(substitute(row.frame, room, rid('other')));
      const answer = await c.expectMessage((m: Msg) => ['session-error', 'iq-error', 'session-info'].includes(m.jsongle.action));
      expect(answer.jsongle.action, JSON.stringify(answer)).to.equal(row.expected.action);
      if ('code' in row.expected) expect(answer.jsongle.description.errorCode, JSON.stringify(answer)).to.equal(row.expected.code);
      else expect(answer.jsongle.reason).to.equal(row.expected.reason);
      // One answer per frame: nothing else follows.
      await c.expectNoMessage();
    });
  }
});

describe("Errors: the original server's one-message crash inputs", () => {
  const srv = useTestServer({ id: SERVER_ID });

  interface CrashInput {
    name: string;
    send(attacker: TestClient, room: string): void;
    /** How the server answers (or what shows it handled the frame). */
    check(attacker: TestClient, peer: TestClient): Promise<void>;
  }

  const errorCode = async (c: TestClient, code: number) => {
    const m = await c.expectMessage((x: Msg) => x.jsongle.action === 'session-error' || x.jsongle.action === 'iq-error');
    expect(m.jsongle.description.errorCode, JSON.stringify(m)).to.equal(code);
  };

  const INPUTS: CrashInput[] = [
    {
      name: 'an unknown iq-set query',
      send: (a) => a.send(a.envelope({ action: 'iq-set', query: 'session-roster', transaction: 't1', description: {} })),
      check: (a) => errorCode(a, 404001),
    },
    {
      name: 'a join without description',
      send: (a) => a.send(a.envelope({ action: 'iq-set', query: 'session-join', transaction: 't2' })),
      check: (a) => errorCode(a, 400001),
    },
    {
      name: 'a relayed action without description',
      send: (a, r) => a.send(a.envelope({ action: 'session-info', sid: 's', reason: 'active' }, r)),
      check: async (_a, peer) => {
        const got = await peer.expectMessage({ jsongle: { action: 'session-info', reason: 'active' } });
        expect(got.jsongle.description).to.have.property('relayed');
      },
    },
    { name: 'a null payload', send: (a) => a.sendRaw('null'), check: (a) => errorCode(a, 400003) },
    { name: 'a string payload', send: (a) => a.sendRaw('"session-propose"'), check: (a) => errorCode(a, 400003) },
    {
      name: 'a string description on a relayed action',
      send: (a, r) => a.send(a.envelope({ action: 'session-text', namespace: 'message', description: 'boom' }, r)),
      check: (a) => errorCode(a, 400001),
    },
    {
      name: 'session-metrics without description',
      send: (a) => a.send(a.envelope({ action: 'session-metrics' })),
      check: async (a) => {
        // Consumed silently: the next request's answer is the next thing the attacker gets.
        const reply = await a.request('session-roster', {});
        expect(reply.jsongle.description.errorCode).to.equal(404001);
        await a.expectNoMessage();
      },
    },
  ];

  for (const input of INPUTS) {
    it(`survives ${input.name}: answered, and a bystander pair still relays`, async () => {
      const room = rid();
      const [attacker, peer] = await p2pPair(srv().url(), room, ['mallory', 'peer']);
      const byRoom = rid('bystanders');
      const [x, y] = await p2pPair(srv().url(), byRoom, ['x', 'y']);
      input.send(attacker, room);
      await input.check(attacker, peer);
      expect(attacker.isOpen).to.equal(true);
      const sent = x.relay(byRoom, 'session-text', { namespace: 'message', description: { content: 'still alive' } });
      expect((await y.expectMessage({ id: sent.id })).jsongle.description.content).to.equal('still alive');
      // The attacker's own connection still works too.
      const again = attacker.relay(room, 'session-text', { namespace: 'message', description: {} });
      await peer.expectMessage({ id: again.id });
    });
  }
});

describe('Errors: what a client cannot forge', () => {
  const srv = useTestServer({ id: SERVER_ID });

  it('ignores a spoofed from: the relayed copy in a P2P room has from = rid', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    for (const from of [b.connectionId, SERVER_ID, 'someone-else']) {
      const env = { ...a.envelope({ action: 'session-text', namespace: 'message', description: {} }, r), from };
      a.send(env);
      expect((await b.expectMessage({ id: env.id })).from).to.equal(r);
    }
  });

  it('ignores a spoofed from in a MUC: the copy names the real sender uid', async () => {
    const r = rid('muc');
    const [a, b] = await mucGroup(srv().url(), r, ['alice', 'bob']);
    const env = { ...a.envelope({ action: 'session-text', namespace: 'message', description: {} }, r), from: `${r}/bob` };
    a.send(env);
    expect((await b.expectMessage({ id: env.id })).from).to.equal(`${r}/alice`);
  });

  it('ignores a profile smuggled into a relay: members still see the hello profile in events', async () => {
    const r = rid();
    const a = await helloClient(srv().url(), 'alice');
    await a.join(r);
    const b = await TestClient.connect(srv().url());
    await b.hello('bob', 'Bob', { isAdmin: true });
    await b.join(r);
    const ev = await a.expectMessage({ jsongle: { event: 'joined' } });
    expect(ev.jsongle.description.member).to.deep.equal({ uid: 'bob', dn: 'Bob' });
  });

  for (const query of ['session-join', 'muc-join']) {
    it(`answers a ${query} of a room named like the server id with 400001`, async () => {
      const a = await helloClient(srv().url(), 'alice');
      const reply = await a.request(query, { rid: SERVER_ID });
      expect(reply.jsongle.action).to.equal('iq-error');
      expect(reply.jsongle.description.errorCode).to.equal(400001);
    });
  }

  it('keeps a room named like a connection topic apart from that connection', async () => {
    const victim = await helloClient(srv().url(), 'victim');
    const r = `conn/${victim.connectionId}`;
    const [a, b] = await p2pPair(srv().url(), r);
    const sent = a.relay(r, 'session-text', { namespace: 'message', description: {} });
    await b.expectMessage({ id: sent.id });
    await victim.expectNoMessage();
  });
});
