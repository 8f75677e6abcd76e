/**
 * Calls whose two parties sit on two nodes (Redis engine): the same cases as the one-node call
 * tests (test/integration/protocol/call-actors.test.ts), with the caller on node A — the owner of
 * the call actor — and the callee on node B, which keeps the call's mirror. Then the owner killed
 * with SIGKILL: the surviving callee hears `gone` within the reaping bound.
 *
 * Metrics: the owner (the caller's node) counts the call (p2p_count, p2p_total, set-up and duration,
 * ended by reason, the call-detail line); the callee's node counts nothing of it.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { callFigures, expectEnding, ids, propose, step, type CallFigures } from '../helpers/call-steps.js';
import { CallStates } from '../helpers/call-states.js';
import { helloClient, type TestClient } from '../helpers/client.js';
import { waitFor } from '../helpers/wait.js';
import { useInProcessNodes, useNodeProcesses } from './helpers.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS, type InProcessNode } from './nodes.js';

const room = () => `call-${randomUUID()}`;
/** A dead node's members are removed within TTL + one interval after its last heartbeat. */
const CLEANUP_BOUND_MS = HEARTBEAT_TTL_MS + HEARTBEAT_INTERVAL_MS;


/** Caller on `callerUrl`, callee on `calleeUrl`, both in one P2P room, each knowing the other is there. */
async function pair(callerUrl: string, calleeUrl: string, rid: string): Promise<[TestClient, TestClient]> {
  const a = await helloClient(callerUrl, 'caller-uid', 'Caller Name');
  const b = await helloClient(calleeUrl, 'callee-uid', 'Callee Name');
  await a.join(rid);
  await b.join(rid);
  await a.expectMessage({ jsongle: { event: 'joined' } });
  return [a, b];
}

describe('calls across two nodes (in-process nodes on one Redis)', function () {
  this.timeout(30_000);
  const ownerStates = new CallStates();
  const overrides = { calls: { ringTimeoutSec: 1 } };
  const cluster = useInProcessNodes([
    { id: 'calls-a', overrides, inspect: ownerStates.inspect },
    { id: 'calls-b', overrides },
  ]);
  const A = () => cluster.nodes[0];
  const B = () => cluster.nodes[1];
  /** The mirror on the callee's node: known there while the call lives, gone with it. */
  const mirrors = () => B().server.inspectState().calls;

  it('drives the owner\'s call actor through every state with the callee\'s actions coming over the bus, and counts it on the owner only', async () => {
    const rid = room();
    const sid = randomUUID();
    const [a, b] = await pair(A().url, B().url, rid);
    const beforeA = figures(A());
    const beforeB = figures(B());

    await propose(a, b, rid, sid);
    await ownerStates.reach(sid, { starting: 'proposed' });
    expect(figures(A()).calls).to.equal(beforeA.calls + 1);
    // The mirror reached B before the propose did (same ordered connection).
    expect(mirrors()).to.equal(beforeB.calls + 1);
    await step(b, a, rid, sid, 'session-info', 'ringing');
    await ownerStates.reach(sid, { starting: 'ringing' });
    await step(b, a, rid, sid, 'session-proceed');
    await ownerStates.reach(sid, { pending: 'proceeded' });
    await step(a, b, rid, sid, 'session-initiate');
    await step(b, a, rid, sid, 'session-accept');
    await ownerStates.reach(sid, 'active');
    let now = figures(A());
    expect([now.p2pCount, now.p2pTotal, now.setups]).to.deep.equal([beforeA.p2pCount + 1, beforeA.p2pTotal + 1, beforeA.setups + 1]);

    // transport-info and other session-info are relayed both ways and move nothing.
    await step(a, b, rid, sid, 'transport-info');
    await step(b, a, rid, sid, 'transport-info');
    await step(b, a, rid, sid, 'session-info', 'mute');
    // The callee hangs up: its node forwards it to the owner.
    await step(b, a, rid, sid, 'session-terminate');
    await ownerStates.reach(sid, 'ended');
    expect(ownerStates.of(sid)).to.deep.equal([
      '{"starting":"proposed"}', '{"starting":"ringing"}', '{"pending":"proceeded"}', '{"pending":"initiated"}', '"active"', '"ended"',
    ]);
    now = figures(A());
    expect(now.p2pCount).to.equal(beforeA.p2pCount);
    expect(now.p2pTotal).to.equal(beforeA.p2pTotal + 1);
    expect(now.durations).to.equal(beforeA.durations + 1);
    expect(now.ended.terminate ?? 0).to.equal((beforeA.ended.terminate ?? 0) + 1);
    expect(now.calls).to.equal(beforeA.calls);
    await waitFor(() => mirrors() === beforeB.calls, 'the mirror on the callee\'s node to go with the call');
    // The callee's node counted nothing of it.
    expect(figures(B())).to.deep.equal(beforeB);
    const line = A().logger.lines.find((l) => l.message === 'call ended' && l.meta?.sid === sid);
    expect(line?.meta).to.include({ rid, callerUid: 'caller-uid', calleeUid: 'callee-uid', reason: 'terminate', endedBy: 'callee' });
    await a.expectNoMessage();
    await b.expectNoMessage();
  });

  it('tells a ringing callee on the other node session-retract reason gone when the caller disconnects', async () => {
    const rid = room();
    const sid = randomUUID();
    const [a, b] = await pair(A().url, B().url, rid);
    const before = figures(A());
    await propose(a, b, rid, sid);
    await step(b, a, rid, sid, 'session-info', 'ringing');
    await ownerStates.reach(sid, { starting: 'ringing' });
    await a.terminate();
    const retract = await b.expectMessage({ jsongle: { action: 'session-retract' } });
    expectEnding(retract, b, sid);
    expect(retract.jsongle.reason).to.equal('gone');
    await ownerStates.reach(sid, 'ended');
    expect(figures(A()).ended.gone ?? 0).to.equal((before.ended.gone ?? 0) + 1);
    // Once: the owner leaves this ending to the callee's node.
    await b.expectNoMessageWithin(300, { jsongle: { action: 'session-retract' } });
    await waitFor(() => mirrors() === 0, 'the mirror to go');
  });

  it('tells a ringing callee session-retract gone once when the caller leaves the room (the leave is heard on both nodes)', async () => {
    const rid = room();
    const sid = randomUUID();
    const [a, b] = await pair(A().url, B().url, rid);
    await propose(a, b, rid, sid);
    await a.leave(rid);
    const retract = await b.expectMessage({ jsongle: { action: 'session-retract' } });
    expectEnding(retract, b, sid);
    expect(retract.jsongle.reason).to.equal('gone');
    await ownerStates.reach(sid, 'ended');
    await b.expectNoMessageWithin(300, { jsongle: { action: 'session-retract' } });
  });

  it('tells the caller session-info unreachable, condition gone, when the callee on the other node disconnects during an active call', async () => {
    const rid = room();
    const sid = randomUUID();
    const [a, b] = await pair(A().url, B().url, rid);
    const before = figures(A());
    await propose(a, b, rid, sid);
    await step(b, a, rid, sid, 'session-proceed');
    await step(a, b, rid, sid, 'session-initiate');
    await step(b, a, rid, sid, 'session-accept');
    await ownerStates.reach(sid, 'active');
    expect(figures(A()).p2pCount).to.equal(before.p2pCount + 1);
    await b.terminate();
    const info = await a.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable' } });
    expectEnding(info, a, sid);
    expect(info.jsongle.description.condition).to.equal('gone');
    await ownerStates.reach(sid, 'ended');
    const now = figures(A());
    expect(now.p2pCount).to.equal(before.p2pCount);
    expect(now.durations).to.equal(before.durations + 1);
    expect(now.ended.gone ?? 0).to.equal((before.ended.gone ?? 0) + 1);
  });

  it('tells an active callee on the other node session-info unreachable, condition gone, when the caller disconnects', async () => {
    const rid = room();
    const sid = randomUUID();
    const [a, b] = await pair(A().url, B().url, rid);
    await propose(a, b, rid, sid);
    await step(b, a, rid, sid, 'session-accept');
    await ownerStates.reach(sid, 'active');
    await a.terminate();
    const info = await b.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable' } });
    expectEnding(info, b, sid);
    expect(info.jsongle.description.condition).to.equal('gone');
    await ownerStates.reach(sid, 'ended');
  });

  it('ends an unanswered call after calls.ringTimeoutSec: caller unreachable/timeout here, callee session-retract timeout on the other node', async () => {
    const rid = room();
    const sid = randomUUID();
    const [a, b] = await pair(A().url, B().url, rid);
    const before = figures(A());
    await propose(a, b, rid, sid);
    await step(b, a, rid, sid, 'session-info', 'ringing');
    const info = await a.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable' } }, 4000);
    expectEnding(info, a, sid);
    expect(info.jsongle.description.condition).to.equal('timeout');
    const retract = await b.expectMessage({ jsongle: { action: 'session-retract' } }, 4000);
    expectEnding(retract, b, sid);
    expect(retract.jsongle.reason).to.equal('timeout');
    await ownerStates.reach(sid, 'ended');
    const now = figures(A());
    expect(now.ended.timeout ?? 0).to.equal((before.ended.timeout ?? 0) + 1);
    expect([now.p2pTotal, now.calls]).to.deep.equal([before.p2pTotal, before.calls]);
    await waitFor(() => mirrors() === 0, 'the mirror to go with the timed-out call');
  });

  it('lets exactly one call survive cross-node glare (Redis arbitrates): the other propose is not relayed and its sender gets unreachable/busy', async () => {
    // A few rounds: which node wins varies, the outcome may not.
    for (let round = 0; round < 3; round++) {
      const rid = room();
      const [a, b] = await pair(A().url, B().url, rid);
      const glareA = figures(A()).ended.glare ?? 0;
      const glareB = figures(B()).ended.glare ?? 0;
      const sidA = randomUUID();
      const sidB = randomUUID();
      a.relay(rid, 'session-propose', { ...ids(sidA), description: {} });
      b.relay(rid, 'session-propose', { ...ids(sidB), description: {} });
      const answerOf = (c: TestClient, sid: string) => c.expectMessage({ jsongle: { action: 'session-info', sid } });
      const [gotA, gotB] = await Promise.all([answerOf(a, sidA), answerOf(b, sidB)]);
      expect([gotA.jsongle.reason, gotB.jsongle.reason].sort()).to.deep.equal(['trying', 'unreachable']);
      const aWon = gotA.jsongle.reason === 'trying';
      const [winner, loser, winSid, loseSid, lost] = aWon ? [a, b, sidA, sidB, gotB] : [b, a, sidB, sidA, gotA];
      expectEnding(lost, loser, loseSid);
      expect(lost.jsongle.description.condition).to.equal('busy');
      await loser.expectMessage({ jsongle: { action: 'session-propose', sid: winSid } });
      // Across nodes, absence needs a wait: the losing propose never reaches the winner.
      await winner.expectNoMessageWithin(300, { jsongle: { action: 'session-propose' } });
      // The refusal is counted where it was made (the loser's node).
      const [lostOn, glareBefore] = aWon ? [B(), glareB] : [A(), glareA];
      expect(figures(lostOn).ended.glare ?? 0).to.equal(glareBefore + 1);
      // The surviving call goes on: the loser (now the callee) accepts, the winner hangs up.
      await step(loser, winner, rid, winSid, 'session-accept');
      await step(winner, loser, rid, winSid, 'session-terminate');
      if (aWon) await ownerStates.reach(winSid, 'ended');
      await waitFor(() => figures(A()).calls === 0 && figures(B()).calls === 0, 'both nodes to forget the call');
      await a.close();
      await b.close();
    }
  });

  it('refuses glare at the edge with no round trip once the callee\'s node holds the mirror', async () => {
    const rid = room();
    const sid = randomUUID();
    const [a, b] = await pair(A().url, B().url, rid);
    await propose(a, b, rid, sid);
    const other = randomUUID();
    b.relay(rid, 'session-propose', { ...ids(other), description: {} });
    const busy = await b.expectMessage({ jsongle: { action: 'session-info', sid: other } });
    expect(busy.jsongle.reason).to.equal('unreachable');
    expect(busy.jsongle.description.condition).to.equal('busy');
    await a.expectNoMessageWithin(300, { jsongle: { sid: other } });
    await step(a, b, rid, sid, 'session-retract');
    await ownerStates.reach(sid, 'ended');
  });

  it('refuses a call action for a known sid from a stranger with 409002 on the owner\'s node and on the callee\'s node, never relaying it', async () => {
    const rid = room();
    const sid = randomUUID();
    const [a, b] = await pair(A().url, B().url, rid);
    await propose(a, b, rid, sid);
    const before = figures(A());
    for (const [node, name] of [[A(), 'owner'], [B(), 'mirror']] as const) {
      const otherRoom = room();
      const [c, d] = await pair(node.url, node.url, otherRoom);
      for (const action of ['session-accept', 'transport-info', 'session-terminate', 'session-propose']) {
        c.relay(otherRoom, action, { ...ids(sid), description: {} });
        const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
        expect(err.jsongle.description, `${action} on the ${name} node`).to.deep.equal({ errorCode: 409002, errorDetails: `Not a party to call '${sid}'` });
      }
      await d.expectNoMessage({ jsongle: { sid } });
    }
    await a.expectNoMessageWithin(300, { jsongle: { sid } });
    await b.expectNoMessage({ jsongle: { sid } });
    expect(ownerStates.of(sid).at(-1)).to.equal('{"starting":"proposed"}');
    expect(figures(A()).p2pTotal).to.equal(before.p2pTotal);
    await step(a, b, rid, sid, 'session-retract');
    await ownerStates.reach(sid, 'ended');
  });

  it('leaves no call and no mirror behind on either node once every party is gone', async () => {
    await waitFor(() => figures(A()).calls === 0 && figures(B()).calls === 0, `no call left (A ${figures(A()).calls}, B ${figures(B()).calls})`);
    expect(A().server.stats.callsInProgress).to.equal(0);
    expect(B().server.stats.callsInProgress).to.equal(0);
    expect(await cluster.redis.cli().keys('jsongle:k:*')).to.deep.equal([]);
  });
});

describe('a call whose owner node is killed with SIGKILL', function () {
  this.timeout(30_000);
  const cluster = useNodeProcesses(['call-owner', 'call-callee'], { each: true });

  for (const [when, reaches, expected] of [
    ['ringing', 'session-info', { action: 'session-retract', reason: 'gone' }],
    ['active', 'session-accept', { action: 'session-info', reason: 'unreachable' }],
  ] as const) {
    it(`ends it for the ${when} callee on the surviving node as gone, within the reaping bound`, async () => {
      const rid = room();
      const sid = randomUUID();
      const [a, b] = await pair(cluster.nodes[0].url, cluster.nodes[1].url, rid);
      await propose(a, b, rid, sid);
      await step(b, a, rid, sid, reaches, reaches === 'session-info' ? 'ringing' : undefined);
      const killedAt = Date.now();
      cluster.nodes[0].proc.kill('SIGKILL');
      const ending = await b.expectMessage({ jsongle: expected }, CLEANUP_BOUND_MS + 2000);
      const afterMs = Date.now() - killedAt;
      process.stdout.write(`      owner killed (${when}): callee told gone after ${afterMs} ms (TTL ${HEARTBEAT_TTL_MS} ms, interval ${HEARTBEAT_INTERVAL_MS} ms)\n`);
      expectEnding(ending, b, sid);
      if (when === 'active') expect(ending.jsongle.description.condition).to.equal('gone');
      // A bound on the protocol with a second of slack for a busy machine, not a speed figure.
      expect(afterMs).to.be.at.most(CLEANUP_BOUND_MS + 1000);
      await b.expectMessage({ jsongle: { event: 'left' } });
      await b.expectNoMessageWithin(2 * HEARTBEAT_INTERVAL_MS, { jsongle: { sid } });
    });
  }
});

/** The call figures of one server (or node). */
function figures(node: InProcessNode): CallFigures {
  return callFigures(node.server);
}
