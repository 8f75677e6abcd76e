/**
 * Users across a resume on another node (issues 11 and 12 together): a registered session that
 * reconnects through the other node stays registered there (its directory entry moves with it), and
 * a direct call survives its caller's or a rung device's move: the call actor follows its caller
 * (persisted snapshot), a device's frames find the owner wherever it is.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { ConfigOverrides } from '../../src/config/types.js';
import { helloClient, type TestClient } from '../helpers/client.js';
import { closeAllResumable, ResumableClient } from '../helpers/resumable-client.js';
import { waitFor } from '../helpers/wait.js';
import { useInProcessNodes } from './helpers.js';
import type { InProcessNode } from './nodes.js';

const call = (sid: string) => ({ sid, initiator: 'alice', responder: 'bob' });

/** A resumable client registered at its uid. */
async function registeredResumable(node: InProcessNode, uid: string): Promise<ResumableClient> {
  const c = await ResumableClient.start(node.url, uid);
  const t = randomUUID();
  c.send({ id: randomUUID(), from: c.connectionId, to: c.serverId, jsongle: { action: 'iq-set', query: 'session-register', transaction: t } });
  await c.expect((m) => m.jsongle.transaction === t && m.jsongle.action === 'iq-result');
  return c;
}

async function registered(node: InProcessNode, uid: string): Promise<TestClient> {
  const c = await helloClient(node.url, uid);
  await c.request('session-register');
  return c;
}

/** Cuts the client's TCP connection, waits for its node to suspend it, then resumes through `to`. */
async function moveTo(c: ResumableClient, from: InProcessNode, to: InProcessNode): Promise<void> {
  const before = from.server.stats.sessionsSuspended;
  c.cut();
  await waitFor(() => from.server.stats.sessionsSuspended > before, 'the session to be suspended');
  c.moveTo(to.url);
  const resumed = await c.resume();
  expect(resumed.jsongle.event, JSON.stringify(resumed)).to.equal('resumed');
}

describe('users across a resume on another node (two in-process nodes on one Redis)', function () {
  this.timeout(30_000);
  const overrides: ConfigOverrides = { resume: { windowSec: 10, handoverTimeoutMs: 1000 } };
  const cluster = useInProcessNodes([{ id: 'uxres-1', overrides }, { id: 'uxres-2', overrides }]);
  const N1 = () => cluster.nodes[0];
  const N2 = () => cluster.nodes[1];
  afterEach(closeAllResumable);

  it('a registered session moved to the other node stays registered there: reachable at its uid, counted on its new node only', async () => {
    const uid = `bob-${randomUUID()}`;
    const bob = await registeredResumable(N1(), uid);
    const alice = await registered(N1(), `alice-${randomUUID()}`);
    const before = { n1: N1().server.stats.registeredConnections, n2: N2().server.stats.registeredConnections };
    await moveTo(bob, N1(), N2());
    await waitFor(() => N2().server.stats.registeredConnections === before.n2 + 1 && N1().server.stats.registeredConnections === before.n1 - 1, 'the registration counted on its new node');
    const seen = bob.messages.length;
    alice.relay(uid, 'session-text', { description: { n: 1 } });
    await alice.expectMessage({ jsongle: { action: 'session-event', event: 'ack' } });
    const got = await bob.expect((m) => m.jsongle.action === 'session-text', 2000, seen);
    expect(got).to.include({ from: alice.uid, to: bob.connectionId });
    // Still registered: unregister answers the uid.
    const u = randomUUID();
    bob.send({ id: randomUUID(), from: bob.connectionId, to: bob.serverId, jsongle: { action: 'iq-set', query: 'session-unregister', transaction: u } });
    const answer = await bob.expect((m) => m.jsongle.transaction === u);
    expect(answer.jsongle.description).to.deep.equal({ uid });
  });

  it('a registered session that moved and then ended is nobody\'s on its old node either: a message there gets 404005, a propose unreachable', async () => {
    const uid = `bob-${randomUUID()}`;
    const bob = await registeredResumable(N1(), uid);
    const alice = await registered(N1(), `alice-${randomUUID()}`);
    const before = N2().server.stats.registeredConnections;
    await moveTo(bob, N1(), N2());
    await waitFor(() => N2().server.stats.registeredConnections === before + 1, 'the registration taken over by the new node');
    await bob.close();
    await waitFor(() => N2().server.stats.registeredConnections === before, 'the registration gone with the session');
    alice.relay(uid, 'session-text', { description: { n: 1 } });
    const error = await alice.expectMessage({ jsongle: { action: 'session-error' } });
    expect(error.jsongle.description.errorCode, JSON.stringify(error)).to.equal(404005);
    const sid = randomUUID();
    alice.relay(uid, 'session-propose', call(sid));
    await alice.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable', sid } });
  });

  it('a direct call whose caller moves goes on from its new node: the device\'s frames reach it, it ends there with the right figures', async () => {
    const bobUid = `bob-${randomUUID()}`;
    const alice = await registeredResumable(N1(), 'alice');
    const bob = await registered(N2(), bobUid);
    const sid = randomUUID();
    alice.relay(bobUid, 'session-propose', call(sid));
    await bob.expectMessage({ jsongle: { action: 'session-propose', sid } });
    bob.relay('alice', 'session-proceed', call(sid));
    await alice.expect((m) => m.jsongle.action === 'session-proceed');
    alice.relay(bobUid, 'session-initiate', { ...call(sid), description: { sdp: 'offer' } });
    await bob.expectMessage({ jsongle: { action: 'session-initiate', sid } });
    bob.relay('alice', 'session-accept', { ...call(sid), description: { sdp: 'answer' } });
    await alice.expect((m) => m.jsongle.action === 'session-accept');
    await waitFor(() => N1().server.stats.callsInProgress === 1, 'the call active on its owner');

    await moveTo(alice, N1(), N2());
    await waitFor(() => N2().server.stats.callsInProgress === 1 && N1().server.stats.callsInProgress === 0, 'the call counted on its new owner');
    const seen = alice.messages.length;
    bob.relay('alice', 'transport-info', { ...call(sid), description: { candidate: 'c' } });
    await alice.expect((m) => m.jsongle.action === 'transport-info', 2000, seen);
    const terminated = N2().server.stats.callsEnded.terminate ?? 0;
    alice.relay(bobUid, 'session-terminate', { ...call(sid), reason: 'success' });
    await bob.expectMessage({ jsongle: { action: 'session-terminate', sid } });
    await waitFor(() => (N2().server.stats.callsEnded.terminate ?? 0) === terminated + 1, 'the call ended on its new owner');
    expect(N1().server.stats.callsEnded.gone ?? 0).to.equal(0);
    await waitFor(() => N1().server.inspectState().calls === 0 && N2().server.inspectState().calls === 0, 'no call left on either node');
  });

  it('a rung device that moves to the owner\'s node answers from there: the call pins it and flows', async () => {
    const bobUid = `bob-${randomUUID()}`;
    const alice = await registered(N1(), 'alice');
    const bob = await registeredResumable(N2(), bobUid);
    const sid = randomUUID();
    alice.relay(bobUid, 'session-propose', call(sid));
    await alice.expectMessage({ jsongle: { action: 'session-info', reason: 'trying', sid } });
    await bob.expect((m) => m.jsongle.action === 'session-propose' && m.jsongle.sid === sid);

    await moveTo(bob, N2(), N1());
    bob.relay('alice', 'session-proceed', call(sid));
    const proceed = await alice.expectMessage({ jsongle: { action: 'session-proceed', sid } });
    expect(proceed).to.include({ from: bobUid, to: alice.connectionId });
    const seen = bob.messages.length;
    alice.relay(bobUid, 'session-initiate', { ...call(sid), description: { sdp: 'offer' } });
    await bob.expect((m) => m.jsongle.action === 'session-initiate', 2000, seen);
    alice.relay(bobUid, 'session-retract', call(sid));
    await bob.expect((m) => m.jsongle.action === 'session-retract', 2000, seen);
    await waitFor(() => N1().server.inspectState().calls === 0 && N2().server.inspectState().calls === 0, 'no call left on either node');
  });

  it('a rung device that moves away from the owner\'s node answers from its new node through the bus; its departure there ends the call for the caller', async () => {
    const bobUid = `bob-${randomUUID()}`;
    const alice = await registered(N1(), 'alice');
    const bob = await registeredResumable(N1(), bobUid);
    const sid = randomUUID();
    alice.relay(bobUid, 'session-propose', call(sid));
    await bob.expect((m) => m.jsongle.action === 'session-propose' && m.jsongle.sid === sid);

    await moveTo(bob, N1(), N2());
    bob.relay('alice', 'session-proceed', call(sid));
    await alice.expectMessage({ jsongle: { action: 'session-proceed', sid } });
    await bob.close();
    const info = await alice.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable', sid } });
    expect(info.jsongle.description.condition).to.equal('gone');
    await waitFor(() => N1().server.inspectState().calls === 0 && N2().server.inspectState().calls === 0, 'no call left on either node');
  });
});

describe('a directory answer that comes back while the session is suspended (Redis engine)', function () {
  this.timeout(30_000);
  const overrides: ConfigOverrides = { resume: { windowSec: 10 }, cluster: { commandTimeoutMs: 5000 } };
  const cluster = useInProcessNodes([{ id: 'uxsus-1', overrides }]);
  const N1 = () => cluster.nodes[0];
  afterEach(closeAllResumable);

  it('a session-register whose answer comes after the socket vanished: registered, and the answer replayed on the resume', async () => {
    const uid = `bob-${randomUUID()}`;
    const bob = await ResumableClient.start(N1().url, uid);
    const registeredBefore = N1().server.stats.registeredConnections;
    cluster.redis.pause();
    let paused = true;
    try {
      const t = randomUUID();
      bob.send({ id: randomUUID(), from: bob.connectionId, to: bob.serverId, jsongle: { action: 'iq-set', query: 'session-register', transaction: t } });
      // Answered in order after it: the register was received (and waits for Redis).
      const probe = randomUUID();
      bob.send({ id: randomUUID(), from: bob.connectionId, to: bob.serverId, jsongle: { action: 'iq-set', query: 'ice-servers', transaction: probe } });
      await bob.expect((m) => m.jsongle.transaction === probe);
      const before = N1().server.stats.sessionsSuspended;
      bob.cut();
      await waitFor(() => N1().server.stats.sessionsSuspended > before, 'the session to be suspended');
      cluster.redis.resume();
      paused = false;
      await waitFor(() => N1().server.stats.registeredConnections === registeredBefore + 1, 'the registration recorded');
      const seen = bob.messages.length;
      const resumed = await bob.resume();
      expect(resumed.jsongle.event).to.equal('resumed');
      const answer = await bob.expect((m) => m.jsongle.transaction === t, 2000, seen);
      expect(answer.jsongle.action).to.equal('iq-result');
      expect(answer.jsongle.description).to.deep.equal({ uid, devices: 1 });
      // Registered in the chart too: unregister answers the uid (not 404004).
      const u = randomUUID();
      bob.send({ id: randomUUID(), from: bob.connectionId, to: bob.serverId, jsongle: { action: 'iq-set', query: 'session-unregister', transaction: u } });
      expect((await bob.expect((m) => m.jsongle.transaction === u)).jsongle.description).to.deep.equal({ uid });
    } finally {
      if (paused) cluster.redis.resume();
    }
  });
});
