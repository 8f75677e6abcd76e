/**
 * protocol.md § Monitoring HTTP API, against the real server: every route and status code of the
 * restPort, with real HTTP requests.
 */
import { expect } from 'chai';
import { BUSINESS_METRICS } from '../../../src/observability/metrics.js';
import { packageVersion } from '../../helpers/package.js';
import { useTestServer } from '../../helpers/suite.js';
import { isIsoDate } from '../../helpers/ids.js';
import { waitFor } from '../../helpers/wait.js';
import { request } from '../../helpers/http.js';

describe('Monitoring API: read-only routes', () => {
  const srv = useTestServer();

  it('answers GET /ping and GET /health with 200 {"status":"OK"}', async () => {
    for (const path of ['/ping', '/health']) {
      const r = await request(srv().restPort, path);
      expect(r.status, path).to.equal(200);
      expect(r.headers['content-type'], path).to.match(/^application\/json/);
      expect(r.json, path).to.deep.equal({ status: 'OK' });
    }
  });

  it('describes the running server on GET /about, with the ports actually listened on', async () => {
    const r = await request(srv().restPort, '/about');
    expect(r.status).to.equal(200);
    expect(r.json.name).to.equal('jsongle-server');
    expect(r.json.version).to.equal(packageVersion);
    expect(r.json.description).to.be.a('string');
    expect(isIsoDate(r.json.started)).to.equal(true);
    expect(r.json.configuration).to.deep.equal({ wsPort: srv().wsPort, restPort: srv().restPort, useSSL: false });
    expect(r.json.uwsNative).to.equal(true);
    expect(r.json.node).to.equal(process.version);
    expect(r.json.lifecycle).to.equal('accepting');
  });

  it('serves Prometheus text with its content type on GET /metrics, business metrics included', async () => {
    const r = await request(srv().restPort, '/metrics');
    expect(r.status).to.equal(200);
    expect(r.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8');
    expect(r.text).to.match(/^# TYPE users_count gauge$/m);
    expect(r.text).to.match(/^users_count \d+$/m);
    expect(r.text).to.match(/^# TYPE conferences_total counter$/m);
    expect(r.text).to.match(/^jsongle_rooms\{kind="p2p"\} \d+$/m);
    expect(r.text).to.match(/^nodejs_heap_size_used_bytes /m);
  });

  it('answers GET /stats with a number for every business metric and nothing else', async () => {
    const r = await request(srv().restPort, '/stats');
    expect(r.status).to.equal(200);
    expect(Object.keys(r.json).sort()).to.deep.equal(Object.keys(BUSINESS_METRICS).sort());
    for (const [k, v] of Object.entries(r.json)) expect(v, k).to.be.a('number');
  });

  it('passes its own round trip on GET /tests: 200, score 100, every check ok', async () => {
    const r = await request(srv().restPort, '/tests');
    expect(r.status, r.text).to.equal(200);
    expect(r.json.score).to.equal(100);
    expect(r.json.executionTime).to.be.a('number');
    expect(r.json.checks).to.have.length.above(3);
    for (const c of r.json.checks) expect(c, JSON.stringify(c)).to.include({ ok: true });
  });

  it('leaves no connection and no room behind after GET /tests', async () => {
    await request(srv().restPort, '/tests');
    // The self-test's sockets closed cleanly; the server drops them as its close callbacks run.
    await waitFor(() => srv().server.inspectState().connections === 0, 'the self-test connections to go');
    expect(srv().server.inspectState().rooms).to.equal(0);
  });

  it('answers an unknown path with a JSON 404', async () => {
    const r = await request(srv().restPort, '/admin');
    expect(r.status).to.equal(404);
    expect(r.json.error).to.equal('not found');
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const r = await request(srv().restPort, '/about', { method: 'DELETE' });
    expect(r.status).to.equal(405);
    expect(r.headers.allow).to.equal('GET, HEAD, OPTIONS');
  });
});

describe('Monitoring API: PUT /logs/levels with an adminToken', () => {
  const srv = useTestServer({ adminToken: 'admin-secret' });
  const put = (body: string, auth?: string) =>
    request(srv().restPort, '/logs/levels', {
      method: 'PUT', body,
      headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) },
    });

  it('changes the level and answers the previous one', async () => {
    const was = srv().server.logger.level();
    const r = await put('{"level":"warn"}', 'Bearer admin-secret');
    expect(r.status).to.equal(200);
    expect(r.json).to.deep.equal({ level: 'warn', was });
    expect(srv().server.logger.level()).to.equal('warn');
    const back = await put(JSON.stringify({ level: was }), 'Bearer admin-secret');
    expect(back.json).to.deep.equal({ level: was, was: 'warn' });
  });

  it('answers 401 without the token and with a wrong one, and keeps the level', async () => {
    const before = srv().server.logger.level();
    expect((await put('{"level":"debug"}')).status).to.equal(401);
    expect((await put('{"level":"debug"}', 'Bearer admin-secreT')).status).to.equal(401);
    expect((await put('{"level":"debug"}', 'admin-secret')).status).to.equal(401);
    expect(srv().server.logger.level()).to.equal(before);
  });

  it('answers 400 JSON to an unknown level and to bad JSON', async () => {
    const unknown = await put('{"level":"verbose2"}', 'Bearer admin-secret');
    expect(unknown.status).to.equal(400);
    expect(unknown.json.error).to.be.a('string');
    const bad = await put('level=debug', 'Bearer admin-secret');
    expect(bad.status).to.equal(400);
    expect(bad.json.error).to.equal('body is not valid JSON');
  });

  it('answers 413 to a body larger than 16 KiB', async () => {
    const r = await put(JSON.stringify({ level: 'debug', pad: 'x'.repeat(17 * 1024) }), 'Bearer admin-secret');
    expect(r.status).to.equal(413);
  });
});
