/**
 * Calls as actors, over real sockets: each case drives a call actor (read through the server's
 * inspection stream, never by timing) and checks what each party receives and what the metrics say
 * before and after. The server-made endings are the ones the JSONgle 3.1 client library accepts in
 * the receiving party's state (users-calls-sessions.md §3).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { callFigures, expectEnding, ids, propose, step, type CallFigures } from '../../helpers/call-steps.js';
import { CallStates } from '../../helpers/call-states.js';
import { closeAllClients, helloClient, type TestClient } from '../../helpers/client.js';
import { rid } from '../../helpers/ids.js';
import { RecordingLogger } from '../../helpers/logger.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';



async function pair(srv: TestServer, room: string): Promise<[TestClient, TestClient]> {
  const a = await helloClient(srv.url(), 'caller-uid', 'Caller Name');
  const b = await helloClient(srv.url(), 'callee-uid', 'Callee Name');
  await a.join(room);
  await b.join(room);
  await a.expectMessage({ jsongle: { event: 'joined' } });
  return [a, b];
}

describe('Calls as actors (one node)', function () {
  const states = new CallStates();
  const logger = new RecordingLogger([], 'info');
  let srv: TestServer;

  before(async () => {
    srv = await startTestServer({ calls: { ringTimeoutSec: 1 } }, { inspect: states.inspect, logger });
  });
  afterEach(closeAllClients);
  after(async () => {
    await closeAllClients();
    await srv?.stop();
  });

  it('drives the call actor through every state of a full call, and counts it once it is active', async () => {
    const room = rid('call');
    const sid = randomUUID();
    const [a, b] = await pair(srv, room);
    const before = figures(srv);

    await propose(a, b, room, sid);
    await states.reach(sid, { starting: 'proposed' });
    expect(figures(srv).calls).to.equal(before.calls + 1);
    await step(b, a, room, sid, 'session-info', 'ringing');
    await step(b, a, room, sid, 'session-proceed');
    await step(a, b, room, sid, 'session-initiate');
    await step(b, a, room, sid, 'session-accept');
    await states.reach(sid, 'active');
    let now = figures(srv);
    expect([now.p2pCount, now.p2pTotal, now.setups]).to.deep.equal([before.p2pCount + 1, before.p2pTotal + 1, before.setups + 1]);
    const stats = await (await fetch(`${srv.restUrl}/stats`)).json() as { p2p_count: number; p2p_total: number };
    expect([stats.p2p_count, stats.p2p_total]).to.deep.equal([now.p2pCount, now.p2pTotal]);

    // transport-info and other session-info are relayed and move nothing.
    await step(a, b, room, sid, 'transport-info');
    await step(b, a, room, sid, 'session-info', 'mute');
    await step(a, b, room, sid, 'session-terminate');
    await states.reach(sid, 'ended');
    expect(states.of(sid)).to.deep.equal([
      '{"starting":"proposed"}', '{"starting":"ringing"}', '{"pending":"proceeded"}', '{"pending":"initiated"}', '"active"', '"ended"',
    ]);
    now = figures(srv);
    expect(now.p2pCount).to.equal(before.p2pCount);
    expect(now.p2pTotal).to.equal(before.p2pTotal + 1);
    expect(now.durations).to.equal(before.durations + 1);
    expect(now.ended.terminate ?? 0).to.equal((before.ended.terminate ?? 0) + 1);
    expect(now.calls).to.equal(before.calls);

    // One call-detail line, without SDP or display names.
    const line = logger.lines.find((l) => l.message === 'call ended' && l.meta?.sid === sid);
    expect(line?.level).to.equal('info');
    expect(line?.meta).to.include({ rid: room, callerUid: 'caller-uid', calleeUid: 'callee-uid', reason: 'terminate', endedBy: 'caller' });
    expect(line?.meta?.setupMs).to.be.a('number');
    expect(JSON.stringify(line)).to.not.match(/Caller Name|Callee Name/);
    await a.expectNoMessage();
    await b.expectNoMessage();
  });

  it('tells a ringing callee session-retract reason gone when the caller vanishes', async () => {
    const room = rid('call');
    const sid = randomUUID();
    const [a, b] = await pair(srv, room);
    const before = figures(srv);
    await propose(a, b, room, sid);
    await step(b, a, room, sid, 'session-info', 'ringing');
    await a.terminate();
    const retract = await b.expectMessage({ jsongle: { action: 'session-retract' } });
    expectEnding(retract, b, sid);
    expect(retract.jsongle.reason).to.equal('gone');
    await states.reach(sid, 'ended');
    const now = figures(srv);
    expect(now.ended.gone ?? 0).to.equal((before.ended.gone ?? 0) + 1);
    expect([now.p2pCount, now.p2pTotal, now.calls]).to.deep.equal([before.p2pCount, before.p2pTotal, before.calls]);
  });

  it('tells the caller session-info unreachable, condition gone, when the callee vanishes during an active call', async () => {
    const room = rid('call');
    const sid = randomUUID();
    const [a, b] = await pair(srv, room);
    const before = figures(srv);
    await propose(a, b, room, sid);
    await step(b, a, room, sid, 'session-proceed');
    await step(a, b, room, sid, 'session-initiate');
    await step(b, a, room, sid, 'session-accept');
    expect(figures(srv).p2pCount).to.equal(before.p2pCount + 1);
    await b.terminate();
    const info = await a.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable' } });
    expectEnding(info, a, sid);
    expect(info.jsongle.description.condition).to.equal('gone');
    await states.reach(sid, 'ended');
    const now = figures(srv);
    expect(now.p2pCount).to.equal(before.p2pCount);
    expect(now.durations).to.equal(before.durations + 1);
    expect(now.ended.gone ?? 0).to.equal((before.ended.gone ?? 0) + 1);
  });

  it('tells an active callee session-info unreachable (condition gone) when the caller leaves the room', async () => {
    const room = rid('call');
    const sid = randomUUID();
    const [a, b] = await pair(srv, room);
    await propose(a, b, room, sid);
    await step(b, a, room, sid, 'session-accept');
    await states.reach(sid, 'active');
    await a.leave(room);
    const info = await b.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable' } });
    expectEnding(info, b, sid);
    expect(info.jsongle.description.condition).to.equal('gone');
    await states.reach(sid, 'ended');
  });

  it('tells a caller whose ringing callee leaves the room session-info unreachable, condition gone', async () => {
    const room = rid('call');
    const sid = randomUUID();
    const [a, b] = await pair(srv, room);
    await propose(a, b, room, sid);
    await b.leave(room);
    const info = await a.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable' } });
    expect(info.jsongle.description.condition).to.equal('gone');
    await states.reach(sid, 'ended');
  });

  it('ends an unanswered call after calls.ringTimeoutSec: caller unreachable/timeout, callee session-retract timeout', async () => {
    const room = rid('call');
    const sid = randomUUID();
    const [a, b] = await pair(srv, room);
    const before = figures(srv);
    await propose(a, b, room, sid);
    await step(b, a, room, sid, 'session-info', 'ringing');
    // ringTimeoutSec is 1: the clock ends it within about a second and a tick.
    const info = await a.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable' } }, 4000);
    expectEnding(info, a, sid);
    expect(info.jsongle.description.condition).to.equal('timeout');
    const retract = await b.expectMessage({ jsongle: { action: 'session-retract' } }, 4000);
    expectEnding(retract, b, sid);
    expect(retract.jsongle.reason).to.equal('timeout');
    await states.reach(sid, 'ended');
    const now = figures(srv);
    expect(now.ended.timeout ?? 0).to.equal((before.ended.timeout ?? 0) + 1);
    expect([now.p2pTotal, now.calls]).to.deep.equal([before.p2pTotal, before.calls]);
  });

  it('keeps a call that was answered in time (proceed stops the ring clock)', async () => {
    const room = rid('call');
    const sid = randomUUID();
    const [a, b] = await pair(srv, room);
    await propose(a, b, room, sid);
    await step(b, a, room, sid, 'session-proceed');
    await states.reach(sid, { pending: 'proceeded' });
    // Past the 1 s ring timeout: nothing comes, the call is still pending.
    await a.expectNoMessageWithin(1600);
    await b.expectNoMessage();
    expect(states.of(sid).at(-1)).to.equal('{"pending":"proceeded"}');
    await step(a, b, room, sid, 'session-retract');
    await states.reach(sid, 'ended');
  });

  it('lets exactly one call survive glare: the later propose is not relayed and its sender gets unreachable/busy', async () => {
    const room = rid('call');
    const [a, b] = await pair(srv, room);
    const before = figures(srv);
    const sidA = randomUUID();
    const sidB = randomUUID();
    // Both propose before either has seen the other's.
    a.relay(room, 'session-propose', { ...ids(sidA), description: {} });
    b.relay(room, 'session-propose', { ...ids(sidB), description: {} });
    const answerOf = (c: TestClient, sid: string) => c.expectMessage({ jsongle: { action: 'session-info', sid } });
    const [gotA, gotB] = await Promise.all([answerOf(a, sidA), answerOf(b, sidB)]);
    const reasons = [gotA.jsongle.reason, gotB.jsongle.reason].sort();
    expect(reasons).to.deep.equal(['trying', 'unreachable']);
    const [winner, loser, winSid, loseSid, lost] = gotA.jsongle.reason === 'trying' ? [a, b, sidA, sidB, gotB] : [b, a, sidB, sidA, gotA];
    expectEnding(lost, loser, loseSid);
    expect(lost.jsongle.description.condition).to.equal('busy');
    await loser.expectMessage({ jsongle: { action: 'session-propose', sid: winSid } });
    await winner.expectNoMessage({ jsongle: { action: 'session-propose' } });
    expect(states.of(loseSid)).to.deep.equal([]);
    await states.reach(winSid, { starting: 'proposed' });
    const now = figures(srv);
    expect(now.calls).to.equal(before.calls + 1);
    expect(now.ended.glare ?? 0).to.equal((before.ended.glare ?? 0) + 1);
    // The surviving call goes on.
    await step(loser, winner, room, winSid, 'session-accept');
    await states.reach(winSid, 'active');
    await step(winner, loser, room, winSid, 'session-terminate');
    await states.reach(winSid, 'ended');
  });

  it('refuses a call action for a known sid from a connection that is not a party with 409002, never relaying it', async () => {
    const room = rid('call');
    const sid = randomUUID();
    const [a, b] = await pair(srv, room);
    const otherRoom = rid('other');
    const [c, d] = await pair(srv, otherRoom);
    await propose(a, b, room, sid);
    const before = figures(srv);
    // C knows the sid and sends into its own room (with D): every call action is refused.
    for (const action of ['session-accept', 'transport-info', 'session-terminate', 'session-propose']) {
      c.relay(otherRoom, action, { ...ids(sid), description: {} });
      const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
      expect(err.jsongle.description).to.deep.equal({ errorCode: 409002, errorDetails: `Not a party to call '${sid}'` });
    }
    await d.expectNoMessage({ jsongle: { sid } });
    await a.expectNoMessage({ jsongle: { sid } });
    await b.expectNoMessage({ jsongle: { sid } });
    expect(states.of(sid).at(-1)).to.equal('{"starting":"proposed"}');
    expect(figures(srv).p2pTotal).to.equal(before.p2pTotal);
    expect(srv.server.stats.errorsByCode['409002']).to.be.at.least(4);
  });

  it('keeps MUC rooms as plain relay: a propose there starts no call actor', async () => {
    const room = rid('muc');
    const a = await helloClient(srv.url(), 'm1');
    const b = await helloClient(srv.url(), 'm2');
    await a.join(room, 'muc');
    await b.join(room, 'muc');
    const before = figures(srv);
    const sid = randomUUID();
    a.relay(room, 'session-propose', { ...ids(sid), description: {} });
    await a.expectMessage({ jsongle: { reason: 'trying', sid } });
    await b.expectMessage({ jsongle: { action: 'session-propose', sid } });
    b.relay(room, 'session-accept', { ...ids(sid), description: {} });
    await a.expectMessage({ jsongle: { action: 'session-accept', sid } });
    expect(figures(srv)).to.deep.equal(before);
    expect(states.of(sid)).to.deep.equal([]);
  });

  it('leaves no call behind once every party is gone', async () => {
    await waitFor(() => srv.server.inspectState().calls === 0, `no call left (now ${srv.server.inspectState().calls})`);
    expect(srv.server.stats.callsInProgress).to.equal(0);
  });
});

/** The call figures of one server (or node). */
function figures(srv: TestServer): CallFigures {
  return callFigures(srv.server);
}
