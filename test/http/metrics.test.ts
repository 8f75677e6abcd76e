/** createMetrics: one registry per server, names and types as documented, values read at scrape time. */
import { expect } from 'chai';
import { BUSINESS_METRICS, createMetrics } from '../../src/observability/metrics.js';
import { fakeContext } from './fake-context.js';

describe('createMetrics', () => {
  it('gives two servers in one process two independent registries', async () => {
    const a = fakeContext();
    const b = fakeContext();
    a.connections = 1;
    b.connections = 5;
    const ma = createMetrics(a);
    const mb = createMetrics(b);
    expect(ma.registry).not.to.equal(mb.registry);
    expect(await ma.registry.metrics()).to.match(/^users_count 1$/m);
    expect(await mb.registry.metrics()).to.match(/^users_count 5$/m);
  });

  it('declares every business metric under its original name and type', async () => {
    const text = await createMetrics(fakeContext()).registry.metrics();
    for (const [name, [type]] of Object.entries(BUSINESS_METRICS)) {
      expect(text, name).to.match(new RegExp(`^# TYPE ${name} ${type}$`, 'm'));
    }
  });

  it('types every *_total metric it defines as a counter', async () => {
    const text = await createMetrics(fakeContext()).registry.metrics();
    // prom-client's own default metrics (nodejs_*, process_*) are not ours to name.
    const totals = [...text.matchAll(/^# TYPE (\w+_total) (\w+)$/gm)].filter(([, name]) => !/^(nodejs|process)_/.test(name));
    expect(totals.length).to.be.above(10);
    for (const [, name, type] of totals) expect(type, name).to.equal('counter');
  });

  it('reads Stats when scraped, not when created', async () => {
    const ctx = fakeContext();
    const m = createMetrics(ctx);
    ctx.stats.bytesReceived = 3_000_000;
    ctx.stats.rateLimited = 4;
    ctx.stats.countServerClose('helloTimeout');
    ctx.rooms = { p2p: 2, muc: 3 };
    const text = await m.registry.metrics();
    expect(text).to.match(/^recv_total 3$/m);
    expect(text).to.match(/^jsongle_rate_limited_total 4$/m);
    expect(text).to.match(/^jsongle_server_closes_total\{reason="helloTimeout"\} 1$/m);
    expect(text).to.match(/^jsongle_rooms\{kind="p2p"\} 2$/m);
    expect(text).to.match(/^jsongle_rooms\{kind="muc"\} 3$/m);
    expect(text).to.match(/^conferences_count 5$/m);
  });

  it('reports the same value on every scrape while Stats do not move', async () => {
    const ctx = fakeContext();
    const m = createMetrics(ctx);
    ctx.stats.mucTextMessages = 7;
    await m.registry.metrics();
    const text = await m.registry.metrics();
    expect(text).to.match(/^messages_total 7$/m);
  });

  it('says 1 in jsongle_draining once the server is no longer accepting', async () => {
    const ctx = fakeContext();
    const m = createMetrics(ctx);
    expect(await m.registry.metrics()).to.match(/^jsongle_draining 0$/m);
    ctx.state = 'draining';
    expect(await m.registry.metrics()).to.match(/^jsongle_draining 1$/m);
  });
});
