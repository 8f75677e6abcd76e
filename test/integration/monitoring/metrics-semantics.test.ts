/**
 * protocol.md § Monitoring: what the business metrics mean, checked through GET /stats and
 * GET /metrics while real clients join, leave and disconnect. Each suite owns its server, so
 * "the start value" is not moved by other suites.
 */
import { expect } from 'chai';
import { TestClient, UpgradeRefused, helloClient } from '../../helpers/client.js';
import { p2pPair } from '../../helpers/rooms.js';
import { useTestServer } from '../../helpers/suite.js';
import { rid } from '../../helpers/ids.js';
import { waitFor } from '../../helpers/wait.js';
import { request } from '../../helpers/http.js';

type StatsBody = Record<string, number>;

describe('Monitoring metrics: rooms and users', () => {
  const srv = useTestServer();
  const stats = async (): Promise<StatsBody> => (await request(srv().restPort, '/stats')).json as StatsBody;

  it('counts two clients in one P2P room as 2 users and 1 conference', async () => {
    const start = await stats();
    const [a, b] = await p2pPair(srv().url(), rid());
    const now = await stats();
    expect(now.users_count).to.equal(start.users_count + 2);
    expect(now.users_total).to.equal(start.users_total + 2);
    expect(now.conferences_count).to.equal(start.conferences_count + 1);
    expect(now.conferences_total).to.equal(start.conferences_total + 1);
    await a.close();
    await b.close();
  });

  it('keeps the conference while one member is left, and drops it when the last one disconnects', async () => {
    const start = await stats();
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    await a.leave(r);
    await b.expectMessage({ jsongle: { action: 'session-event', event: 'left' } });
    let now = await stats();
    expect(now.conferences_count).to.equal(start.conferences_count + 1);
    await b.terminate();
    await waitFor(() => srv().server.inspectState().rooms === 0, 'the emptied room to go');
    now = await stats();
    expect(now.conferences_count).to.equal(start.conferences_count);
    expect(now.conferences_total).to.equal(start.conferences_total + 1);
    expect(now.users_count).to.equal(start.users_count + 1);
    await a.close();
    await waitFor(() => srv().server.inspectState().connections === 0, 'every connection to close');
    expect((await stats()).users_count).to.equal(start.users_count);
  });

  it('counts every opened connection in users_total, helloed or not', async () => {
    const start = await stats();
    const silent = await TestClient.connect(srv().url());
    const helloed = await helloClient(srv().url(), 'carol');
    const now = await stats();
    expect(now.users_total).to.equal(start.users_total + 2);
    expect(now.users_count).to.equal(start.users_count + 2);
    await silent.close();
    await helloed.close();
    await waitFor(() => srv().server.inspectState().connections === 0, 'every connection to close');
    const end = await stats();
    expect(end.users_count).to.equal(start.users_count);
    expect(end.users_total).to.equal(start.users_total + 2);
  });

  it('adds a closed connection\'s minutes to duration_total (the original\'s meaning), not an open one\'s', async () => {
    await waitFor(() => srv().server.inspectState().connections === 0, 'earlier connections to close');
    const start = await stats();
    const a = await helloClient(srv().url(), 'dora');
    const opened = Date.now();
    // The connection must last a measurable time (clock ticks, not a sleep) for its minutes to show.
    // Strictly past 20 ms: the assertion below is strict, and the server may open it in the same ms as `opened`.
    await waitFor(() => Date.now() - opened > 20, 'the clock to move');
    expect((await stats()).duration_total).to.equal(start.duration_total);
    await a.close();
    await waitFor(() => srv().server.inspectState().connections === 0, 'the connection to close');
    const added = (await stats()).duration_total - start.duration_total;
    // Minutes, not seconds or milliseconds: a connection of a few hundred ms adds a small fraction of one.
    expect(added).to.be.above(20 / 60_000).and.below(1);
  });

  it('adds the room lifetime to jsongle_room_seconds_total when a room empties', async () => {
    const start = await stats();
    const a = await helloClient(srv().url(), 'dora');
    const r = rid();
    await a.join(r);
    await a.leave(r);
    const now = await stats();
    expect((await request(srv().restPort, '/metrics')).text).to.match(/^jsongle_room_seconds_total \d/m);
    expect(now.conferences_total).to.equal(start.conferences_total + 1);
    expect(now.conferences_count).to.equal(start.conferences_count);
  });
});

describe('Monitoring metrics: messages, calls and bytes', () => {
  const srv = useTestServer();
  const stats = async (): Promise<StatsBody> => (await request(srv().restPort, '/stats')).json as StatsBody;
  const metrics = async (): Promise<string> => (await request(srv().restPort, '/metrics')).text;

  it('counts P2P text, custom and reaction relays only in jsongle_relayed_messages_total, not in messages_total/reactions_total', async () => {
    const start = await stats();
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    a.relay(r, 'session-text', { namespace: 'room', description: { content: 'hi' } });
    await b.expectMessage({ jsongle: { action: 'session-text' } });
    a.relay(r, 'session-custom', { namespace: 'room', description: { reaction: '+1' } });
    await b.expectMessage({ jsongle: { action: 'session-custom' } });
    a.relay(r, 'session-event', { namespace: 'room', event: 'reaction', description: {} });
    await b.expectMessage({ jsongle: { action: 'session-event', event: 'reaction' } });
    const now = await stats();
    expect(now.messages_total).to.equal(start.messages_total);
    expect(now.reactions_total).to.equal(start.reactions_total);
    expect(now.recv_total).to.be.above(start.recv_total);
    expect(now.sent_total).to.be.above(start.sent_total);
    const text = await metrics();
    expect(text).to.match(/^jsongle_relayed_messages_total\{kind="p2p",action="session-text"\} [1-9]\d*$/m);
    expect(text).to.match(/^jsongle_relayed_messages_total\{kind="p2p",action="session-custom"\} [1-9]\d*$/m);
    expect(text).to.match(/^jsongle_relayed_messages_total\{kind="p2p",action="session-event"\} [1-9]\d*$/m);
  });

  it('counts a call that became active in p2p_count and p2p_total until it is terminated, with its set-up, duration and reason', async () => {
    const start = await stats();
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const call = { sid: `sid-${r}`, initiator: a.connectionId, responder: b.connectionId };
    a.relay(r, 'session-propose', call);
    await b.expectMessage({ jsongle: { action: 'session-propose' } });
    // An accept with no propose before it is relayed but is no call the server knows: not counted.
    a.relay(r, 'session-accept', { ...call, sid: `unknown-${r}` });
    await b.expectMessage({ jsongle: { action: 'session-accept' } });
    expect((await stats()).p2p_total).to.equal(start.p2p_total);
    b.relay(r, 'session-accept', call);
    await a.expectMessage({ jsongle: { action: 'session-accept' } });
    let now = await stats();
    expect(now.p2p_count).to.equal(start.p2p_count + 1);
    expect(now.p2p_total).to.equal(start.p2p_total + 1);
    b.relay(r, 'session-terminate', call);
    await a.expectMessage({ jsongle: { action: 'session-terminate' } });
    now = await stats();
    expect(now.p2p_count).to.equal(start.p2p_count);
    expect(now.p2p_total).to.equal(start.p2p_total + 1);
    const text = await metrics();
    expect(text).to.match(/^jsongle_calls_ended_total\{reason="terminate"\} [1-9]\d*$/m);
    expect(text).to.match(/^jsongle_call_setup_seconds_bucket\{le="\+Inf"\} [1-9]\d*$/m);
    expect(text).to.match(/^jsongle_call_setup_seconds_count [1-9]\d*$/m);
    expect(text).to.match(/^jsongle_call_duration_seconds_bucket\{le="5"\} [1-9]\d*$/m);
    expect(text).to.match(/^# TYPE jsongle_call_duration_seconds histogram$/m);
  });

  it('adds session-metrics duration to p2p_duration_total and ice-failed to p2p_failed_total', async () => {
    const start = await stats();
    const a = await helloClient(srv().url(), 'erin');
    a.send(a.envelope({ action: 'session-metrics', description: { duration: 42 } }));
    a.send(a.envelope({ action: 'session-metrics', description: { error: 'ice-failed' } }));
    // session-metrics gets no answer: a ping request after them proves they were processed.
    await a.request('session-join', { rid: rid() });
    const now = await stats();
    expect(now.p2p_duration_total).to.equal(start.p2p_duration_total + 42);
    expect(now.p2p_failed_total).to.equal(start.p2p_failed_total + 1);
  });
});

describe('Monitoring metrics: refused upgrades', () => {
  const srv = useTestServer({ appToken: 'app-secret' });

  it('counts a refused upgrade by reason and not as a user', async () => {
    const start = (await request(srv().restPort, '/stats')).json as StatsBody;
    let refused: unknown;
    try {
      await TestClient.connect(srv().url('wrong'));
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(UpgradeRefused);
    const text = (await request(srv().restPort, '/metrics')).text;
    expect(text).to.match(/^jsongle_rejected_upgrades_total\{reason="unauthorized"\} 1$/m);
    const now = (await request(srv().restPort, '/stats')).json as StatsBody;
    expect(now.users_total).to.equal(start.users_total);
  });

  it('passes GET /tests with the configured appToken', async () => {
    const r = await request(srv().restPort, '/tests');
    expect(r.status, r.text).to.equal(200);
    expect(r.json.score).to.equal(100);
  });
});
