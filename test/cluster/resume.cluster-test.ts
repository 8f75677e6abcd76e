/**
 * Resume across nodes (users-calls-sessions.md §4, docs/architecture.md "Across nodes"): a client
 * whose TCP connection vanished reconnects through another node (a load balancer's choice) with its
 * token. The session moves there: `resumed` with the right counts, the frames it missed in order
 * and exactly once, no `left` for anyone, the room's membership on the new node, its call still
 * working (its actor handed over from its persisted snapshot) and ending with the right metrics.
 * Tokens stay single-use and expired ones say so, through either node. No fixed waits.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { ConfigOverrides } from '../../src/config/types.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin.js';
import { ids } from '../helpers/call-steps.js';
import { helloClient, type TestClient } from '../helpers/client.js';
import { closeAllResumable, ResumableClient } from '../helpers/resumable-client.js';
import { waitFor } from '../helpers/wait.js';
import { mintToken } from '../../src/tools/token.js';
import { useInProcessNodes } from './helpers.js';
import type { InProcessNode } from './nodes.js';

const room = () => `xresume-${randomUUID()}`;
const texts = (c: ResumableClient, from = 0) => c.messages.slice(from).filter((m) => m.jsongle.action === 'session-text').map((m) => m.jsongle.description.n);

/** Alice (resumable) on `aliceNode`, Bob (plain) on `bobNode`, in one P2P room, Bob having heard Alice join. */
async function pair(aliceNode: InProcessNode, bobNode: InProcessNode, rid: string): Promise<[ResumableClient, TestClient]> {
  const bob = await helloClient(bobNode.url, 'callee-uid');
  await bob.join(rid);
  const alice = await ResumableClient.start(aliceNode.url, 'caller-uid');
  const transaction = randomUUID();
  alice.send({ id: randomUUID(), from: alice.connectionId, to: alice.serverId, jsongle: { action: 'iq-set', query: 'session-join', transaction, description: { rid } } });
  await alice.expect((m) => m.jsongle.transaction === transaction);
  await bob.expectMessage({ jsongle: { event: 'joined' } });
  return [alice, bob];
}

/** Alice calls Bob (propose, proceed, initiate, accept) and the call is active on Alice's node (its owner). */
async function answeredCall(alice: ResumableClient, bob: TestClient, rid: string, sid: string, owner: InProcessNode): Promise<void> {
  alice.relay(rid, 'session-propose', { ...ids(sid), description: { media: 'audio' } });
  await bob.expectMessage({ jsongle: { action: 'session-propose', sid } });
  bob.relay(rid, 'session-proceed', { ...ids(sid), description: {} });
  await alice.expect((m) => m.jsongle.action === 'session-proceed');
  alice.relay(rid, 'session-initiate', { ...ids(sid), description: {} });
  await bob.expectMessage({ jsongle: { action: 'session-initiate', sid } });
  bob.relay(rid, 'session-accept', { ...ids(sid), description: {} });
  await alice.expect((m) => m.jsongle.action === 'session-accept');
  await waitFor(() => owner.server.stats.callsInProgress === 1, 'the call to be active on its owner');
}

async function cutAndWaitSuspended(node: InProcessNode, alice: ResumableClient): Promise<void> {
  const before = node.server.stats.sessionsSuspended;
  alice.cut();
  await waitFor(() => node.server.stats.sessionsSuspended > before, 'the session to be suspended');
}

/** The room as the admin API of `node` reports it (cluster-wide): member id → node. */
async function membersByNode(node: InProcessNode, rid: string): Promise<Record<string, string>> {
  const r = await admin(node.restPort, 'GET', `/admin/rooms/${rid}`);
  const out: Record<string, string> = {};
  for (const m of (r.json?.members ?? []) as { id: string; node: string }[]) out[m.id] = m.node;
  return out;
}

describe('resume across nodes (two in-process nodes on one Redis)', function () {
  this.timeout(30_000);
  const overrides: ConfigOverrides = { adminToken: ADMIN_TOKEN, resume: { windowSec: 10, handoverTimeoutMs: 1000 } };
  const cluster = useInProcessNodes([{ id: 'xres-1', overrides }, { id: 'xres-2', overrides }]);
  const N1 = () => cluster.nodes[0];
  const N2 = () => cluster.nodes[1];
  afterEach(closeAllResumable);

  it('moves a vanished member\'s session to the node it reconnects to: resumed, the missed frames once and in order, no `left`, its call kept', async () => {
    const rid = room();
    const sid = randomUUID();
    const [alice, bob] = await pair(N1(), N2(), rid);
    await answeredCall(alice, bob, rid, sid, N1());
    const accepted = N1().server.stats.callsAccepted + N2().server.stats.callsAccepted;
    const ended = { ...N2().server.stats.callsEnded };
    const durations = N1().server.stats.callDurationSeconds.count + N2().server.stats.callDurationSeconds.count;
    const handovers = N2().server.stats.resumeHandoverSeconds.count;

    await cutAndWaitSuspended(N1(), alice);
    const usedToken = alice.token;
    for (let n = 0; n < 10; n++) bob.relay(rid, 'session-text', { description: { n } });
    for (let n = 0; n < 10; n++) await bob.expectMessage({ jsongle: { action: 'session-event', event: 'ack' } });

    const seenBefore = alice.received;
    alice.moveTo(N2().url);
    const resumed = await alice.resume();
    expect(resumed.jsongle, JSON.stringify(resumed)).to.include({ action: 'session-event', event: 'resumed' });
    expect(resumed.jsongle.description.id).to.equal(alice.connectionId);
    expect(resumed.jsongle.description.replayed).to.equal(10);
    // Alice sent: hello answer, join, propose, initiate = 4 frames the server got.
    expect(resumed.jsongle.description.received).to.equal(4);
    // The new token names the new node.
    expect(resumed.jsongle.description.resume.token.endsWith('.xres-2')).to.equal(true);
    await waitFor(() => texts(alice, seenBefore).length === 10, 'the 10 missed frames');
    expect(texts(alice, seenBefore)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const h = N2().server.stats.resumeHandoverSeconds;
    expect(h.count).to.equal(handovers + 1);
    console.log(`      hand-over (request → session installed on the new node): ${(h.sum / h.count * 1000).toFixed(2)} ms mean over ${h.count}`);

    // Relays both ways, on the new node; nothing more was replayed or duplicated.
    bob.relay(rid, 'session-text', { description: { n: 10 } });
    await waitFor(() => texts(alice, seenBefore).length === 11, 'live traffic after the move');
    alice.relay(rid, 'session-text', { description: { n: 100 } });
    await bob.expectMessage({ jsongle: { action: 'session-text', description: { n: 100 } } });
    expect(texts(alice, seenBefore)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await bob.expectNoMessage({ jsongle: { event: 'left' } });
    await bob.expectNoMessage({ jsongle: { event: 'joined' } });

    // The membership moved: both nodes' view of the room has Alice on node 2, Bob where he was.
    await waitFor(async () => (await membersByNode(N1(), rid))[alice.connectionId] === 'xres-2', 'node 1 to see Alice on node 2');
    expect(await membersByNode(N2(), rid)).to.deep.equal({ [alice.connectionId]: 'xres-2', [bob.connectionId]: 'xres-2' });
    expect(N1().server.inspectState().sessions).to.equal(0);

    // The call moved with its caller: the owner is node 2 now; a step still reaches it and ends it once.
    expect(N1().server.stats.callsInProgress + N2().server.stats.callsInProgress).to.equal(1);
    expect(N2().server.stats.callsInProgress).to.equal(1);
    bob.relay(rid, 'session-terminate', { ...ids(sid), description: {} });
    await alice.expect((m) => m.jsongle.action === 'session-terminate');
    await waitFor(() => N2().server.stats.callsInProgress === 0, 'the call to end on its new owner');
    expect(N2().server.stats.callsEnded.terminate ?? 0).to.equal((ended.terminate ?? 0) + 1);
    expect(N2().server.stats.callsEnded.gone ?? 0).to.equal(ended.gone ?? 0);
    expect(N1().server.stats.callsInProgress).to.equal(0);
    expect(N1().server.stats.callsAccepted + N2().server.stats.callsAccepted).to.equal(accepted);
    expect(N1().server.stats.callDurationSeconds.count + N2().server.stats.callDurationSeconds.count).to.equal(durations + 1);
    await waitFor(() => N1().server.inspectState().calls === 0 && N2().server.inspectState().calls === 0, 'no call record left on either node');

    // The token that was used is single-use, whichever node it is shown to.
    for (const node of [N1(), N2()]) {
      const intruder = new ResumableClient(node.url);
      const hello = await intruder.resume(0, usedToken);
      expect(hello.jsongle).to.include({ action: 'iq-get', query: 'session-hello' });
      expect(hello.jsongle.description.resumeFailed).to.equal('unknown');
      expect(hello.to).to.not.equal(alice.connectionId);
    }
  });

  it('delivers what its peer sends while the session moves exactly once and in order (forwarded by the old node, held by the new)', async () => {
    const rid = room();
    const [alice, bob] = await pair(N1(), N2(), rid);
    await cutAndWaitSuspended(N1(), alice);
    const seenBefore = alice.received;
    alice.moveTo(N2().url);
    const resuming = alice.resume();
    // Bob's frames spread over the loop turns of the hand-over (a yield per frame, no fixed wait).
    const total = 300;
    for (let n = 0; n < total; n++) {
      bob.relay(rid, 'session-text', { description: { n } });
      await new Promise((r) => setImmediate(r));
    }
    expect((await resuming).jsongle.event).to.equal('resumed');
    await waitFor(() => texts(alice, seenBefore).length >= total, `the ${total} frames`, 10_000).catch((err) => {
      const got = texts(alice, seenBefore) as number[];
      const missing = [...Array(total).keys()].filter((n) => !got.includes(n));
      console.log('      received', got.length, 'of', total, '; missing', missing.slice(0, 20));
      throw err;
    });
    await bob.expectNoMessage({ jsongle: { event: 'left' } });
    expect(texts(alice, seenBefore)).to.deep.equal([...Array(total).keys()]);
  });

  it('moves a session back and forth ten times, its peer\'s frames following it (and logs the hand-over latency)', async () => {
    const rid = room();
    const [alice, bob] = await pair(N1(), N2(), rid);
    const nodes = [N1(), N2()];
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const from = nodes[i % 2];
      const to = nodes[(i + 1) % 2];
      await cutAndWaitSuspended(from, alice);
      bob.relay(rid, 'session-text', { description: { n: i } });
      await bob.expectMessage({ jsongle: { action: 'session-event', event: 'ack' } });
      const h = to.server.stats.resumeHandoverSeconds;
      const sum = h.sum;
      alice.moveTo(to.url);
      expect((await alice.resume()).jsongle.event).to.equal('resumed');
      times.push((h.sum - sum) * 1000);
      expect(alice.token.endsWith(`.${to.nodeId}`)).to.equal(true);
    }
    await waitFor(() => texts(alice).length === 10, 'one frame per move');
    expect(texts(alice)).to.deep.equal([...Array(10).keys()]);
    await bob.expectNoMessage({ jsongle: { event: 'left' } });
    times.sort((x, y) => x - y);
    console.log(`      hand-over latency over 10 moves: median ${times[5].toFixed(2)} ms, max ${times[9].toFixed(2)} ms`);
  });

  it('closes the old socket with 4409 when a session still open on one node is resumed through the other', async () => {
    const rid = room();
    const [alice, bob] = await pair(N1(), N2(), rid);
    const twin = new ResumableClient(N2().url);
    const resumed = await twin.resume(alice.received, alice.token);
    expect(resumed.jsongle.event).to.equal('resumed');
    expect(resumed.jsongle.description.id).to.equal(alice.connectionId);
    await waitFor(() => alice.closes.includes(4409), 'the old socket to be closed 4409');
    bob.relay(rid, 'session-text', { description: { n: 1 } });
    await twin.expect((m) => m.jsongle.action === 'session-text');
    await bob.expectNoMessage({ jsongle: { event: 'left' } });
  });

  it('moves a callee whose caller stays: the call keeps its owner, which learns the callee\'s node', async () => {
    const rid = room();
    const sid = randomUUID();
    // Both on node 1: Alice calls, Bob answers; then Bob's connection vanishes and he reconnects to node 2.
    const bob = await ResumableClient.start(N1().url, 'callee-uid');
    const transaction = randomUUID();
    bob.send({ id: randomUUID(), from: bob.connectionId, to: bob.serverId, jsongle: { action: 'iq-set', query: 'session-join', transaction, description: { rid } } });
    await bob.expect((m) => m.jsongle.transaction === transaction);
    const alice = await helloClient(N1().url, 'caller-uid');
    await alice.join(rid);
    alice.relay(rid, 'session-propose', { ...ids(sid), description: { media: 'audio' } });
    await bob.expect((m) => m.jsongle.action === 'session-propose');
    bob.relay(rid, 'session-accept', { ...ids(sid), description: {} });
    await alice.expectMessage({ jsongle: { action: 'session-accept', sid } });
    await waitFor(() => N1().server.stats.callsInProgress === 1, 'the call to be active');
    const ended = { ...N1().server.stats.callsEnded };

    await cutAndWaitSuspended(N1(), bob);
    alice.relay(rid, 'session-text', { description: { n: 1 } });
    await alice.expectMessage({ jsongle: { action: 'session-event', event: 'ack' } });
    const seenBefore = bob.received;
    bob.moveTo(N2().url);
    const resumed = await bob.resume();
    expect(resumed.jsongle.event).to.equal('resumed');
    expect(resumed.jsongle.description.replayed).to.equal(1);
    await waitFor(() => texts(bob, seenBefore).length === 1, 'the missed frame');
    await alice.expectNoMessage({ jsongle: { event: 'left' } });

    // The caller's node still owns the call; the callee's step reaches it from node 2.
    expect(N1().server.stats.callsInProgress).to.equal(1);
    bob.relay(rid, 'session-terminate', { ...ids(sid), description: {} });
    await alice.expectMessage({ jsongle: { action: 'session-terminate', sid } });
    await waitFor(() => N1().server.stats.callsInProgress === 0, 'the call to end on its owner');
    expect(N1().server.stats.callsEnded.terminate ?? 0).to.equal((ended.terminate ?? 0) + 1);
    await waitFor(() => N1().server.inspectState().calls === 0 && N2().server.inspectState().calls === 0, 'no call record left on either node');
  });

  it('moves a caller away from its callee: the new node owns the call, the old one keeps the callee\'s mirror', async () => {
    const rid = room();
    const sid = randomUUID();
    const [alice, bob] = await pair(N1(), N1(), rid);
    await answeredCall(alice, bob, rid, sid, N1());
    const ended = { ...N2().server.stats.callsEnded };
    await cutAndWaitSuspended(N1(), alice);
    alice.moveTo(N2().url);
    expect((await alice.resume()).jsongle.event).to.equal('resumed');
    expect(N2().server.stats.callsInProgress).to.equal(1);
    expect(N1().server.stats.callsInProgress).to.equal(0);
    // Bob (node 1) and Alice (node 2) still talk; Bob's hang-up reaches the owner on node 2 through his node's mirror.
    alice.relay(rid, 'session-text', { description: { n: 1 } });
    await bob.expectMessage({ jsongle: { action: 'session-text', description: { n: 1 } } });
    bob.relay(rid, 'session-terminate', { ...ids(sid), description: {} });
    await alice.expect((m) => m.jsongle.action === 'session-terminate');
    await waitFor(() => N2().server.stats.callsInProgress === 0, 'the call to end on its new owner');
    expect(N2().server.stats.callsEnded.terminate ?? 0).to.equal((ended.terminate ?? 0) + 1);
    await waitFor(() => N1().server.inspectState().calls === 0 && N2().server.inspectState().calls === 0, 'no call record left on either node');
    await bob.expectNoMessage({ jsongle: { event: 'left' } });
  });

  it('logs and ignores hand-over messages it cannot read, and keeps serving', async () => {
    const cli = cluster.redis.cli();
    const errorsBefore = N1().logger.lines.filter((l) => l.message === 'unreadable resume hand-over message').length;
    await cli.publish('jsongle:n:xres-1', 'rnot json\n{"t":"h","req":"x"}\n{"t":"q"}\n{"t":"zz"}');
    // Each of the four is refused before anything acts on it (no answer goes to a node named by nobody).
    await waitFor(() => N1().logger.lines.filter((l) => l.message === 'unreadable resume hand-over message').length === errorsBefore + 4, 'the unreadable messages logged');
    const [alice, bob] = await pair(N1(), N2(), room());
    expect(alice.token.endsWith('.xres-1')).to.equal(true);
    await bob.expectNoMessage({ jsongle: { event: 'left' } });
  });

  it('answers a token naming a node that does not answer with a fresh session (resumeFailed "unknown") once the hand-over times out', async () => {
    const before = N2().server.stats.resumeFailed.handoverTimeout ?? 0;
    const stranger = new ResumableClient(N2().url);
    const hello = await stranger.resume(0, 'AAAAAAAAAAAAAAAAAAAAAAAA.no-such-node');
    expect(hello.jsongle.description.resumeFailed).to.equal('unknown');
    expect(N2().server.stats.resumeFailed.handoverTimeout).to.equal(before + 1);
    // A token whose node part is no node id is not sent anywhere: `unknown` at once.
    const other = new ResumableClient(N2().url);
    const hello2 = await other.resume(0, 'AAAAAAAAAAAAAAAAAAAAAAAA.bad%20node%0A');
    expect(hello2.jsongle.description.resumeFailed).to.equal('unknown');
    expect(N2().server.stats.resumeFailed.handoverTimeout).to.equal(before + 1);
  });
});

describe('resume across nodes with identity tokens', function () {
  this.timeout(30_000);
  const SECRET = 'cluster-resume-secret-0123456789abcdef';
  const overrides: ConfigOverrides = { resume: { windowSec: 10 }, auth: { jwtSecret: SECRET }, authFailureLimit: { perAddress: 0 } };
  const cluster = useInProcessNodes([{ id: 'xjwt-1', overrides }, { id: 'xjwt-2', overrides }]);
  afterEach(closeAllResumable);
  const jwt = (sub: string) => mintToken({ sub, ttlSec: 600, key: { secret: SECRET } });

  it('hands a session over only to the same user (sub): another user\'s token learns nothing and gets a fresh session', async () => {
    const [n1, n2] = cluster.nodes;
    const alice = await ResumableClient.start(`${n1.url}?token=${await jwt('alice')}`, 'alice');
    alice.cut();
    await waitFor(() => n1.server.stats.sessionsSuspended > 0, 'the session to be suspended');
    const mallory = new ResumableClient(`${n2.url}?token=${await jwt('mallory')}`);
    const hello = await mallory.resume(alice.received, alice.token);
    expect(hello.jsongle.description.resumeFailed).to.equal('unknown');
    expect(hello.to).to.not.equal(alice.connectionId);
    alice.moveTo(`${n2.url}?token=${await jwt('alice')}`);
    const resumed = await alice.resume();
    expect(resumed.jsongle.event).to.equal('resumed');
    expect(resumed.jsongle.description.id).to.equal(alice.connectionId);
  });
});

describe('resume across nodes: an expired session (short window)', function () {
  this.timeout(30_000);
  const overrides: ConfigOverrides = { resume: { windowSec: 1 } };
  const cluster = useInProcessNodes([{ id: 'xexp-1', overrides }, { id: 'xexp-2', overrides }]);
  afterEach(closeAllResumable);

  it('answers a token whose window passed on its node with resumeFailed "expired" through the other node', async () => {
    const [n1, n2] = cluster.nodes;
    const alice = await ResumableClient.start(n1.url, 'alice');
    const before = n1.server.stats.sessionsEnded.window ?? 0;
    alice.cut();
    await waitFor(() => (n1.server.stats.sessionsEnded.window ?? 0) > before, 'the window to pass', 5000);
    alice.moveTo(n2.url);
    const hello = await alice.resume();
    expect(hello.jsongle).to.include({ action: 'iq-get', query: 'session-hello' });
    expect(hello.jsongle.description.resumeFailed).to.equal('expired');
  });
});
