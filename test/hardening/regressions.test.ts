/**
 * Regression tests for the holes of the original server and for the ones a topic-routed server
 * could open: room ids shaped like topics, a client writing as another connection, the appToken
 * compare, and the seven one-message inputs that crashed the original.
 */
import { expect } from 'chai';
import crypto, { createHash } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { loadConfig } from '../../src/config/load.js';
import { tokensEqual } from '../../src/transport/admission.js';
import { helloClient, TestClient } from '../helpers/client.js';
import { rid } from '../helpers/ids.js';
import { mucGroup, p2pPair } from '../helpers/rooms.js';
import { useTestServer } from '../helpers/suite.js';

describe('Regression: room ids that look like topics', () => {
  const srv = useTestServer();

  it('never delivers to a connection through a room named conn/<its id> (P2P or MUC)', async () => {
    const victim = await helloClient(srv().url(), 'victim');
    for (const kind of ['room', 'muc'] as const) {
      const attacker = await helloClient(srv().url(), `attacker-${kind}`);
      const accomplice = await helloClient(srv().url(), `accomplice-${kind}`);
      // Two members, so relays really go out on the room's topic.
      await attacker.join(`conn/${victim.connectionId}`, kind);
      await accomplice.join(`conn/${victim.connectionId}`, kind);
      const sent = attacker.relay(`conn/${victim.connectionId}`, 'session-text', { namespace: 'chat', description: { text: 'for the victim?' } });
      await accomplice.expectMessage({ id: sent.id });
      await Promise.all([attacker.close(), accomplice.close()]);
    }
    await victim.expectNoMessage();
  });

  it('keeps a P2P room "room/x" and a MUC "muc/x" apart from the rooms named x', async () => {
    const x = rid('x');
    const [a, b] = await p2pPair(srv().url(), x);
    const mucX = rid('mx');
    const [m1, m2] = await mucGroup(srv().url(), mucX, ['m1', 'm2']);
    const [e1, e2] = await p2pPair(srv().url(), `room/${x}`, ['e1', 'e2']);
    const [f1, f2] = await p2pPair(srv().url(), `muc/${mucX}`, ['f1', 'f2']);
    const s1 = e1.relay(`room/${x}`, 'session-text', { namespace: 'chat', description: {} });
    const s2 = f1.relay(`muc/${mucX}`, 'session-text', { namespace: 'chat', description: {} });
    await e2.expectMessage({ id: s1.id });
    await f2.expectMessage({ id: s2.id });
    for (const c of [a, b, m1, m2]) await c.expectNoMessage((m) => m.id === s1.id || m.id === s2.id);
    // And the other kind's query on an existing rid is refused, not merged.
    expect((await e1.request('muc-join', { rid: x })).jsongle.description.errorCode).to.equal(403004);
  });

  it('refuses a room named like the server id with 400001', async () => {
    const c = await helloClient(srv().url(), 'c');
    const r = await c.request('session-join', { rid: srv().serverId });
    expect(r.jsongle.action).to.equal('iq-error');
    expect(r.jsongle.description.errorCode).to.equal(400001);
  });

  it('refuses a multiRoomPrefix that could make a MUC topic equal a room/ or conn/ topic', () => {
    for (const prefix of ['c', 'roo', 'room/', 'conn/', 'muc', 'a/b/']) {
      expect(() => loadConfig({ env: {}, argv: [], overrides: { multiRoomPrefix: prefix } }), prefix).to.throw(/multiRoomPrefix/);
    }
  });
});

describe('Regression: a client writing as another connection', () => {
  const srv = useTestServer();

  it('answers a request carrying another connection id in from to its real sender only', async () => {
    const victim = await helloClient(srv().url(), 'victim');
    const spoofer = await helloClient(srv().url(), 'spoofer');
    spoofer.send({ id: 'x', from: victim.connectionId, to: spoofer.serverId, jsongle: { action: 'iq-set', query: 'session-join', transaction: 'tx', description: { rid: rid('spoof') } } });
    const r = await spoofer.expectMessage({ jsongle: { transaction: 'tx' } });
    expect(r.to).to.equal(spoofer.connectionId);
    await victim.expectNoMessage();
  });

  it('relays with from rewritten to the room (P2P) or room/uid of the real sender (MUC)', async () => {
    const room = rid('spoof');
    const [a, b] = await p2pPair(srv().url(), room);
    a.send({ id: 'spoofed', from: b.connectionId, to: room, jsongle: { action: 'session-text', namespace: 'chat', description: {} } });
    expect((await b.expectMessage({ id: 'spoofed' })).from).to.equal(room);
    const muc = rid('spoof-muc');
    const [m1, m2] = await mucGroup(srv().url(), muc, ['real', 'other']);
    m1.send({ id: 'spoofed-muc', from: m2.connectionId, to: muc, jsongle: { action: 'session-text', namespace: 'chat', description: {} } });
    expect((await m2.expectMessage({ id: 'spoofed-muc' })).from).to.equal(`${muc}/real`);
  });

  it('does not let a client join or leave a room for another connection', async () => {
    const room = rid('spoof-leave');
    const [a, b] = await p2pPair(srv().url(), room);
    const intruder = await helloClient(srv().url(), 'intruder');
    intruder.send({ from: a.connectionId, to: intruder.serverId, jsongle: { action: 'iq-set', query: 'session-leave', transaction: 'l', description: { rid: room } } });
    expect((await intruder.expectMessage({ jsongle: { transaction: 'l' } })).jsongle.description.errorCode).to.equal(404002);
    const sent = a.relay(room, 'session-text', { namespace: 'chat', description: {} });
    await b.expectMessage({ id: sent.id });
  });
});

describe('Regression: appToken compare', () => {
  it('compares SHA-256 digests of both tokens with crypto.timingSafeEqual (no early exit on length or content)', () => {
    const original = crypto.timingSafeEqual;
    const calls: Array<[Buffer, Buffer]> = [];
    crypto.timingSafeEqual = ((a: Buffer, b: Buffer) => {
      calls.push([Buffer.from(a), Buffer.from(b)]);
      return original(a, b);
    }) as typeof crypto.timingSafeEqual;
    // Named ESM imports of node:crypto follow the module object only after this call.
    syncBuiltinESMExports();
    try {
      expect(tokensEqual('short', 'a much longer expected token')).to.equal(false);
      expect(tokensEqual('s3cret', 's3cret')).to.equal(true);
      expect(tokensEqual('s3cret', 's3creT')).to.equal(false);
    } finally {
      crypto.timingSafeEqual = original;
      syncBuiltinESMExports();
    }
    const sha = (s: string) => createHash('sha256').update(s).digest();
    expect(calls).to.have.length(3);
    expect(calls[0][0].equals(sha('short')) && calls[0][1].equals(sha('a much longer expected token'))).to.equal(true);
    for (const [a, b] of calls) expect([a.length, b.length]).to.deep.equal([32, 32]);
  });

  it('answers unequal for tokens of any length without throwing (timingSafeEqual alone throws on a length mismatch)', () => {
    for (const given of ['', 'x', 'x'.repeat(10_000), 'ü', '\u0000']) expect(tokensEqual(given, 'expected')).to.equal(false);
  });
});

describe("Regression: the original's one-message crash inputs", () => {
  const srv = useTestServer();
  const rows: Array<{ name: string; frame: (c: TestClient) => string; code: number }> = [
    { name: 'an iq-set with an unknown query', frame: (c) => JSON.stringify(c.envelope({ action: 'iq-set', query: 'session-whatever', transaction: 't' })), code: 404001 },
    { name: 'a session-join without description', frame: (c) => JSON.stringify(c.envelope({ action: 'iq-set', query: 'session-join', transaction: 't' })), code: 400001 },
    { name: 'a null payload', frame: () => 'null', code: 400003 },
    { name: 'a string payload', frame: () => '"session-join"', code: 400003 },
    { name: 'a string description', frame: (c) => JSON.stringify(c.envelope({ action: 'iq-set', query: 'session-join', transaction: 't', description: 'room-1' })), code: 400001 },
    { name: 'a session-metrics with a string description', frame: (c) => JSON.stringify(c.envelope({ action: 'session-metrics', description: 'x' })), code: 400001 },
  ];

  for (const row of rows) {
    it(`answers ${row.name} with ${row.code} and keeps the connection usable`, async () => {
      const c = await helloClient(srv().url(), 'survivor');
      c.sendRaw(row.frame(c));
      const err = await c.expectMessage((m) => m.jsongle.action === 'session-error' || m.jsongle.action === 'iq-error');
      expect(err.jsongle.description.errorCode).to.equal(row.code);
      await c.join(rid('after'));
    });
  }

  it('relays an action without description with a stamped description {sent, relayed}', async () => {
    const room = rid('no-description');
    const [a, b] = await p2pPair(srv().url(), room);
    a.send({ id: 'bare', to: room, jsongle: { action: 'session-initiate', sid: 's' } });
    const got = await b.expectMessage({ id: 'bare' });
    expect(Object.keys(got.jsongle.description).sort()).to.deep.equal(['relayed', 'sent']);
  });

  it('consumes a session-metrics without description silently and keeps the connection usable', async () => {
    const c = await helloClient(srv().url(), 'metrics');
    c.send(c.envelope({ action: 'session-metrics' }));
    await c.join(rid('after-metrics'));
    await c.expectNoMessage({ jsongle: { action: 'session-error' } });
  });
});

describe('Regression: shared metrics cannot be poisoned by one client', () => {
  const srv = useTestServer();

  it('keeps p2p_duration_total finite whatever durations a session-metrics reports', async () => {
    const c = await helloClient(srv().url(), 'poisoner');
    for (const duration of [1.7976931348623157e308, 1.7976931348623157e308, 1e300]) {
      c.send(c.envelope({ action: 'session-metrics', description: { duration } }));
    }
    await c.join(rid('after-metrics'));
    expect(Number.isFinite(srv().server.stats.callSeconds), `callSeconds = ${srv().server.stats.callSeconds}`).to.equal(true);
    const stats = (await (await fetch(`${srv().restUrl}/stats`)).json()) as Record<string, number>;
    expect(Number.isFinite(stats.p2p_duration_total)).to.equal(true);
  });
});
