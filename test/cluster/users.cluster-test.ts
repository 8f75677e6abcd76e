/**
 * Users and direct calls across nodes (Redis engine, users-calls-sessions.md §2): alice on node A
 * calls bob's uid while bob has one device on node B and one on node C. The same cases as on one
 * node (test/integration/users/direct-calls.test.ts): both ring, alice gets one `trying`, the first
 * device to proceed is pinned, the other gets `answered-elsewhere`, a late answer 409001, the rest of
 * the call flows only between alice and the pinned device; messages reach both devices. Then a node
 * killed with SIGKILL while its device rings: the caller's chart hears that device gone, and a caller's
 * node killed: the ringing devices are retracted `gone` by their own nodes.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { helloClient, type Msg, type TestClient } from '../helpers/client.js';
import { waitFor } from '../helpers/wait.js';
import { useInProcessNodes, useNodeProcesses } from './helpers.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS } from './nodes.js';

/** A dead node's registrations are removed within TTL + one interval after its last heartbeat. */
const CLEANUP_BOUND_MS = HEARTBEAT_TTL_MS + HEARTBEAT_INTERVAL_MS;

async function registered(url: string, uid: string): Promise<TestClient> {
  const c = await helloClient(url, uid);
  const r = await c.request('session-register');
  expect(r.jsongle.action).to.equal('iq-result');
  return c;
}

const call = (sid: string) => ({ sid, initiator: 'alice', responder: 'bob' });

describe('users and direct calls across three nodes (in-process nodes on one Redis)', function () {
  this.timeout(30_000);
  const cluster = useInProcessNodes([{ id: 'users-a' }, { id: 'users-b' }, { id: 'users-c' }]);
  const url = (i: number) => cluster.nodes[i].url;

  it('register counts the devices of every node; unregister and a disconnect make the uid unreachable from another node', async () => {
    const uid = `bob-${randomUUID()}`;
    const d1 = await registered(url(1), uid);
    const d2 = await helloClient(url(2), uid);
    expect((await d2.request('session-register')).jsongle.description).to.deep.equal({ uid, devices: 2 });
    const alice = await registered(url(0), `alice-${randomUUID()}`);
    await d1.request('session-unregister');
    await d2.close();
    alice.relay(uid, 'session-text', { description: {} });
    const err = await alice.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(404005);
  });

  it('a propose to a uid rings the devices on two other nodes; the first proceed pins, the other is retracted, a late answer gets 409001, the call flows between alice and the pinned device', async () => {
    const bobUid = `bob-${randomUUID()}`;
    const alice = await registered(url(0), 'alice');
    const d1 = await registered(url(1), bobUid);
    const d2 = await registered(url(2), bobUid);
    const sid = randomUUID();
    alice.relay(bobUid, 'session-propose', { ...call(sid), description: { media: 'audio' } });
    await alice.expectMessage({ jsongle: { action: 'session-info', reason: 'trying', sid } });
    const rang1 = await d1.expectMessage({ jsongle: { action: 'session-propose', sid } });
    const rang2 = await d2.expectMessage({ jsongle: { action: 'session-propose', sid } });
    expect(rang1).to.include({ from: 'alice', to: d1.connectionId });
    expect(rang2).to.include({ from: 'alice', to: d2.connectionId });

    d1.relay('alice', 'session-info', { ...call(sid), reason: 'ringing' });
    await alice.expectMessage({ jsongle: { action: 'session-info', reason: 'ringing', sid } });
    d2.relay('alice', 'session-proceed', call(sid));
    const proceed = await alice.expectMessage({ jsongle: { action: 'session-proceed', sid } });
    expect(proceed).to.include({ from: bobUid, to: alice.connectionId });
    const retract = await d1.expectMessage({ jsongle: { action: 'session-retract', sid } });
    expect(retract.jsongle).to.include({ reason: 'answered-elsewhere' });

    d1.relay('alice', 'session-accept', call(sid));
    const late = await d1.expectMessage({ jsongle: { action: 'session-error' } });
    expect(late.jsongle.description.errorCode).to.equal(409001);

    alice.relay(bobUid, 'session-initiate', { ...call(sid), description: { sdp: 'offer' } });
    await d2.expectMessage({ jsongle: { action: 'session-initiate', sid } });
    d2.relay('alice', 'session-accept', { ...call(sid), description: { sdp: 'answer' } });
    await alice.expectMessage({ jsongle: { action: 'session-accept', sid } });
    await waitFor(() => cluster.nodes[0].server.stats.callsInProgress === 1, 'the call active on the owner');
    d2.relay('alice', 'transport-info', { ...call(sid), description: { candidate: 'c' } });
    await alice.expectMessage({ jsongle: { action: 'transport-info', sid } });
    alice.relay(bobUid, 'session-terminate', { ...call(sid), reason: 'success' });
    await d2.expectMessage({ jsongle: { action: 'session-terminate', sid } });
    await waitFor(() => cluster.nodes.every((n) => n.server.inspectState().calls === 0), 'the call and its mirrors gone on every node');
    await d1.expectNoMessageWithin(2 * HEARTBEAT_INTERVAL_MS, (m: Msg) => m.jsongle.sid === sid && m.jsongle.action !== 'session-error');
    expect(cluster.nodes[0].server.stats.callsEnded.terminate).to.be.at.least(1);
  });

  it('a message to a uid reaches its devices on both nodes and the sender gets the ack; a device gone while ringing tells the caller only when it was the last', async () => {
    const bobUid = `bob-${randomUUID()}`;
    const alice = await registered(url(0), 'alice');
    const d1 = await registered(url(1), bobUid);
    const d2 = await registered(url(2), bobUid);
    const sent = alice.relay(bobUid, 'session-text', { namespace: 'chat', description: { body: 'hi' } });
    for (const d of [d1, d2]) expect(await d.expectMessage({ jsongle: { action: 'session-text' } })).to.include({ from: 'alice', to: d.connectionId });
    const ack = await alice.expectMessage({ jsongle: { action: 'session-event', event: 'ack' } });
    expect(ack.jsongle.description.mid).to.equal(sent.id);

    const sid = randomUUID();
    alice.relay(bobUid, 'session-propose', call(sid));
    for (const d of [d1, d2]) await d.expectMessage({ jsongle: { action: 'session-propose', sid } });
    await d1.close();
    await alice.expectNoMessageWithin(2 * HEARTBEAT_INTERVAL_MS, { jsongle: { sid, reason: 'unreachable' } });
    await d2.close();
    const info = await alice.expectMessage({ jsongle: { action: 'session-info', sid, reason: 'unreachable' } });
    expect(info.jsongle.description.condition).to.equal('gone');
  });
});

describe('direct calls when a node is killed with SIGKILL while ringing', function () {
  this.timeout(30_000);
  const cluster = useNodeProcesses(['dc-caller', 'dc-device-1', 'dc-device-2'], { each: true });

  /** Alice on node 0 calls bob, whose devices sit on nodes 1 and 2; both ring. */
  async function ringingFork(): Promise<{ alice: TestClient; d1: TestClient; d2: TestClient; sid: string }> {
    const bobUid = `bob-${randomUUID()}`;
    const alice = await registered(cluster.nodes[0].url, 'alice');
    const d1 = await registered(cluster.nodes[1].url, bobUid);
    const d2 = await registered(cluster.nodes[2].url, bobUid);
    const sid = randomUUID();
    alice.relay(bobUid, 'session-propose', call(sid));
    for (const d of [d1, d2]) await d.expectMessage({ jsongle: { action: 'session-propose', sid } });
    return { alice, d1, d2, sid };
  }

  it('a device node killed: the call rings on; the last device node killed: the caller hears gone within the reaping bound', async () => {
    const { alice, d2, sid } = await ringingFork();
    cluster.nodes[1].proc.kill('SIGKILL');
    await alice.expectNoMessageWithin(CLEANUP_BOUND_MS + 500, { jsongle: { sid, reason: 'unreachable' } });
    // Still ringing on device 2: its answer reaches alice.
    d2.relay('alice', 'session-info', { ...call(sid), reason: 'ringing' });
    await alice.expectMessage({ jsongle: { action: 'session-info', reason: 'ringing', sid } });
    const killedAt = Date.now();
    cluster.nodes[2].proc.kill('SIGKILL');
    const info = await alice.expectMessage({ jsongle: { action: 'session-info', sid, reason: 'unreachable' } }, CLEANUP_BOUND_MS + 3000);
    const afterMs = Date.now() - killedAt;
    process.stdout.write(`      last device node killed while ringing: caller told gone after ${afterMs} ms (TTL ${HEARTBEAT_TTL_MS} ms, interval ${HEARTBEAT_INTERVAL_MS} ms)\n`);
    expect(info.jsongle.description.condition).to.equal('gone');
  });

  it('the caller node killed: every ringing device is retracted gone by its own node', async () => {
    const { d1, d2, sid } = await ringingFork();
    cluster.nodes[0].proc.kill('SIGKILL');
    for (const d of [d1, d2]) {
      const r = await d.expectMessage({ jsongle: { action: 'session-retract', sid } }, CLEANUP_BOUND_MS + 3000);
      expect(r.jsongle.reason).to.equal('gone');
    }
  });
});
