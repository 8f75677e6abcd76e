/**
 * The /admin/ routes over real sockets (one process): every route's success and error answers,
 * a kick seen by the kicked client and its room, a room closed, the calls in progress, a drain.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ADMIN_TOKEN, admin, answeredCall } from '../helpers/admin.js';
import { closeAllClients, helloClient, TestClient, UpgradeRefused } from '../helpers/client.js';
import { rid } from '../helpers/ids.js';
import { p2pPair } from '../helpers/rooms.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { getText, parseMetrics } from '../helpers/http.js';

describe('admin API (one node)', function () {
  let srv: TestServer;
  beforeEach(async () => {
    srv = await startTestServer({ adminToken: ADMIN_TOKEN });
  });
  afterEach(async () => {
    await closeAllClients();
    await srv.stop();
  });

  it('is absent (404 JSON) without an adminToken', async () => {
    const bare = await startTestServer();
    try {
      for (const [method, path] of [['GET', '/admin/connections'], ['DELETE', '/admin/connections/x'], ['GET', '/admin/rooms/r'], ['POST', '/admin/drain']]) {
        const r = await admin(bare.restPort, method, path);
        expect(r.status, path).to.equal(404);
        expect(r.json).to.deep.include({ error: 'not found' });
      }
    } finally {
      await bare.stop();
    }
  });

  it('answers 401 JSON without the bearer token or with a wrong one', async () => {
    for (const token of [null, 'wrong', '']) {
      const r = await admin(srv.restPort, 'GET', '/admin/connections', token);
      expect(r.status).to.equal(401);
      expect(r.headers['www-authenticate']).to.equal('Bearer');
      expect(r.json).to.deep.equal({ error: 'missing or wrong bearer token' });
    }
  });

  it('lists connections with uid and rid filters, and answers one connection', async () => {
    const room = rid('list');
    const [a, b] = await p2pPair(srv.url(), room, ['ann', 'bob']);
    const c = await helloClient(srv.url(), 'cid');
    const all = await admin(srv.restPort, 'GET', '/admin/connections');
    expect(all.status).to.equal(200);
    expect(all.json.next).to.equal(null);
    expect(all.json.items.map((i: { id: string }) => i.id)).to.deep.equal([a, b, c].map((x) => x.connectionId).sort());
    const byUid = await admin(srv.restPort, 'GET', '/admin/connections?uid=bob');
    expect(byUid.json.items).to.have.length(1);
    expect(byUid.json.items[0]).to.deep.include({ id: b.connectionId, uid: 'bob', ip: '127.0.0.1', rooms: [room] });
    const byRid = await admin(srv.restPort, 'GET', `/admin/connections?rid=${encodeURIComponent(room)}`);
    expect(byRid.json.items.map((i: { uid: string }) => i.uid).sort()).to.deep.equal(['ann', 'bob']);

    const one = await admin(srv.restPort, 'GET', `/admin/connections/${c.connectionId}`);
    expect(one.status).to.equal(200);
    expect(one.json).to.deep.include({ id: c.connectionId, uid: 'cid', rooms: [] });
    expect(Number.isNaN(Date.parse(one.json.connectedAt))).to.equal(false);
  });

  it('answers 400 JSON for a bad cursor, a bad limit or a bad path encoding, and 404 JSON for unknown ids', async () => {
    for (const q of ['cursor=not-a-cursor!', 'cursor=' + Buffer.from('{"x":1}').toString('base64url'), 'limit=0', 'limit=1001', 'limit=abc']) {
      const r = await admin(srv.restPort, 'GET', `/admin/connections?${q}`);
      expect(r.status, q).to.equal(400);
      expect(r.json.error, q).to.be.a('string');
    }
    for (const path of ['/admin/rooms?cursor=%%%', '/admin/calls?limit=-1']) {
      expect((await admin(srv.restPort, 'GET', path)).status, path).to.equal(400);
    }
    expect((await admin(srv.restPort, 'GET', '/admin/connections/%E0%A4%A')).status).to.equal(400);
    for (const [method, path] of [['GET', '/admin/connections/nope'], ['DELETE', '/admin/connections/nope'], ['GET', '/admin/rooms/nope'], ['DELETE', '/admin/rooms/nope']]) {
      const r = await admin(srv.restPort, method, path);
      expect(r.status, `${method} ${path}`).to.equal(404);
      expect(r.json.error).to.match(/^no such/);
    }
    expect((await admin(srv.restPort, 'PUT', '/admin/connections')).status).to.equal(405);
  });

  it('kicks a connection: it gets 403007 then close 4403, its room hears `left`', async () => {
    const room = rid('kick');
    const [a, b] = await p2pPair(srv.url(), room, ['stays', 'kicked']);
    const r = await admin(srv.restPort, 'DELETE', `/admin/connections/${b.connectionId}`);
    expect(r.status).to.equal(200);
    expect(r.json).to.deep.equal({ id: b.connectionId, kicked: true });
    const err = await b.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(403007);
    expect((await b.expectClose()).code).to.equal(4403);
    await a.expectMessage({ jsongle: { action: 'session-event', event: 'left', description: { rid: room, member: { uid: 'kicked' } } } });
    await waitFor(() => srv.server.inspectState().connections === 1, 'the kicked connection released');
    expect((await admin(srv.restPort, 'GET', `/admin/connections/${b.connectionId}`)).status).to.equal(404);
    const metrics = parseMetrics((await getText(`${srv.restUrl}/metrics`)).text);
    expect(metrics.get('jsongle_server_closes_total{reason="kicked"}')).to.equal(1);
  });

  it('lists rooms, shows one with its members and call, closes it: every member hears `left`', async () => {
    const room = rid('close');
    const [a, b] = await p2pPair(srv.url(), room, ['caller-uid', 'callee-uid']);
    const muc = rid('muc');
    const c = await helloClient(srv.url(), 'carol');
    await c.join(muc, 'muc');
    const sid = randomUUID();
    await answeredCall(a, b, room, sid);

    const list = await admin(srv.restPort, 'GET', '/admin/rooms');
    expect(list.status).to.equal(200);
    const byRid = new Map(list.json.items.map((r: { rid: string }) => [r.rid, r]));
    expect(byRid.get(room)).to.deep.include({ kind: 'room', members: 2, call: 'active' });
    expect(byRid.get(muc)).to.deep.include({ kind: 'muc', members: 1, call: null });

    const one = await admin(srv.restPort, 'GET', `/admin/rooms/${encodeURIComponent(room)}`);
    expect(one.status).to.equal(200);
    expect(one.json.members.map((m: { uid: string }) => m.uid)).to.deep.equal(['caller-uid', 'callee-uid']);
    expect(one.json.calls).to.have.length(1);
    expect(one.json.calls[0]).to.deep.include({ sid, state: 'active' });

    const calls = await admin(srv.restPort, 'GET', '/admin/calls');
    expect(calls.json.items.map((x: { sid: string }) => x.sid)).to.deep.equal([sid]);

    const closed = await admin(srv.restPort, 'DELETE', `/admin/rooms/${encodeURIComponent(room)}`);
    expect(closed.status).to.equal(200);
    expect(closed.json).to.deep.equal({ rid: room, closed: true, removed: 2 });
    // Each member hears `left` (the first removed about itself, the second about both), and the call ends.
    await a.expectMessage({ jsongle: { action: 'session-event', event: 'left', description: { rid: room, member: { uid: 'caller-uid' } } } });
    await b.expectMessage({ jsongle: { action: 'session-event', event: 'left', description: { rid: room, member: { uid: 'caller-uid' } } } });
    await b.expectMessage({ jsongle: { action: 'session-event', event: 'left', description: { rid: room, member: { uid: 'callee-uid' } } } });
    expect((await admin(srv.restPort, 'GET', `/admin/rooms/${encodeURIComponent(room)}`)).status).to.equal(404);
    expect((await admin(srv.restPort, 'GET', '/admin/calls')).json.items).to.deep.equal([]);
    // Out of the room: a relay to it is refused, and both may join again.
    a.relay(room, 'session-text', { description: { text: 'hi' } });
    const refused = await a.expectMessage({ jsongle: { action: 'session-error' } });
    expect(refused.jsongle.description.errorCode).to.equal(404002);
    await a.join(room);
    expect(srv.server.inspectState().calls).to.equal(0);
  });

  it('drains through the API: new upgrades 503, clients get 503001 and 1001, the monitoring port stays', async () => {
    const c = await helloClient(srv.url(), 'draining');
    const r = await admin(srv.restPort, 'POST', '/admin/drain');
    expect(r.status).to.equal(202);
    expect(r.json).to.deep.include({ node: null });
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(503001);
    expect((await c.expectClose()).code).to.equal(1001);
    await waitFor(() => srv.server.inspectState().lifecycle === 'stopped', 'the supervisor stopped');
    const about = await admin(srv.restPort, 'GET', '/about');
    expect(about.json.lifecycle).to.equal('stopped');
    const again = await TestClient.connect(srv.url()).then(() => 0, (e: unknown) => (e instanceof UpgradeRefused ? e.status : -1));
    expect(again).to.not.equal(0);
  });

  it('pages through a few thousand connections in a stable order, none twice', async function () {
    this.timeout(30_000);
    const many = await startTestServer({ adminToken: ADMIN_TOKEN, maxConcurrentUsers: 5000, helloTimeoutMs: 60_000 });
    try {
      const N = 2500;
      const clients: TestClient[] = [];
      for (let i = 0; i < N; i += 250) {
        clients.push(...await Promise.all(Array.from({ length: Math.min(250, N - i) }, () => TestClient.connect(many.url()))));
      }
      await waitFor(() => many.server.inspectState().connections === N, `${N} connections open`, 10_000);
      const seen: string[] = [];
      let cursor: string | null = '';
      let pages = 0;
      while (cursor !== null) {
        const r = await admin(many.restPort, 'GET', `/admin/connections?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
        expect(r.status).to.equal(200);
        seen.push(...r.json.items.map((i: { id: string }) => i.id));
        cursor = r.json.next;
        pages++;
      }
      expect(pages).to.equal(3);
      expect(seen).to.have.length(N);
      expect(new Set(seen).size).to.equal(N);
      expect(seen).to.deep.equal([...seen].sort());
      await Promise.all(clients.map((c) => c.terminate()));
    } finally {
      await many.stop();
    }
  });

  it('rate-limits admin requests (429 JSON with Retry-After), wrong tokens included', async () => {
    const limited = await startTestServer({ adminToken: ADMIN_TOKEN, admin: { requestsPerSecond: 1, burst: 3 } });
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await admin(limited.restPort, 'GET', '/admin/rooms', i === 0 ? 'wrong' : ADMIN_TOKEN));
      expect(answers.map((a) => a.status)).to.deep.equal([401, 200, 200, 429]);
      expect(answers[3].json.error).to.match(/too many/);
      expect(Number(answers[3].headers['retry-after'])).to.be.at.least(1);
    } finally {
      await limited.stop();
    }
  });
});
