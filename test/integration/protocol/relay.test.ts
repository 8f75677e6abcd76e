/**
 * protocol.md § Relay: how P2P and MUC relays are rewritten and stamped, the server's own
 * answers (trying, unreachable, message ack), relay errors, session-metrics and ordering.
 */
import { expect } from 'chai';
import { helloClient } from '../../helpers/client.js';
import { getJson } from '../../helpers/http.js';
import { mucGroup, p2pPair } from '../../helpers/rooms.js';
import { useTestServer } from '../../helpers/suite.js';
import { UUID_RE, isIsoDate, rid } from '../../helpers/ids.js';

const SERVER_ID = 'relay-server';
const CALL_ACTIONS = [
  'session-propose', 'session-info', 'session-retract', 'session-decline', 'session-proceed',
  'session-initiate', 'session-accept', 'transport-info', 'session-terminate',
];
const MESSAGE_ACTIONS = ['session-text', 'session-custom', 'session-event'];

const call = { sid: 'sid-1', initiator: '70001', responder: '70002', reason: '' };

describe('Relay: P2P rooms', () => {
  const srv = useTestServer({ id: SERVER_ID });

  it('relays to the other member with from = rid, to = its connection id, and every other field kept', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const sent = a.relay(r, 'session-info', { ...call, reason: 'active', extra: { nested: [1, 2] }, description: { actived: 'x' } });
    const got = await b.expectMessage({ id: sent.id });
    expect(got.from).to.equal(r);
    expect(got.to).to.equal(b.connectionId);
    const { sent: stamp, relayed, ...rest } = got.jsongle.description;
    expect(rest).to.deep.equal({ actived: 'x' });
    expect(isIsoDate(stamp), `sent = ${stamp}`).to.equal(true);
    expect(isIsoDate(relayed), `relayed = ${relayed}`).to.equal(true);
    expect({ ...got.jsongle, description: undefined }).to.deep.equal({
      action: 'session-info', ...call, reason: 'active', extra: { nested: [1, 2] }, description: undefined,
    });
  });

  it('keeps unknown top-level envelope fields of the sender', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const env = { ...a.envelope({ action: 'session-text', namespace: 'message', description: { content: 'c' } }, r), custom: { k: 'v' } };
    a.send(env);
    const got = await b.expectMessage({ id: env.id });
    expect(got.custom).to.deep.equal({ k: 'v' });
  });

  it('relays in both directions, addressing each recipient by its own connection id', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const sent = b.relay(r, 'session-custom', { namespace: 'reaction', description: { emoji: '+1' } });
    const got = await a.expectMessage({ id: sent.id });
    expect(got.from).to.equal(r);
    expect(got.to).to.equal(a.connectionId);
  });

  it('keeps description.sent when the sender set it, and still sets description.relayed', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const sent = a.relay(r, 'session-text', { namespace: 'message', description: { sent: '2020-01-01T00:00:00.000Z', content: 'c' } });
    const got = await b.expectMessage({ id: sent.id });
    expect(got.jsongle.description.sent).to.equal('2020-01-01T00:00:00.000Z');
    expect(isIsoDate(got.jsongle.description.relayed)).to.equal(true);
  });

  it('does not stamp session-propose: its description arrives as sent', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const description = { initiated: '2020-09-05T19:31:34.186Z', media: 'audio' };
    const sent = a.relay(r, 'session-propose', { ...call, description });
    const got = await b.expectMessage({ id: sent.id });
    expect(got.jsongle.description).to.deep.equal(description);
  });

  it('treats an absent description as {} and stamps it', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const sent = a.relay(r, 'session-info', { ...call, reason: 'mute' });
    const got = await b.expectMessage({ id: sent.id });
    expect(Object.keys(got.jsongle.description).sort()).to.deep.equal(['relayed', 'sent']);
    expect(isIsoDate(got.jsongle.description.sent)).to.equal(true);
  });

  for (const action of [...CALL_ACTIONS, ...MESSAGE_ACTIONS]) {
    it(`relays ${action} to the other member`, async () => {
      const r = rid();
      const [a, b] = await p2pPair(srv().url(), r);
      const sent = a.relay(r, action, { ...call, namespace: 'message', description: { n: 1 } });
      const got = await b.expectMessage({ id: sent.id });
      expect(got.jsongle.action).to.equal(action);
      expect(got.jsongle.description.n).to.equal(1);
    });
  }

  it('answers session-propose with session-info trying to the sender, copying sid, initiator and responder', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const sent = a.relay(r, 'session-propose', { ...call, description: { media: 'video' } });
    await b.expectMessage({ id: sent.id });
    const trying = await a.expectMessage({ jsongle: { action: 'session-info', reason: 'trying' } });
    expect(trying.from).to.equal(SERVER_ID);
    expect(trying.to).to.equal(a.connectionId);
    expect(trying.id).to.match(UUID_RE);
    expect(trying.jsongle.sid).to.equal('sid-1');
    expect(trying.jsongle.initiator).to.equal('70001');
    expect(trying.jsongle.responder).to.equal('70002');
    expect(Object.keys(trying.jsongle.description)).to.deep.equal(['tried']);
    expect(isIsoDate(trying.jsongle.description.tried)).to.equal(true);
    await b.expectNoMessage({ jsongle: { reason: 'trying' } });
  });

  for (const [action, namespace] of [['session-text', 'message'], ['session-custom', 'reaction']] as const) {
    it(`acknowledges ${action} to the sender with mid = message id, namespace echoed, type server-received`, async () => {
      const r = rid();
      const [a, b] = await p2pPair(srv().url(), r);
      const sent = a.relay(r, action, { namespace, description: { content: 'hello' } });
      await b.expectMessage({ id: sent.id });
      const ack = await a.expectMessage({ jsongle: { action: 'session-event', event: 'ack' } });
      expect(ack.from).to.equal(SERVER_ID);
      expect(ack.to).to.equal(a.connectionId);
      expect(ack.jsongle.namespace).to.equal(namespace);
      expect(ack.jsongle.description.mid).to.equal(sent.id);
      expect(ack.jsongle.description.type).to.equal('server-received');
      expect(isIsoDate(ack.jsongle.description.acknowledged)).to.equal(true);
    });
  }

  it('does not acknowledge session-event (only session-text and session-custom are acknowledged)', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const sent = a.relay(r, 'session-event', { namespace: 'typing', event: 'composing', description: {} });
    await b.expectMessage({ id: sent.id });
    await a.expectNoMessage();
  });

  it('answers a call action alone in a P2P room with session-info unreachable, copying the call ids', async () => {
    const r = rid();
    const a = await helloClient(srv().url(), 'alice');
    await a.join(r);
    a.relay(r, 'session-propose', { ...call, description: { media: 'audio' } });
    const info = await a.expectMessage({ jsongle: { action: 'session-info' } });
    expect(info.jsongle.reason).to.equal('unreachable');
    expect(info.from).to.equal(SERVER_ID);
    expect(info.to).to.equal(a.connectionId);
    expect(info.jsongle.sid).to.equal('sid-1');
    expect(info.jsongle.initiator).to.equal('70001');
    expect(info.jsongle.responder).to.equal('70002');
    expect(Object.keys(info.jsongle.description)).to.deep.equal(['ended']);
    expect(isIsoDate(info.jsongle.description.ended)).to.equal(true);
    // No `trying` for a call that reaches nobody.
    await a.expectNoMessage();
  });

  for (const action of CALL_ACTIONS.filter((x) => x !== 'session-propose')) {
    it(`answers ${action} alone in a P2P room with session-info unreachable`, async () => {
      const a = await helloClient(srv().url(), 'alice');
      const r = rid();
      await a.join(r);
      a.relay(r, action, { ...call, description: {} });
      const info = await a.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable' } });
      expect(info.jsongle.sid).to.equal('sid-1');
    });
  }

  for (const action of MESSAGE_ACTIONS) {
    it(`answers ${action} alone in a P2P room with session-error 404003`, async () => {
      const a = await helloClient(srv().url(), 'alice');
      const r = rid();
      await a.join(r);
      a.relay(r, action, { namespace: 'message', description: { content: 'anyone?' } });
      const err = await a.expectMessage({ jsongle: { action: 'session-error' } });
      expect(err.jsongle.description.errorCode).to.equal(404003);
      expect(err.jsongle.description.errorDetails).to.be.a('string').and.not.equal('');
    });
  }

  it('answers a call to a peer that has left with session-info unreachable', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    await b.leave(r);
    await a.expectMessage({ jsongle: { event: 'left' } });
    a.relay(r, 'session-propose', { ...call, description: {} });
    await a.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable' } });
  });
});

describe('Relay: MUC rooms', () => {
  const srv = useTestServer({ id: SERVER_ID });

  it('relays to every other member with from = "<rid>/<uid>" and to = rid, never back to the sender', async () => {
    const r = rid('muc');
    const [a, b, c] = await mucGroup(srv().url(), r, ['alice', 'bob', 'carol']);
    const sent = a.relay(r, 'session-text', { namespace: 'message', description: { content: 'hi all' } });
    for (const m of [b, c]) {
      const got = await m.expectMessage({ id: sent.id });
      expect(got.from).to.equal(`${r}/alice`);
      expect(got.to).to.equal(r);
      expect(got.jsongle.description.content).to.equal('hi all');
      expect(isIsoDate(got.jsongle.description.relayed)).to.equal(true);
      expect(isIsoDate(got.jsongle.description.sent)).to.equal(true);
    }
    await a.expectMessage({ jsongle: { action: 'session-event', event: 'ack' } });
    await a.expectNoMessage({ id: sent.id });
  });

  it('tells two devices of one user apart: each MUC copy carries the sender\'s connection id', async () => {
    const r = rid('muc');
    const [phone, laptop, bob] = await mucGroup(srv().url(), r, ['alice', 'alice', 'bob']);
    const fromPhone = phone.relay(r, 'session-text', { namespace: 'message', description: { content: 'from the phone' } });
    const fromLaptop = laptop.relay(r, 'session-text', { namespace: 'message', description: { content: 'from the laptop' } });
    const first = await bob.expectMessage({ id: fromPhone.id });
    const second = await bob.expectMessage({ id: fromLaptop.id });
    expect([first.from, second.from]).to.deep.equal([`${r}/alice`, `${r}/alice`]);
    expect(first.sender).to.equal(phone.connectionId);
    expect(second.sender).to.equal(laptop.connectionId);
  });

  it('answers session-propose with trying even in a MUC with nobody else in it', async () => {
    const r = rid('muc');
    const a = await helloClient(srv().url(), 'alice');
    await a.join(r, 'muc');
    a.relay(r, 'session-propose', { ...call, description: {} });
    const trying = await a.expectMessage({ jsongle: { action: 'session-info' } });
    expect(trying.jsongle.reason).to.equal('trying');
    expect(trying.jsongle.sid).to.equal('sid-1');
  });

  it('acknowledges a session-text in a MUC with nobody else in it (no 404003 for MUCs)', async () => {
    const r = rid('muc');
    const a = await helloClient(srv().url(), 'alice');
    await a.join(r, 'muc');
    const sent = a.relay(r, 'session-text', { namespace: 'message', description: {} });
    const ack = await a.expectMessage({ jsongle: { action: 'session-event' } });
    expect(ack.jsongle.event).to.equal('ack');
    expect(ack.jsongle.description.mid).to.equal(sent.id);
  });

  it('answers session-propose in a MUC with trying to the sender and the propose to every other member', async () => {
    const r = rid('muc');
    const [a, b, c] = await mucGroup(srv().url(), r, ['alice', 'bob', 'carol']);
    const sent = a.relay(r, 'session-propose', { ...call, description: { media: 'audio' } });
    await a.expectMessage({ jsongle: { action: 'session-info', reason: 'trying' } });
    for (const m of [b, c]) expect((await m.expectMessage({ id: sent.id })).jsongle.action).to.equal('session-propose');
  });
});

describe('Relay: errors', () => {
  const srv = useTestServer({ id: SERVER_ID });

  it('answers a relay to a room the sender is not in with 404002 "Can\'t call - not in room <to>"', async () => {
    const r = rid();
    const [x, y] = await p2pPair(srv().url(), r);
    const a = await helloClient(srv().url(), 'alice');
    a.relay(r, 'session-text', { namespace: 'message', description: {} });
    const err = await a.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description).to.deep.equal({ errorCode: 404002, errorDetails: `Can't call - not in room ${r}` });
    await x.expectNoMessage();
    await y.expectNoMessage();
  });

  it('answers 404002 to a member of one room relaying to another room', async () => {
    const a = await helloClient(srv().url(), 'alice');
    await a.join(rid());
    const other = rid();
    a.relay(other, 'session-propose', { ...call, description: {} });
    const err = await a.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(404002);
    expect(err.jsongle.description.errorDetails).to.equal(`Can't call - not in room ${other}`);
  });

  it('answers 404002 to a relayed action addressed to the server id', async () => {
    const r = rid();
    const [a] = await p2pPair(srv().url(), r);
    a.relay(SERVER_ID, 'session-text', { namespace: 'message', description: {} });
    const err = await a.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description).to.deep.equal({ errorCode: 404002, errorDetails: `Can't call - not in room ${SERVER_ID}` });
  });

  for (const [label, description] of [['a string', 'text'], ['an array', [1]], ['null', null], ['a number', 3]] as const) {
    it(`answers a relay whose description is ${label} with session-error 400001`, async () => {
      const r = rid();
      const [a, b] = await p2pPair(srv().url(), r);
      a.relay(r, 'session-text', { namespace: 'message', description });
      const err = await a.expectMessage({ jsongle: { action: 'session-error' } });
      expect(err.jsongle.description.errorCode).to.equal(400001);
      await b.expectNoMessage();
    });
  }

  for (const [label, to] of [['missing', undefined], ['a number', 12], ['null', null]] as const) {
    it(`answers a relay whose to is ${label} with session-error 400001`, async () => {
      const r = rid();
      const [a, b] = await p2pPair(srv().url(), r);
      const env = a.envelope({ action: 'session-text', namespace: 'message', description: {} }, to);
      if (to === undefined) delete env.to;
      a.send(env);
      const err = await a.expectMessage({ jsongle: { action: 'session-error' } });
      expect(err.jsongle.description.errorCode).to.equal(400001);
      await b.expectNoMessage();
    });
  }

  for (const [label, action] of [['unknown', 'session-foo'], ['missing', undefined], ['not a string', 7], ['ack (server-only)', 'ack'], ['iq-get', 'iq-get']] as const) {
    it(`answers an action that is ${label} with session-error 405001`, async () => {
      const r = rid();
      const [a, b] = await p2pPair(srv().url(), r);
      const jsongle: Record<string, unknown> = { description: {} };
      if (action !== undefined) jsongle.action = action;
      a.send({ id: 'm1', from: a.connectionId, to: r, jsongle });
      const err = await a.expectMessage({ jsongle: { action: 'session-error' } });
      expect(err.jsongle.description.errorCode).to.equal(405001);
      await b.expectNoMessage();
    });
  }
});

describe('Relay: session-metrics', () => {
  const srv = useTestServer({ id: SERVER_ID });

  it('consumes session-metrics: nothing is relayed and the call duration and ICE failure are counted', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const { stats } = srv().server;
    const [seconds, failed] = [stats.callSeconds, stats.callsFailed];
    a.send(a.envelope({ action: 'session-metrics', description: { duration: 12, error: 'ice-failed' } }));
    // The answer to a later request proves the metrics frame was handled (frames are handled in order).
    await a.request('session-roster', {});
    expect(stats.callSeconds).to.equal(seconds + 12);
    expect(stats.callsFailed).to.equal(failed + 1);
    await b.expectNoMessage();
    await a.expectNoMessage();
  });

  it('reports session-metrics in GET /stats as p2p_duration_total and p2p_failed_total', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const initial = (await getJson(`${srv().restUrl}/stats`)).body;
    a.send(a.envelope({ action: 'session-metrics', description: { duration: 30, error: 'ice-failed' } }));
    await a.request('session-roster', {});
    const final = (await getJson(`${srv().restUrl}/stats`)).body;
    expect(final.p2p_duration_total).to.equal(initial.p2p_duration_total + 30);
    expect(final.p2p_failed_total).to.equal(initial.p2p_failed_total + 1);
  });

  it('ignores a duration that is not a finite non-negative number, so the counter stays a number', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const seconds = srv().server.stats.callSeconds;
    // 1e999 parses to Infinity: raw text is the only way to send it.
    a.sendRaw(`{"id":"m","to":"${SERVER_ID}","jsongle":{"action":"session-metrics","description":{"duration":1e999}}}`);
    for (const duration of ['12', -5, null, { s: 1 }, [3]]) {
      a.send(a.envelope({ action: 'session-metrics', description: { duration } }));
    }
    await a.request('session-roster', {});
    expect(srv().server.stats.callSeconds).to.equal(seconds);
    const stats = (await getJson(`${srv().restUrl}/stats`)).body;
    expect(Number.isFinite(stats.p2p_duration_total)).to.equal(true);
  });

  it('consumes session-metrics addressed to a room instead of relaying it', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const seconds = srv().server.stats.callSeconds;
    a.send(a.envelope({ action: 'session-metrics', description: { duration: 5 } }, r));
    await a.request('session-roster', {});
    expect(srv().server.stats.callSeconds).to.equal(seconds + 5);
    await b.expectNoMessage();
  });

  it('does not count a failure for session-metrics without an ice-failed error', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const failed = srv().server.stats.callsFailed;
    a.send(a.envelope({ action: 'session-metrics', description: { duration: 1, error: 'other' } }));
    await a.request('session-roster', {});
    expect(srv().server.stats.callsFailed).to.equal(failed);
  });
});

describe('Relay: ordering', () => {
  const srv = useTestServer({ id: SERVER_ID });

  it('delivers 200 messages from one sender to the peer in the order sent', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const N = 200;
    for (let i = 0; i < N; i++) a.relay(r, 'session-custom', { namespace: 'seq', description: { i } });
    for (let i = 0; i < N; i++) {
      const got = await b.next();
      expect(got.jsongle.description.i).to.equal(i);
    }
    for (let i = 0; i < N; i++) await a.expectMessage({ jsongle: { event: 'ack' } });
  });

  it('delivers 200 messages from one sender to every MUC member in the order sent', async () => {
    const r = rid('muc');
    const [a, b, c] = await mucGroup(srv().url(), r, ['alice', 'bob', 'carol']);
    const N = 200;
    for (let i = 0; i < N; i++) a.relay(r, 'transport-info', { ...call, description: { i } });
    for (const m of [b, c]) {
      for (let i = 0; i < N; i++) expect((await m.next()).jsongle.description.i).to.equal(i);
    }
  });

  it('delivers a relay before the left event when the sender leaves right after it', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const sent = a.relay(r, 'session-text', { namespace: 'message', description: { content: 'bye' } });
    a.send(a.envelope({ action: 'iq-set', query: 'session-leave', transaction: 't-leave', description: { rid: r } }));
    const first = await b.next();
    expect(first.id).to.equal(sent.id);
    const second = await b.next();
    expect(second.jsongle.event).to.equal('left');
  });
});
