/**
 * Webhooks against a local HTTP receiver started by the test: a full call's events with valid
 * signatures, retries that deliver every event once, and a dead receiver that costs the relays
 * nothing while the drop counter rises.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { verify } from '../../src/webhooks/signature.js';
import { admin, answeredCall, callStep } from '../helpers/admin.js';
import { closeAllClients, helloClient } from '../helpers/client.js';
import { getText, parseMetrics } from '../helpers/http.js';
import { rid } from '../helpers/ids.js';
import { p2pPair } from '../helpers/rooms.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';

const SECRET = 'webhook-secret-for-tests';

describe('webhooks', function () {
  let srv: TestServer | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await closeAllClients();
    await srv?.stop();
    await receiver?.close();
    srv = undefined;
    receiver = undefined;
  });

  it('sends a full call as signed events, in order by seq, each with an id and a timestamp', async () => {
    receiver = await startReceiver();
    srv = await startTestServer({ webhooks: { urls: [receiver.url], secret: SECRET } });
    const room = rid('hook');
    const [a, b] = await p2pPair(srv.url(), room, ['caller-uid', 'callee-uid']);
    const sid = randomUUID();
    await answeredCall(a, b, room, sid);
    await callStep(a, b, room, sid, 'session-terminate');
    await a.close();
    await b.close();
    const expected = ['room.created', 'member.joined', 'member.joined', 'call.started', 'call.answered', 'call.ended', 'member.left', 'member.left', 'room.closed'];
    await waitFor(() => receiver!.accepted.length >= expected.length, 'every event delivered');
    const events = receiver.accepted.map((r) => r.event).sort((x, y) => x.seq - y.seq);
    expect(events.map((e) => e.type)).to.deep.equal(expected);
    for (const r of receiver.accepted) {
      expect(verify(r.body, r.headers['x-jsongle-signature'] as string, SECRET), r.body).to.equal(true);
      expect(verify(r.body, r.headers['x-jsongle-signature'] as string, 'another secret')).to.equal(false);
      expect(r.headers['content-type']).to.equal('application/json');
      expect(r.headers['x-jsongle-event']).to.equal(r.event.type);
      expect(Number.isNaN(Date.parse(r.event.at))).to.equal(false);
    }
    expect(new Set(events.map((e) => e.id)).size).to.equal(expected.length);
    expect(events[0].data).to.deep.equal({ rid: room, kind: 'room' });
    expect(events[1].data).to.deep.include({ rid: room, uid: 'caller-uid', connectionId: a.connectionId });
    const ended = events[5].data;
    expect(ended).to.deep.include({ sid, rid: room, reason: 'terminate', endedBy: 'caller' });
    expect(ended.setupMs).to.be.a('number');
    expect(ended.durationSec).to.be.a('number');
    expect(ended.caller).to.deep.equal({ connectionId: a.connectionId, uid: 'caller-uid' });
    expect(events[6].data.reason).to.equal('disconnect');
    expect(events[8].data).to.deep.include({ rid: room, kind: 'room' });
  });

  it('sends user.registered once per connection (register is idempotent) and user.unregistered on unregister and on disconnect', async () => {
    receiver = await startReceiver();
    srv = await startTestServer({ webhooks: { urls: [receiver.url], secret: SECRET } });
    const a = await helloClient(srv.url(), 'hook-user');
    const b = await helloClient(srv.url(), 'hook-user');
    await a.request('session-register');
    await a.request('session-register');
    await b.request('session-register');
    await a.request('session-unregister');
    await b.close();
    const expected = ['user.registered', 'user.registered', 'user.unregistered', 'user.unregistered'];
    await waitFor(() => receiver!.accepted.length >= expected.length, 'every event delivered');
    const events = receiver.accepted.map((r) => r.event).sort((x, y) => x.seq - y.seq);
    expect(events.map((e) => e.type)).to.deep.equal(expected);
    expect(events.map((e) => e.data.connectionId)).to.deep.equal([a.connectionId, b.connectionId, a.connectionId, b.connectionId]);
    for (const e of events) expect(e.data.uid).to.equal('hook-user');
  });

  it('says why a member left: leave, or closed by the operator', async () => {
    receiver = await startReceiver();
    srv = await startTestServer({ adminToken: 'admin-token-for-tests-0123456789', webhooks: { urls: [receiver.url], secret: SECRET } });
    const room = rid('why');
    const c = await helloClient(srv.url(), 'leaver');
    await c.join(room, 'muc');
    await c.leave(room, 'muc-leave');
    await waitFor(() => receiver!.accepted.some((r) => r.event.type === 'room.closed'), 'room closed');
    const left = receiver.accepted.find((r) => r.event.type === 'member.left');
    expect(left?.event.data).to.deep.include({ rid: room, kind: 'muc', uid: 'leaver', reason: 'leave' });

    const closing = rid('closing');
    await c.join(closing, 'muc');
    const r = await admin(srv.restPort, 'DELETE', `/admin/rooms/${closing}`, 'admin-token-for-tests-0123456789');
    expect(r.status).to.equal(200);
    await waitFor(() => receiver!.accepted.some((x) => x.event.type === 'member.left' && x.event.data.rid === closing), 'member left the closed room');
    const closed = receiver.accepted.find((x) => x.event.type === 'member.left' && x.event.data.rid === closing);
    expect(closed?.event.data.reason).to.equal('closed');
  });

  it('retries a receiver that fails twice: every event arrives once, the failed attempts are counted', async () => {
    receiver = await startReceiver({ failFirst: 2 });
    srv = await startTestServer({ webhooks: { urls: [receiver.url], secret: SECRET, retryBaseMs: 10, maxAttempts: 3 } });
    const room = rid('retry');
    const c = await helloClient(srv.url(), 'solo');
    await c.join(room);
    await c.close();
    // room.created, member.joined, member.left, room.closed
    await waitFor(() => receiver!.accepted.length === 4, 'the four events accepted', 5000);
    expect(receiver.attempts).to.equal(12);
    expect(new Set(receiver.accepted.map((r) => r.event.id)).size).to.equal(4);
    const m = parseMetrics((await getText(`${srv.restUrl}/metrics`)).text);
    expect(m.get('jsongle_webhooks_delivered_total')).to.equal(4);
    expect(m.get('jsongle_webhook_failed_attempts_total')).to.equal(8);
    expect(m.get('jsongle_webhooks_dropped_total{reason="attempts"}')).to.equal(undefined);
  });

  it('gives up on a dead receiver after maxAttempts and counts the drops; relays go on', async () => {
    // A port nothing listens on: every POST is refused.
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    srv = await startTestServer({ webhooks: { urls: [`http://127.0.0.1:${port}/`], retryBaseMs: 10, maxAttempts: 2 } });
    const room = rid('dead');
    const [a, b] = await p2pPair(srv.url(), room);
    for (let i = 0; i < 50; i++) {
      a.relay(room, 'session-text', { description: { text: `m${i}` } });
      await b.expectMessage({ jsongle: { action: 'session-text', description: { text: `m${i}` } } });
    }
    await waitFor(() => (srv!.server.stats.webhooksDropped.attempts ?? 0) === 3, 'three events given up (room.created, two joins)', 5000);
    expect(srv.server.stats.webhookFailedAttempts).to.equal(6);
    const m = parseMetrics((await getText(`${srv.restUrl}/metrics`)).text);
    expect(m.get('jsongle_webhooks_dropped_total{reason="attempts"}')).to.equal(3);
  });

  it('drops new events once the queue is full (a receiver that never answers), never blocking the rooms', async () => {
    const hanging = http.createServer(() => { /* never answers */ });
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    try {
      srv = await startTestServer({ webhooks: { urls: [`http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`], queueSize: 2, concurrency: 1, timeoutMs: 60_000 } });
      const clients = [];
      for (let i = 0; i < 5; i++) {
        const c = await helloClient(srv.url(), `u${i}`);
        await c.join(rid('full'), 'muc');
        clients.push(c);
      }
      // 10 events (5 rooms created, 5 joins), 2 held: 8 dropped at once.
      expect(srv.server.stats.webhooksDropped.queueFull).to.equal(8);
      expect(srv.server.stats.webhookQueueLength).to.equal(2);
    } finally {
      hanging.closeAllConnections();
      await srv?.stop();
      srv = undefined;
      await new Promise<void>((r) => hanging.close(() => r()));
    }
  });
});
