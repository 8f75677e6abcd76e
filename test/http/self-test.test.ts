/** GET /tests against a stand-in JSONgle server: success, each failing step, and refusals. */
import { expect } from 'chai';
import { registerMonitoringRoutes } from '../../src/http/router.js';
import { runSelfTest, selfTestUrl } from '../../src/http/self-test.js';
import { waitFor } from '../helpers/wait.js';
import { fakeContext, listenApp, type FakeContext } from './fake-context.js';
import { startFakeJsongleServer, type FakeJsongleServer, type Step } from './fake-jsongle-server.js';
import { request } from '../helpers/http.js';

describe('GET /tests self-check', () => {
  let ctx: FakeContext;
  let rest: { port: number; close(): void } | undefined;
  let ws: FakeJsongleServer | undefined;

  afterEach(async () => {
    rest?.close();
    rest = undefined;
    await ws?.close();
    ws = undefined;
  });

  async function mount(opts: { breakAt?: Step } = {}, overrides = {}): Promise<void> {
    ws = await startFakeJsongleServer(opts);
    ctx = fakeContext(overrides);
    ctx.port = ws.port;
    rest = await listenApp((app) => registerMonitoringRoutes(app, ctx));
  }

  it('answers 200 with score 100 and one passing check per step when the round trip works', async () => {
    await mount();
    const r = await request(rest!.port, '/tests');
    expect(r.status).to.equal(200);
    expect(r.json.score).to.equal(100);
    expect(r.json.executionTime).to.be.a('number');
    expect(r.json.checks.map((c: { name: string }) => c.name)).to.deep.equal(['connect', 'hello', 'join', 'relay', 'leave', 'close']);
    for (const c of r.json.checks) {
      expect(c.ok, c.name).to.equal(true);
      expect(c.ms, c.name).to.be.a('number');
    }
  });

  it('closes both of its connections when it passes', async () => {
    await mount();
    await request(rest!.port, '/tests');
    // The client side saw the close handshake; the server side drops the sockets a moment later.
    await waitFor(() => ws!.open() === 0, 'every loopback socket closed', 2000);
  });

  for (const [step, score] of [['hello', 16], ['join', 33], ['relay', 50], ['leave', 66]] as const) {
    it(`answers 503 naming "${step}" when the server never answers that step`, async () => {
      await mount({ breakAt: step });
      const result = await runSelfTest(ctx, 300);
      expect(result.score).to.equal(score);
      const last = result.checks[result.checks.length - 1];
      expect(last).to.include({ name: step, ok: false });
      expect(last.error).to.match(/timed out/);
      // Failure paths terminate their sockets; the stand-in sees them go.
      await waitFor(() => ws!.open() === 0, 'every loopback socket closed', 2000);
    });
  }

  it('fails first on the cluster check while the Redis engine is unhealthy, before connecting anything', async () => {
    await mount();
    ctx.cluster = () => ({ healthy: false, nodeId: 'n1', redis: { cmd: 'reconnecting', sub: 'reconnecting' }, lastError: 'ECONNREFUSED' } as never);
    const result = await runSelfTest(ctx, 1000);
    expect(result.score).to.equal(0);
    expect(result.checks).to.have.length(1);
    expect(result.checks[0]).to.include({ name: 'cluster', ok: false });
    expect(result.checks[0].error).to.match(/unhealthy.*ECONNREFUSED/);
    expect(ws!.urls).to.have.length(0);
  });

  it('answers 503 with the failed check over HTTP', async () => {
    await mount({ breakAt: 'relay' });
    const r = await request(rest!.port, '/tests');
    expect(r.status).to.equal(503);
    expect(r.json.failed).to.equal('relay');
    expect(r.json.score).to.be.below(100);
  });

  it('fails the connect check when nothing listens on the WebSocket port', async () => {
    ws = await startFakeJsongleServer();
    const port = ws.port;
    await ws.close();
    ws = undefined;
    ctx = fakeContext();
    ctx.port = port;
    const result = await runSelfTest(ctx, 1000);
    expect(result.score).to.equal(0);
    expect(result.checks).to.have.length(1);
    expect(result.checks[0]).to.include({ name: 'connect', ok: false });
  });

  it('passes the configured appToken in the query string', async () => {
    await mount({}, { appToken: 'a b&c' });
    await runSelfTest(ctx, 1000);
    expect(ws!.urls).to.have.length(2);
    for (const u of ws!.urls) expect(u).to.equal('/?appToken=a%20b%26c');
  });

  it('connects to loopback when the server listens on every interface', () => {
    ctx = fakeContext({ wsHost: '0.0.0.0' });
    ctx.port = 9000;
    expect(selfTestUrl(ctx)).to.equal('ws://127.0.0.1:9000/');
  });

  it('uses wss when the server serves TLS', () => {
    ctx = fakeContext();
    (ctx as { tls: boolean }).tls = true;
    ctx.port = 9443;
    expect(selfTestUrl(ctx)).to.equal('wss://127.0.0.1:9443/');
  });
});
