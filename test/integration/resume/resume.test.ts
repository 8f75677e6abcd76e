/**
 * Resume over real sockets (users-calls-sessions.md §4): a member whose TCP connection vanishes
 * (no close frame) is suspended — its peer hears nothing, its call stays active — and resumes with
 * its token: `resumed`, then the frames sent meanwhile, in order, exactly once; its own frames the
 * server did not get are resent after `received`. Each way a resume can fail or a session end has
 * its case. No fixed waits: every step waits for the condition that proves it.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { closeAllClients, helloClient, type TestClient } from '../../helpers/client.js';
import { rid } from '../../helpers/ids.js';
import { closeAllResumable, ResumableClient } from '../../helpers/resumable-client.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

const call = (sid: string) => ({ sid, initiator: 'alice', responder: 'bob' });

/** Alice (resumable) and Bob (plain) in a P2P room, Bob having heard Alice join. */
async function pair(srv: TestServer, room: string): Promise<[ResumableClient, TestClient]> {
  const bob = await helloClient(srv.url(), 'bob');
  await bob.join(room);
  const alice = await ResumableClient.start(srv.url(), 'alice');
  const transaction = randomUUID();
  alice.send({ id: randomUUID(), from: alice.connectionId, to: alice.serverId, jsongle: { action: 'iq-set', query: 'session-join', transaction, description: { rid: room } } });
  await alice.expect((m) => m.jsongle.transaction === transaction);
  await bob.expectMessage({ jsongle: { event: 'joined' } });
  return [alice, bob];
}

/** Drops Alice's TCP connection and waits until the server has suspended her session. */
async function cutAndWaitSuspended(srv: TestServer, alice: ResumableClient): Promise<void> {
  const before = srv.server.stats.sessionsSuspended;
  alice.cut();
  await waitFor(() => srv.server.stats.sessionsSuspended > before, 'the session to be suspended');
}

const texts = (c: ResumableClient, from = 0) => c.messages.slice(from).filter((m) => m.jsongle.action === 'session-text').map((m) => m.jsongle.description.n);

describe('Resume (one node)', function () {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ resume: { windowSec: 5, bufferMessages: 32 } });
  });
  afterEach(async () => {
    await closeAllResumable();
    await closeAllClients();
  });
  after(async () => {
    await srv?.stop();
  });

  it('gives a ≥128-bit URL-safe token and the window in the hello ack', async () => {
    const alice = await ResumableClient.start(srv.url(), 'alice');
    expect(alice.token).to.match(/^[A-Za-z0-9_-]{22,}$/);
    expect(alice.windowSec).to.equal(5);
    // The hello request is frame 1, the ack frame 2.
    expect(alice.messages.map((m) => m.jsongle.action)).to.deep.equal(['iq-get', 'ack']);
  });

  it('keeps a vanished member in its room and call, replays what it missed in order, exactly once, and resends what the server did not get', async () => {
    const room = rid('resume');
    const sid = randomUUID();
    const [alice, bob] = await pair(srv, room);
    alice.relay(room, 'session-propose', { ...call(sid), description: { media: 'audio' } });
    await bob.expectMessage({ jsongle: { action: 'session-propose', sid } });
    bob.relay(room, 'session-proceed', { ...call(sid), description: {} });
    await alice.expect((m) => m.jsongle.action === 'session-proceed');
    alice.relay(room, 'session-initiate', { ...call(sid), description: {} });
    await bob.expectMessage({ jsongle: { action: 'session-initiate', sid } });
    bob.relay(room, 'session-accept', { ...call(sid), description: {} });
    await alice.expect((m) => m.jsongle.action === 'session-accept');
    await waitFor(() => srv.server.stats.callsInProgress === 1, 'the call to be active');

    await cutAndWaitSuspended(srv, alice);
    // Bob keeps talking; Alice writes while offline (kept by her client, not sent).
    for (let n = 0; n < 10; n++) bob.relay(room, 'session-text', { description: { n } });
    for (let n = 0; n < 3; n++) alice.relay(room, 'session-text', { description: { n } });
    for (let n = 0; n < 10; n++) await bob.expectMessage({ jsongle: { action: 'session-event', event: 'ack' } });
    await bob.expectNoMessage({ jsongle: { event: 'left' } });
    expect(srv.server.stats.callsInProgress).to.equal(1);
    expect(srv.server.inspectState().calls).to.be.greaterThan(0);

    const seenBefore = alice.received;
    const resumed = await alice.resume();
    expect(resumed.jsongle, JSON.stringify(resumed)).to.include({ action: 'session-event', event: 'resumed' });
    expect(resumed.jsongle.description.id).to.equal(alice.connectionId);
    expect(resumed.jsongle.description.replayed).to.equal(10);
    // Alice sent: hello answer, join, propose, initiate = 4 frames the server got.
    expect(resumed.jsongle.description.received).to.equal(4);
    await waitFor(() => texts(alice, seenBefore).length === 10, 'the 10 missed frames');
    expect(texts(alice, seenBefore)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Her 3 texts, resent after `received`, reach Bob once each, and she gets their acks.
    for (let n = 0; n < 3; n++) await bob.expectMessage({ jsongle: { action: 'session-text', description: { n } } });
    await alice.expect((m) => m.jsongle.event === 'ack', 2000, seenBefore + 10);
    // Live traffic continues on the same connection id; the call is still active.
    bob.relay(room, 'session-text', { description: { n: 10 } });
    await waitFor(() => texts(alice, seenBefore).length === 11, 'live traffic after the resume');
    await bob.expectNoMessage({ jsongle: { action: 'session-text' } });
    expect(texts(alice, seenBefore)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(srv.server.stats.callsInProgress).to.equal(1);
    expect(alice.resumedEvents).to.have.length(1);
  });

  it('makes tokens single-use: a used token gets a fresh session saying resumeFailed "unknown"', async () => {
    const alice = await ResumableClient.start(srv.url(), 'alice');
    const first = alice.token;
    await cutAndWaitSuspended(srv, alice);
    const resumed = await alice.resume();
    expect(resumed.jsongle.event).to.equal('resumed');
    expect(alice.token).to.not.equal(first);
    const intruder = new ResumableClient(srv.url());
    const hello = await intruder.resume(0, first);
    expect(hello.jsongle).to.include({ action: 'iq-get', query: 'session-hello' });
    expect(hello.jsongle.description.resumeFailed).to.equal('unknown');
    expect(hello.to).to.not.equal(alice.connectionId);
    expect(srv.server.stats.resumeFailed.unknown).to.be.greaterThan(0);
  });

  it('answers a garbage token or lastSeen with a fresh session, never an error or a crash', async () => {
    const stranger = new ResumableClient(srv.url());
    const hello = await stranger.resume(0, 'not-a-token%00\u00e9');
    expect(hello.jsongle.description.resumeFailed).to.equal('unknown');
    const alice = await ResumableClient.start(srv.url(), 'alice');
    await cutAndWaitSuspended(srv, alice);
    const other = new ResumableClient(srv.url());
    const gap = await other.resume(-3, alice.token);
    expect(gap.jsongle.description.resumeFailed).to.equal('gap');
  });

  it('closes a socket that still looks open with 4409 when its session is resumed elsewhere', async () => {
    const room = rid('resume');
    const [alice, bob] = await pair(srv, room);
    const twin = new ResumableClient(srv.url());
    const resumed = await twin.resume(alice.received, alice.token);
    expect(resumed.jsongle.event).to.equal('resumed');
    expect(resumed.jsongle.description.id).to.equal(alice.connectionId);
    await waitFor(() => alice.closes.includes(4409), 'the old socket to be closed 4409');
    bob.relay(room, 'session-text', { description: { n: 1 } });
    await twin.expect((m) => m.jsongle.action === 'session-text');
    await bob.expectNoMessage({ jsongle: { event: 'left' } });
  });

  it('ends a resume whose lastSeen predates what was kept with "gap", and the old session with it', async () => {
    const room = rid('resume');
    const [alice, bob] = await pair(srv, room);
    // The server's pings confirm Alice's frames and drop them: an idle session keeps none.
    await waitFor(() => srv.server.inspectState().unconfirmedSessions === 0, 'every frame confirmed', 3000);
    await cutAndWaitSuspended(srv, alice);
    const hello = await alice.resume(1);
    expect(hello.jsongle.description.resumeFailed).to.equal('gap');
    await bob.expectMessage({ jsongle: { event: 'left' } });
  });

  it('ends a suspended session at once when what is kept for it overflows the buffer', async () => {
    const room = rid('resume');
    const [alice, bob] = await pair(srv, room);
    await cutAndWaitSuspended(srv, alice);
    for (let n = 0; n < 40; n++) bob.relay(room, 'session-text', { description: { n } });
    await bob.expectMessage({ jsongle: { event: 'left' } });
    expect(srv.server.stats.sessionsEnded.overflow).to.be.greaterThan(0);
    const hello = await alice.resume();
    expect(hello.jsongle.description.resumeFailed).to.equal('unknown');
  });

  it('does not suspend a session whose client closed with a close frame', async () => {
    const room = rid('resume');
    const [alice, bob] = await pair(srv, room);
    const suspended = srv.server.stats.sessionsSuspended;
    const token = alice.token;
    await alice.close();
    await bob.expectMessage({ jsongle: { event: 'left' } });
    expect(srv.server.stats.sessionsSuspended).to.equal(suspended);
    const hello = await new ResumableClient(srv.url()).resume(3, token);
    expect(hello.jsongle.description.resumeFailed).to.equal('unknown');
  });

  it('reports suspended, resumed, ended and failed sessions in /metrics', async () => {
    const text = await (await fetch(`${srv.restUrl}/metrics`)).text();
    for (const name of ['jsongle_sessions_suspended ', 'jsongle_sessions_resumed_total', 'jsongle_sessions_ended_total{reason="overflow"}', 'jsongle_resume_failed_total{reason="unknown"}', 'jsongle_frames_replayed_total']) {
      expect(text).to.include(name);
    }
  });

  it('leaves nothing behind once every session ended', async () => {
    await waitFor(() => srv.server.inspectState().sessions === 0, 'no session left', 8000);
    expect(srv.server.stats.sessionsSuspendedNow).to.equal(0);
  });
});

describe('Resume window', function () {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ resume: { windowSec: 1 } });
  });
  afterEach(async () => {
    await closeAllResumable();
    await closeAllClients();
  });
  after(async () => {
    await srv?.stop();
  });

  it('ends an unresumed session when its window passes: left, the call ends gone, the token says "expired"', async () => {
    const room = rid('resume');
    const sid = randomUUID();
    const [alice, bob] = await pair(srv, room);
    bob.relay(room, 'session-propose', { sid, initiator: 'bob', responder: 'alice', description: { media: 'audio' } });
    await alice.expect((m) => m.jsongle.action === 'session-propose');
    await cutAndWaitSuspended(srv, alice);
    // Within the window nothing is said; past it (≤ 1 s + one tick) the room hears `left`.
    await bob.expectMessage({ jsongle: { event: 'left' } }, 4000);
    await bob.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable', sid, description: { condition: 'gone' } } });
    expect(srv.server.stats.sessionsEnded.window).to.equal(1);
    const hello = await alice.resume();
    expect(hello.jsongle.description.resumeFailed).to.equal('expired');
    expect(srv.server.inspectState().sessions).to.be.lessThan(3);
  });

  it('answers a drain by ending suspended sessions too', async () => {
    const other = await startTestServer({ resume: { windowSec: 60 } });
    const alice = await ResumableClient.start(other.url(), 'alice');
    await cutAndWaitSuspended(other, alice);
    expect(other.server.inspectState().sessions).to.equal(1);
    await other.stop();
    expect(other.server.inspectState().sessions).to.equal(0);
    expect(other.server.stats.sessionsEnded.drain).to.equal(1);
  });
});

describe('Resume keeps the registration (one node)', function () {
  let srv: TestServer;
  before(async () => { srv = await startTestServer({ resume: { windowSec: 5 } }); });
  afterEach(async () => {
    await closeAllResumable();
    await closeAllClients();
  });
  after(async () => { await srv?.stop(); });

  it('a registered device that vanished stays reachable at its uid, gets what was sent to the uid meanwhile, and is still registered after the resume', async () => {
    const bob = await ResumableClient.start(srv.url(), 'bob-resume');
    const t = randomUUID();
    bob.send({ id: randomUUID(), from: bob.connectionId, to: bob.serverId, jsongle: { action: 'iq-set', query: 'session-register', transaction: t } });
    await bob.expect((m) => m.jsongle.transaction === t && m.jsongle.action === 'iq-result');
    const alice = await helloClient(srv.url(), 'alice-resume');
    await alice.request('session-register');

    await cutAndWaitSuspended(srv, bob);
    const seen = bob.messages.length;
    alice.relay('bob-resume', 'session-text', { description: { n: 1 } });
    // Reachable while suspended: the message is acknowledged, not refused with 404005.
    await alice.expectMessage({ jsongle: { action: 'session-event', event: 'ack' } });
    const resumed = await bob.resume();
    expect(resumed.jsongle.event).to.equal('resumed');
    const got = await bob.expect((m) => m.jsongle.action === 'session-text', 2000, seen);
    expect(got).to.include({ from: 'alice-resume', to: bob.connectionId });

    // Still registered after the resume: unregister answers the uid (not 404004).
    const u = randomUUID();
    bob.send({ id: randomUUID(), from: bob.connectionId, to: bob.serverId, jsongle: { action: 'iq-set', query: 'session-unregister', transaction: u } });
    const answer = await bob.expect((m) => m.jsongle.transaction === u);
    expect(answer.jsongle.action).to.equal('iq-result');
    expect(answer.jsongle.description).to.deep.equal({ uid: 'bob-resume' });
  });
});
