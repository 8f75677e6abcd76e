/**
 * Users and direct calls over real sockets (users-calls-sessions.md §2): alice (registered) calls
 * bob's uid while bob has two registered devices; forking, pinning, the server-made retract, 409001,
 * messages to every device, unreachable answers, and the room-only behaviour kept for senders that
 * never registered.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { closeAllClients, helloClient, type Msg, type TestClient } from '../../helpers/client.js';
import { isIsoDate } from '../../helpers/ids.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

async function registered(srv: TestServer, uid: string): Promise<TestClient> {
  const c = await helloClient(srv.url(), uid);
  const r = await c.request('session-register');
  expect(r.jsongle.action).to.equal('iq-result');
  return c;
}

const call = (sid: string) => ({ sid, initiator: 'alice', responder: 'bob' });

describe('users: session-register and direct calls (one node)', function () {
  let srv: TestServer;
  before(async () => { srv = await startTestServer(); });
  after(async () => { await srv.stop(); });
  afterEach(closeAllClients);

  it('session-register answers uid and devices (idempotent); unregister answers uid, then 404004; before hello 403002', async () => {
    const b1 = await helloClient(srv.url(), 'bob-reg');
    const first = await b1.request('session-register');
    expect(first.jsongle.description).to.deep.equal({ uid: 'bob-reg', devices: 1 });
    expect((await b1.request('session-register')).jsongle.description).to.deep.equal({ uid: 'bob-reg', devices: 1 });
    const b2 = await helloClient(srv.url(), 'bob-reg');
    expect((await b2.request('session-register')).jsongle.description).to.deep.equal({ uid: 'bob-reg', devices: 2 });
    expect((await b1.request('session-unregister')).jsongle.description).to.deep.equal({ uid: 'bob-reg' });
    const again = await b1.request('session-unregister');
    expect(again.jsongle).to.include({ action: 'iq-error' });
    expect(again.jsongle.description.errorCode).to.equal(404004);

    const { TestClient } = await import('../../helpers/client.js');
    const early = await TestClient.connect(srv.url());
    await early.waitHelloRequest();
    const refused = await early.request('session-register');
    expect(refused.jsongle.description.errorCode).to.equal(403002);
  });

  it('a propose to a uid rings both devices, one trying; device 2 proceeds, device 1 is retracted, the call flows between alice and device 2', async () => {
    const alice = await registered(srv, 'alice');
    const d1 = await registered(srv, 'bob');
    const d2 = await registered(srv, 'bob');
    const sid = randomUUID();
    alice.relay('bob', 'session-propose', { ...call(sid), description: { media: 'audio' } });
    await alice.expectMessage({ jsongle: { action: 'session-info', reason: 'trying', sid } });
    const rang1 = await d1.expectMessage({ jsongle: { action: 'session-propose', sid } });
    const rang2 = await d2.expectMessage({ jsongle: { action: 'session-propose', sid } });
    expect(rang1).to.include({ from: 'alice', to: d1.connectionId });
    expect(rang2).to.include({ from: 'alice', to: d2.connectionId });

    d2.relay('alice', 'session-proceed', call(sid));
    const proceed = await alice.expectMessage({ jsongle: { action: 'session-proceed', sid } });
    expect(proceed).to.include({ from: 'bob', to: alice.connectionId });
    expect(isIsoDate(proceed.jsongle.description.relayed)).to.equal(true);
    const retract = await d1.expectMessage({ jsongle: { action: 'session-retract', sid } });
    expect(retract.jsongle).to.include({ reason: 'answered-elsewhere', initiator: 'alice', responder: 'bob' });
    expect(isIsoDate(retract.jsongle.description.ended)).to.equal(true);

    // A late answer from device 1: 409001, nothing reaches alice.
    d1.relay('alice', 'session-proceed', call(sid));
    const late = await d1.expectMessage({ jsongle: { action: 'session-error' } });
    expect(late.jsongle.description.errorCode).to.equal(409001);

    // The rest flows only between alice and device 2.
    alice.relay('bob', 'session-initiate', { ...call(sid), description: { sdp: 'offer' } });
    await d2.expectMessage({ jsongle: { action: 'session-initiate', sid } });
    d2.relay('alice', 'session-accept', { ...call(sid), description: { sdp: 'answer' } });
    await alice.expectMessage({ jsongle: { action: 'session-accept', sid } });
    alice.relay('bob', 'session-terminate', { ...call(sid), reason: 'success' });
    await d2.expectMessage({ jsongle: { action: 'session-terminate', sid } });
    await d1.expectNoMessage((m: Msg) => m.jsongle.sid === sid);
    await alice.expectNoMessage((m: Msg) => m.jsongle.action === 'session-proceed');
  });

  it('a decline on one device retracts the others with declined-elsewhere', async () => {
    const alice = await registered(srv, 'alice-d');
    const d1 = await registered(srv, 'bob-d');
    const d2 = await registered(srv, 'bob-d');
    const sid = randomUUID();
    alice.relay('bob-d', 'session-propose', call(sid));
    await d1.expectMessage({ jsongle: { action: 'session-propose', sid } });
    await d2.expectMessage({ jsongle: { action: 'session-propose', sid } });
    d1.relay('alice-d', 'session-decline', call(sid));
    await alice.expectMessage({ jsongle: { action: 'session-decline', sid } });
    const retract = await d2.expectMessage({ jsongle: { action: 'session-retract', sid } });
    expect(retract.jsongle.reason).to.equal('declined-elsewhere');
  });

  it('a call to an unregistered uid gets session-info unreachable; a message gets 404005', async () => {
    const alice = await registered(srv, 'alice-u');
    const sid = randomUUID();
    alice.relay('nobody', 'session-propose', call(sid));
    const info = await alice.expectMessage({ jsongle: { action: 'session-info', sid } });
    expect(info.jsongle).to.include({ reason: 'unreachable', initiator: 'alice', responder: 'bob' });
    expect(isIsoDate(info.jsongle.description.ended)).to.equal(true);
    alice.relay('nobody', 'session-text', { description: { body: 'hi' } });
    const err = await alice.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(404005);
  });

  it('a message to a uid reaches both devices and the sender gets the server ack', async () => {
    const alice = await registered(srv, 'alice-m');
    const d1 = await registered(srv, 'bob-m');
    const d2 = await registered(srv, 'bob-m');
    const sent = alice.relay('bob-m', 'session-text', { namespace: 'chat', description: { body: 'hello' } });
    for (const d of [d1, d2]) {
      const m = await d.expectMessage({ jsongle: { action: 'session-text' } });
      expect(m).to.include({ from: 'alice-m', to: d.connectionId });
      expect(m.jsongle.description.body).to.equal('hello');
    }
    const ack = await alice.expectMessage({ jsongle: { action: 'session-event', event: 'ack' } });
    expect(ack.jsongle.description.mid).to.equal(sent.id);
    alice.relay('bob-m', 'session-event', { namespace: 'chat', event: 'reaction', description: {} });
    for (const d of [d1, d2]) await d.expectMessage({ jsongle: { action: 'session-event', event: 'reaction' } });
    // The figures: alice and bob's two devices registered; each message counted once by action.
    const s = srv.server.stats;
    expect(s.registeredConnections).to.be.at.least(3);
    expect(s.registeredUsers).to.be.at.least(2);
    expect(s.directRelayed['session-text']).to.be.at.least(1);
    expect(s.directRelayed['session-event']).to.be.at.least(1);
  });

  it('unregister and disconnect make bob unreachable', async () => {
    const alice = await registered(srv, 'alice-x');
    const d1 = await registered(srv, 'bob-x');
    const d2 = await registered(srv, 'bob-x');
    await d1.request('session-unregister');
    await d2.close();
    alice.relay('bob-x', 'session-text', { description: {} });
    const err = await alice.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(404005);
    await d1.expectNoMessage((m: Msg) => m.jsongle.action === 'session-text');
  });

  it('a caller gone while ringing: every ringing device gets session-retract gone', async () => {
    const alice = await registered(srv, 'alice-g');
    const d1 = await registered(srv, 'bob-g');
    const d2 = await registered(srv, 'bob-g');
    const sid = randomUUID();
    alice.relay('bob-g', 'session-propose', call(sid));
    await d1.expectMessage({ jsongle: { action: 'session-propose', sid } });
    await d2.expectMessage({ jsongle: { action: 'session-propose', sid } });
    await alice.close();
    for (const d of [d1, d2]) {
      const r = await d.expectMessage({ jsongle: { action: 'session-retract', sid } });
      expect(r.jsongle.reason).to.equal('gone');
    }
  });

  it('the pinned device gone: the caller gets session-info unreachable gone; one of two ringing devices gone changes nothing', async () => {
    const alice = await registered(srv, 'alice-p');
    const d1 = await registered(srv, 'bob-p');
    const d2 = await registered(srv, 'bob-p');
    const d3 = await registered(srv, 'bob-p');
    const sid = randomUUID();
    alice.relay('bob-p', 'session-propose', call(sid));
    await alice.expectMessage({ jsongle: { action: 'session-info', reason: 'trying', sid } });
    for (const d of [d1, d2, d3]) await d.expectMessage({ jsongle: { action: 'session-propose', sid } });
    await d3.close();
    await alice.expectNoMessage((m: Msg) => m.jsongle.sid === sid);
    d2.relay('alice-p', 'session-proceed', call(sid));
    await alice.expectMessage({ jsongle: { action: 'session-proceed', sid } });
    await d1.expectMessage({ jsongle: { action: 'session-retract', sid, reason: 'answered-elsewhere' } });
    await d2.close();
    const info = await alice.expectMessage({ jsongle: { action: 'session-info', sid } });
    expect(info.jsongle).to.include({ reason: 'unreachable' });
    expect(info.jsongle.description.condition).to.equal('gone');
  });

  it('a registered stranger to a direct call gets 409002 and nothing is relayed', async () => {
    const alice = await registered(srv, 'alice-s');
    const bob = await registered(srv, 'bob-s');
    const mallory = await registered(srv, 'mallory-s');
    const sid = randomUUID();
    alice.relay('bob-s', 'session-propose', call(sid));
    await bob.expectMessage({ jsongle: { action: 'session-propose', sid } });
    mallory.relay('alice-s', 'session-proceed', call(sid));
    const err = await mallory.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(409002);
    await alice.expectNoMessage((m: Msg) => m.jsongle.action === 'session-proceed');
  });

  it('an unregistered sender addressing a uid still gets 404002', async () => {
    await registered(srv, 'bob-n');
    const stranger = await helloClient(srv.url(), 'carol-n');
    stranger.relay('bob-n', 'session-propose', call(randomUUID()));
    const err = await stranger.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(404002);
  });

  it('a `to` no hello could claim (too long, a slash, a control character) is nobody: unreachable at once, no lookup', async () => {
    const alice = await registered(srv, 'alice-bad');
    for (const to of ['x'.repeat(5000), 'room/alice-bad', 'bob\u0007']) {
      const sid = randomUUID();
      alice.relay(to, 'session-propose', call(sid));
      const info = await alice.expectMessage({ jsongle: { action: 'session-info', sid } });
      expect(info.jsongle.reason).to.equal('unreachable');
      alice.relay(to, 'session-text', { description: {} });
      const err = await alice.expectMessage({ jsongle: { action: 'session-error' } });
      expect(err.jsongle.description.errorCode).to.equal(404005);
    }
  });

  it('one sid, one call: a direct propose reusing a live room call\'s sid starts no second call, and a room propose reusing a direct call\'s sid neither', async () => {
    const alice = await registered(srv, 'alice-sid');
    const bob = await registered(srv, 'bob-sid');
    const dave = await registered(srv, 'dave-sid');
    const rid = `sid-room-${randomUUID()}`;
    await alice.join(rid);
    await bob.join(rid);
    await alice.expectMessage({ jsongle: { event: 'joined' } });
    const roomSid = randomUUID();
    alice.relay(rid, 'session-propose', call(roomSid));
    await bob.expectMessage({ jsongle: { action: 'session-propose', sid: roomSid } });
    const calls = srv.server.inspectState().calls;
    // Forked as sent, but no direct call holds the room call's sid: dave's answer is relayed to alice's uid, the room call untouched.
    alice.relay('dave-sid', 'session-propose', call(roomSid));
    await dave.expectMessage({ jsongle: { action: 'session-propose', sid: roomSid } });
    expect(srv.server.inspectState().calls).to.equal(calls);
    // The other way: a direct call's sid proposed again in a room starts no room call.
    const directSid = randomUUID();
    alice.relay('dave-sid', 'session-propose', call(directSid));
    await dave.expectMessage({ jsongle: { action: 'session-propose', sid: directSid } });
    expect(srv.server.inspectState().calls).to.equal(calls + 1);
    const rid2 = `sid-room-${randomUUID()}`;
    await alice.join(rid2);
    await dave.join(rid2);
    await alice.expectMessage({ jsongle: { event: 'joined' } });
    alice.relay(rid2, 'session-propose', call(directSid));
    await dave.expectMessage({ jsongle: { action: 'session-propose', sid: directSid } });
    expect(srv.server.inspectState().calls).to.equal(calls + 1);
  });

  it('a room named like a uid still wins for its members', async () => {
    const alice = await registered(srv, 'alice-r');
    await registered(srv, 'dana-r');
    const peer = await helloClient(srv.url(), 'erin-r');
    await alice.join('dana-r');
    await peer.join('dana-r');
    await alice.expectMessage({ jsongle: { event: 'joined' } });
    alice.relay('dana-r', 'session-text', { description: { body: 'room' } });
    const m = await peer.expectMessage({ jsongle: { action: 'session-text' } });
    expect(m.from).to.equal('dana-r');
  });
});

describe('users: the per-connection direct call limit', function () {
  let srv: TestServer;
  before(async () => { srv = await startTestServer({ users: { maxDirectCallsPerConnection: 1 } }); });
  after(async () => { await srv.stop(); });
  afterEach(closeAllClients);

  it('a second direct call not over is answered busy, counted, and not relayed; once the first ends a new one goes', async () => {
    const alice = await registered(srv, 'alice');
    const bob = await registered(srv, 'bob');
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
    alice.relay('bob', 'session-propose', call(first));
    await alice.expectMessage({ jsongle: { action: 'session-info', reason: 'trying', sid: first } });
    await bob.expectMessage({ jsongle: { action: 'session-propose', sid: first } });
    const refused = srv.server.stats.callsEnded.busy ?? 0;
    alice.relay('bob', 'session-propose', call(second));
    const busy = await alice.expectMessage({ jsongle: { action: 'session-info', sid: second } });
    expect(busy.jsongle).to.include({ reason: 'unreachable' });
    expect(busy.jsongle.description.condition).to.equal('busy');
    expect(srv.server.stats.callsEnded.busy).to.equal(refused + 1);
    await bob.expectNoMessage((m: Msg) => m.jsongle.sid === second);
    await alice.expectNoMessage((m: Msg) => m.jsongle.reason === 'trying');

    alice.relay('bob', 'session-retract', call(first));
    await bob.expectMessage({ jsongle: { action: 'session-retract', sid: first } });
    alice.relay('bob', 'session-propose', call(third));
    await alice.expectMessage({ jsongle: { action: 'session-info', reason: 'trying', sid: third } });
    await bob.expectMessage({ jsongle: { action: 'session-propose', sid: third } });
  });
});

describe('users: the devices-per-user limit, and registration across a resume', function () {
  let srv: TestServer;
  before(async () => { srv = await startTestServer({ users: { maxDevicesPerUser: 2 } }); });
  after(async () => { await srv.stop(); });
  afterEach(closeAllClients);

  it('one more device than users.maxDevicesPerUser gets iq-error 403009, counted; the same device again still succeeds; a free seat is taken again', async () => {
    const d1 = await registered(srv, 'many');
    const d2 = await registered(srv, 'many');
    const d3 = await helloClient(srv.url(), 'many');
    const refused = await d3.request('session-register');
    expect(refused.jsongle.action).to.equal('iq-error');
    expect(refused.jsongle.description).to.deep.equal({ errorCode: 403009, errorDetails: 'Max number of devices per user already reached' });
    expect(srv.server.stats.registrationsRefused.full).to.equal(1);
    expect((await d2.request('session-register')).jsongle.description).to.deep.equal({ uid: 'many', devices: 2 });
    // Still unregistered: d3 addressing a uid keeps the room-only answer.
    d3.relay('many', 'session-text', { description: {} });
    expect((await d3.expectMessage({ jsongle: { action: 'session-error' } })).jsongle.description.errorCode).to.equal(404002);
    await d1.close();
    await waitFor(() => srv.server.stats.registeredConnections === 1, 'd1 released');
    expect((await d3.request('session-register')).jsongle.description).to.deep.equal({ uid: 'many', devices: 2 });
  });
});
