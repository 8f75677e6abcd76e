/** The router on a bare uWS app: matching, 404/405/OPTIONS, CORS, bodies and handler failures. */
import { expect } from 'chai';
import { createMetrics } from '../../src/observability/metrics.js';
import { createDispatcher, registerMonitoringRoutes } from '../../src/http/router.js';
import type { Route } from '../../src/http/route.js';
import { fakeContext, listenApp, type FakeContext } from './fake-context.js';
import { request } from '../helpers/http.js';

describe('monitoring router', () => {
  let ctx: FakeContext;
  let server: { port: number; close(): void };

  async function mount(overrides = {}): Promise<void> {
    ctx = fakeContext(overrides);
    server = await listenApp((app) => registerMonitoringRoutes(app, ctx));
  }
  afterEach(() => server?.close());

  it('answers an unknown path with a JSON 404', async () => {
    await mount();
    const r = await request(server.port, '/nope');
    expect(r.status).to.equal(404);
    expect(r.headers['content-type']).to.match(/^application\/json/);
    expect(r.json).to.deep.equal({ error: 'not found', path: '/nope' });
  });

  it('answers a known path with the wrong method with 405 and an Allow header', async () => {
    await mount();
    const r = await request(server.port, '/stats', { method: 'POST', body: '{}' });
    expect(r.status).to.equal(405);
    expect(r.headers.allow).to.equal('GET, HEAD, OPTIONS');
    expect(r.json.error).to.equal('method not allowed');
  });

  it('treats a trailing slash as the same path', async () => {
    await mount();
    const r = await request(server.port, '/ping/');
    expect(r.status).to.equal(200);
    expect(r.json).to.deep.equal({ status: 'OK' });
  });

  it('ignores the query string when matching', async () => {
    await mount();
    expect((await request(server.port, '/health?probe=1')).status).to.equal(200);
  });

  it('allows any origin when corsPolicyOrigin is empty', async () => {
    await mount();
    const r = await request(server.port, '/ping', { headers: { Origin: 'https://anywhere.example' } });
    expect(r.headers['access-control-allow-origin']).to.equal('*');
  });

  it('echoes an origin that is in the corsPolicyOrigin list', async () => {
    await mount({ corsPolicyOrigin: 'https://a.example, https://b.example' });
    const r = await request(server.port, '/ping', { headers: { Origin: 'https://b.example' } });
    expect(r.headers['access-control-allow-origin']).to.equal('https://b.example');
    expect(r.headers.vary).to.equal('Origin');
  });

  it('sends no allow-origin header for an origin outside the list', async () => {
    await mount({ corsPolicyOrigin: 'https://a.example' });
    const r = await request(server.port, '/ping', { headers: { Origin: 'https://evil.example' } });
    expect(r.status).to.equal(200);
    expect(r.headers).not.to.have.property('access-control-allow-origin');
  });

  it('answers an OPTIONS preflight for a known path with 204 and the allowed methods', async () => {
    await mount({ corsPolicyOrigin: 'https://a.example' });
    const r = await request(server.port, '/logs/levels', {
      method: 'OPTIONS',
      headers: { Origin: 'https://a.example', 'Access-Control-Request-Method': 'PUT' },
    });
    expect(r.status).to.equal(204);
    expect(r.headers['access-control-allow-origin']).to.equal('https://a.example');
    expect(r.headers['access-control-allow-methods']).to.equal('PUT, OPTIONS');
    expect(r.headers['access-control-allow-headers']).to.match(/Authorization/);
  });

  it('answers an OPTIONS request for an unknown path with 404', async () => {
    await mount();
    expect((await request(server.port, '/nope', { method: 'OPTIONS' })).status).to.equal(404);
  });

  it('answers HEAD like GET, with the headers and no body', async () => {
    await mount();
    const head = await request(server.port, '/ping', { method: 'HEAD' });
    expect(head.status).to.equal(200);
    expect(head.headers['content-type']).to.match(/^application\/json/);
    expect(head.headers['content-length']).to.equal(String('{"status":"OK"}'.length));
    expect(head.text).to.equal('');
  });

  describe('with a route table of its own', () => {
    async function mountRoutes(routes: Route[]): Promise<void> {
      ctx = fakeContext();
      const env = { ctx, metrics: createMetrics(ctx) };
      server = await listenApp((app) => app.any('/*', createDispatcher(routes, env)));
    }

    it('answers 500 JSON and logs when a handler throws', async () => {
      await mountRoutes([{ method: 'GET', path: '/boom', handler: () => { throw new Error('kaboom'); } }]);
      const r = await request(server.port, '/boom');
      expect(r.status).to.equal(500);
      expect(r.json).to.deep.equal({ error: 'internal error' });
      expect(ctx.logger.lines.some((l) => l.level === 'error' && l.meta?.error === 'kaboom')).to.equal(true);
    });

    it('answers 500 JSON when an async handler rejects', async () => {
      await mountRoutes([{ method: 'GET', path: '/late-boom', handler: async () => { await Promise.resolve(); throw new Error('late'); } }]);
      expect((await request(server.port, '/late-boom')).status).to.equal(500);
    });

    it('writes an answer that comes after an await', async () => {
      await mountRoutes([{
        method: 'GET', path: '/late',
        handler: async () => { await new Promise((r) => setImmediate(r)); return { status: 200, body: { late: true } }; },
      }]);
      const r = await request(server.port, '/late');
      expect(r.status).to.equal(200);
      expect(r.json).to.deep.equal({ late: true });
    });

    it('survives a client that goes away before an async answer is ready', async () => {
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => { release = r; });
      let entered: () => void = () => {};
      const handlerEntered = new Promise<void>((r) => { entered = r; });
      await mountRoutes([
        { method: 'GET', path: '/slow', handler: async () => { entered(); await gate; return { status: 200, body: { late: true } }; } },
        { method: 'GET', path: '/ok', handler: () => ({ status: 200, body: { ok: true } }) },
      ]);
      const gone = request(server.port, '/slow', { abortAfterSend: true });
      await handlerEntered;
      await gone.catch(() => undefined);
      release();
      // The late answer is dropped (the response is dead); the server keeps serving.
      const r = await request(server.port, '/ok');
      expect(r.json).to.deep.equal({ ok: true });
    });

    it('hands a JSON body to a route that declares one', async () => {
      await mountRoutes([{ method: 'POST', path: '/echo', body: 'json', handler: (req) => ({ status: 200, body: { got: req.body } }) }]);
      const r = await request(server.port, '/echo', { method: 'POST', body: JSON.stringify({ a: [1, 2] }) });
      expect(r.json).to.deep.equal({ got: { a: [1, 2] } });
    });

    it('reads a body sent in several chunks without a Content-Length', async () => {
      await mountRoutes([{ method: 'POST', path: '/echo', body: 'json', handler: (req) => ({ status: 200, body: { got: req.body } }) }]);
      const big = JSON.stringify({ s: 'x'.repeat(10_000) });
      const chunks = [big.slice(0, 7), big.slice(7, 5000), big.slice(5000)];
      const r = await request(server.port, '/echo', { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, chunks });
      expect(r.status).to.equal(200);
      expect(r.json.got.s).to.have.length(10_000);
    });

    it('answers 413 to a chunked body that grows past the cap', async () => {
      await mountRoutes([{ method: 'POST', path: '/echo', body: 'json', handler: (req) => ({ status: 200, body: { got: req.body } }) }]);
      const r = await request(server.port, '/echo', { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, chunks: ['x'.repeat(10_000), 'x'.repeat(10_000)] });
      expect(r.status).to.equal(413);
    });

    it('answers a plain-text body with its own content type', async () => {
      await mountRoutes([{ method: 'GET', path: '/text', handler: () => ({ status: 200, body: 'hi\n', contentType: 'text/plain; version=0.0.4' }) }]);
      const r = await request(server.port, '/text');
      expect(r.text).to.equal('hi\n');
      expect(r.headers['content-type']).to.equal('text/plain; version=0.0.4');
    });
  });
});
