/** Each monitoring route against a hand-made context, on a bare uWS app. */
import { expect } from 'chai';
import { registerMonitoringRoutes } from '../../src/http/router.js';
import { BUSINESS_METRICS } from '../../src/observability/metrics.js';
import { fakeContext, listenApp, type FakeContext } from './fake-context.js';
import { request } from '../helpers/http.js';

describe('monitoring routes', () => {
  let ctx: FakeContext;
  let server: { port: number; close(): void };

  async function mount(overrides = {}): Promise<void> {
    ctx = fakeContext(overrides);
    server = await listenApp((app) => registerMonitoringRoutes(app, ctx));
  }
  afterEach(() => server?.close());

  it('answers GET /ping and GET /health with 200 {"status":"OK"}', async () => {
    await mount();
    for (const path of ['/ping', '/health']) {
      const r = await request(server.port, path);
      expect(r.status, path).to.equal(200);
      expect(r.json, path).to.deep.equal({ status: 'OK' });
    }
  });

  it('describes the server on GET /about', async () => {
    await mount();
    ctx.port = 4321;
    ctx.state = 'draining';
    const r = await request(server.port, '/about');
    expect(r.status).to.equal(200);
    expect(r.json).to.deep.equal({
      name: 'jsongle-server',
      version: '3.0.0-test',
      description: 'fake context',
      started: '2026-01-02T03:04:05.000Z',
      configuration: { wsPort: 4321, restPort: 2, useSSL: false },
      uwsNative: true,
      node: process.version,
      lifecycle: 'draining',
    });
  });

  it('reports every business metric as a number on GET /stats, read from the context now', async () => {
    await mount();
    ctx.connections = 3;
    ctx.rooms = { p2p: 2, muc: 1 };
    Object.assign(ctx.stats, {
      connectionsOpened: 7, roomsCreated: 5, connectionMinutes: 12, bytesReceived: 2_500_000, bytesSent: 1_000_000,
      callsInProgress: 1, callsAccepted: 4, callSeconds: 90, callsFailed: 2, mucTextMessages: 11, mucReactions: 6,
    });
    const r = await request(server.port, '/stats');
    expect(r.status).to.equal(200);
    expect(r.json).to.deep.equal({
      users_count: 3, users_total: 7, conferences_count: 3, conferences_total: 5, duration_total: 12,
      recv_total: 2.5, sent_total: 1, p2p_count: 1, p2p_total: 4, p2p_duration_total: 90, p2p_failed_total: 2,
      messages_total: 11, reactions_total: 6,
    });
    expect(Object.keys(r.json)).to.deep.equal(Object.keys(BUSINESS_METRICS));
  });

  it('serves Prometheus text with the registry content type on GET /metrics', async () => {
    await mount();
    ctx.connections = 2;
    ctx.stats.connectionsOpened = 9;
    ctx.stats.countRelay({ action: 'session-text' }, 'muc');
    ctx.stats.countError(403001);
    ctx.stats.countRejectedUpgrade('unauthorized');
    const r = await request(server.port, '/metrics');
    expect(r.status).to.equal(200);
    expect(r.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8');
    expect(r.text).to.match(/^# TYPE users_count gauge$/m);
    expect(r.text).to.match(/^users_count 2$/m);
    expect(r.text).to.match(/^# TYPE users_total counter$/m);
    expect(r.text).to.match(/^users_total 9$/m);
    expect(r.text).to.match(/^jsongle_relayed_messages_total\{kind="muc",action="session-text"\} 1$/m);
    expect(r.text).to.match(/^jsongle_errors_total\{code="403001"\} 1$/m);
    expect(r.text).to.match(/^jsongle_rejected_upgrades_total\{reason="unauthorized"\} 1$/m);
    expect(r.text).to.match(/^process_cpu_user_seconds_total /m);
  });

  describe('PUT /logs/levels', () => {
    const ADMIN = { adminToken: 'adm1n' };
    const put = (port: number, body: string, headers: Record<string, string> = { Authorization: 'Bearer adm1n' }) =>
      request(port, '/logs/levels', { method: 'PUT', body, headers: { 'Content-Type': 'application/json', ...headers } });

    it('is refused with 403 JSON while no adminToken is set, and the level stays', async () => {
      await mount();
      const r = await put(server.port, '{"level":"debug"}', {});
      expect(r.status).to.equal(403);
      expect(r.json).to.deep.equal({ error: 'PUT /logs/levels is disabled: set adminToken to enable it' });
      expect(ctx.logger.level()).to.equal('info');
      expect(ctx.stats.monitoringRefusals.adminDisabled).to.equal(1);
    });

    it('sets the level and answers the new and the previous one', async () => {
      await mount(ADMIN);
      const r = await put(server.port, '{"level":"debug"}');
      expect(r.status).to.equal(200);
      expect(r.json).to.deep.equal({ level: 'debug', was: 'info' });
      expect(ctx.logger.level()).to.equal('debug');
    });

    it('answers 400 to an unknown level and leaves the level alone', async () => {
      await mount(ADMIN);
      const r = await put(server.port, '{"level":"loud"}');
      expect(r.status).to.equal(400);
      expect(r.json.error).to.equal('unknown log level');
      expect(ctx.logger.level()).to.equal('info');
    });

    it('answers 400 to a body that is not JSON', async () => {
      await mount(ADMIN);
      const r = await put(server.port, '{"level":');
      expect(r.status).to.equal(400);
      expect(r.json.error).to.equal('body is not valid JSON');
    });

    it('answers 400 to an empty body and to a JSON value that is not an object', async () => {
      await mount(ADMIN);
      expect((await put(server.port, '')).status).to.equal(400);
      expect((await put(server.port, '["debug"]')).status).to.equal(400);
      expect((await put(server.port, '"debug"')).status).to.equal(400);
    });

    it('answers 413 to a body larger than the cap', async () => {
      await mount(ADMIN);
      const r = await put(server.port, JSON.stringify({ level: 'debug', pad: 'x'.repeat(20_000) }));
      expect(r.status).to.equal(413);
      expect(ctx.logger.level()).to.equal('info');
    });

    it('requires the admin bearer token when one is configured', async () => {
      await mount({ adminToken: 's3cret' });
      const none = await put(server.port, '{"level":"warn"}', {});
      expect(none.status).to.equal(401);
      expect(none.headers['www-authenticate']).to.equal('Bearer');
      const wrong = await put(server.port, '{"level":"warn"}', { Authorization: 'Bearer s3cre' });
      expect(wrong.status).to.equal(401);
      expect(ctx.logger.level()).to.equal('info');
      const right = await put(server.port, '{"level":"warn"}', { Authorization: 'Bearer s3cret' });
      expect(right.status).to.equal(200);
      expect(right.json).to.deep.equal({ level: 'warn', was: 'info' });
    });
  });
});
