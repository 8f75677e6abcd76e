/**
 * The per-address limit on new connections (src/transport/upgrade-limit.ts): a burst of upgrades
 * from one address is answered HTTP 429 before any actor exists; other addresses are not
 * affected; loopback peers are exempt by default (a local proxy or benchmark).
 */
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load.js';
import { createServer } from '../../src/server.js';
import { admit } from '../../src/transport/admission.js';
import { UpgradeLimiter, addressKey, isLoopback, type UpgradeLimitConfig } from '../../src/transport/upgrade-limit.js';
import { LeanClient } from '../leak/lean-client.js';
import { RawUpgradeRefused } from '../leak/raw-ws.js';

const limit = (perAddress: number, windowSec = 10, exemptLoopback = false): UpgradeLimitConfig => ({ perAddress, windowSec, exemptLoopback });

describe('UpgradeLimiter', () => {
  it('allows a burst of perAddress upgrades from one address and refuses the next', () => {
    const l = new UpgradeLimiter(limit(3), 0);
    expect([1, 2, 3, 4].map(() => l.allow('203.0.113.7', 0))).to.deep.equal([true, true, true, false]);
  });

  it('limits each address on its own', () => {
    const l = new UpgradeLimiter(limit(1), 0);
    expect(l.allow('203.0.113.7', 0)).to.equal(true);
    expect(l.allow('203.0.113.8', 0)).to.equal(true);
    expect(l.allow('203.0.113.7', 0)).to.equal(false);
  });

  it('refills at perAddress per window: one upgrade again after window / perAddress', () => {
    const l = new UpgradeLimiter(limit(10, 10), 0);
    for (let i = 0; i < 10; i++) l.allow('198.51.100.1', 0);
    expect(l.allow('198.51.100.1', 500)).to.equal(false);
    expect(l.allow('198.51.100.1', 1000)).to.equal(true);
    expect(l.allow('198.51.100.1', 1000)).to.equal(false);
  });

  it('forgets addresses whose bucket is full again, so memory follows recent addresses only', () => {
    const l = new UpgradeLimiter(limit(5, 10), 0);
    for (let i = 0; i < 1000; i++) l.allow(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(l.size).to.equal(1000);
    l.allow('10.9.9.9', 10_000);
    expect(l.size).to.equal(1);
  });

  it('is disabled by perAddress 0', () => {
    const l = new UpgradeLimiter(limit(0), 0);
    for (let i = 0; i < 1000; i++) expect(l.allow('203.0.113.7', 0)).to.equal(true);
  });

  it('exempts loopback peers when exemptLoopback is set, and only those', () => {
    const l = new UpgradeLimiter(limit(1, 10, true), 0);
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      expect(isLoopback(a), a).to.equal(true);
      expect(l.allow(a, 0) && l.allow(a, 0), a).to.equal(true);
    }
    expect(l.allow('192.0.2.1', 0)).to.equal(true);
    expect(l.allow('192.0.2.1', 0)).to.equal(false);
  });

  it('keys IPv6 addresses by their /64 and IPv4-mapped addresses by the IPv4 address', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).to.equal('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee')).to.equal('2001:db8:1:2::/64');
    expect(addressKey('::ffff:198.51.100.4')).to.equal('198.51.100.4');
    expect(addressKey('198.51.100.4')).to.equal('198.51.100.4');
    const l = new UpgradeLimiter(limit(1), 0);
    expect(l.allow('2001:db8:1:2::10', 0)).to.equal(true);
    expect(l.allow('2001:db8:1:2::20', 0), 'same /64').to.equal(false);
    expect(l.allow('2001:db8:1:3::10', 0), 'another /64').to.equal(true);
  });
});

describe('admit: the address limit', () => {
  const state = { accepting: true, appToken: 'secret', allowedOrigins: [], connections: 0, maxConnections: 10 };

  it('answers 429 before looking at the token, so guessing the token costs the same budget', () => {
    expect(admit({ token: 'wrong', origin: '', rateLimited: true }, state)).to.include({ ok: false, status: 429, reason: 'rate' });
    expect(admit({ token: 'secret', origin: '', rateLimited: false }, state)).to.deep.equal({ ok: true });
  });

  it('still answers 503 first while the server drains', () => {
    expect(admit({ token: 'secret', origin: '', rateLimited: true }, { ...state, accepting: false })).to.include({ status: 503 });
  });
});

describe('Upgrade limit on a live server', function () {
  this.timeout(30_000);
  const PER_ADDRESS = 5;
  let server: ReturnType<typeof createServer>;
  let wsPort = 0;
  const clients: LeanClient[] = [];

  before(async () => {
    const config = loadConfig({
      env: {}, argv: [],
      overrides: { wsPort: 0, restPort: 0, logDefaultLevel: 'error', upgradeLimit: limit(PER_ADDRESS, 60, false) },
    });
    server = createServer(config);
    ({ wsPort } = await server.start());
  });
  after(async () => {
    await Promise.all(clients.map((c) => (c.closed === null ? c.close() : null)));
    await server?.stop();
  });

  async function refusal(localAddress: string): Promise<RawUpgradeRefused> {
    try {
      clients.push(await LeanClient.open(wsPort, { localAddress }));
    } catch (err) {
      if (err instanceof RawUpgradeRefused) return err;
      throw err;
    }
    throw new Error('the upgrade was accepted');
  }

  it('answers HTTP 429 (with Retry-After) to a burst of upgrades from one address, and counts it', async () => {
    for (let i = 0; i < PER_ADDRESS; i++) clients.push(await LeanClient.open(wsPort, { localAddress: '127.0.0.2' }));
    const refused = await refusal('127.0.0.2');
    expect(refused.status).to.equal(429);
    expect(refused.head).to.match(/\r\nRetry-After: \d+\r\n/i);
    expect(JSON.parse(refused.body)).to.deep.equal({ error: 'too many connections from this address', status: 429 });
    expect(server.stats.rejectedUpgrades.rate).to.equal(1);
    // The refusal happened before any actor: only the admitted connections exist.
    expect(server.inspectState()).to.include({ connections: PER_ADDRESS });
  });

  it('keeps the admitted connections of that address working', async () => {
    const c = clients[0];
    await c.hello('still-fine');
  });

  it('admits upgrades from another address meanwhile', async () => {
    const other = await LeanClient.open(wsPort, { localAddress: '127.0.0.3' });
    clients.push(other);
    await other.hello('other-address');
  });
});

describe('Upgrade limit defaults', function () {
  this.timeout(30_000);

  it('does not limit loopback peers (a local reverse proxy, benchmarks): 150 upgrades at once are admitted', async () => {
    const config = loadConfig({ env: {}, argv: [], overrides: { wsPort: 0, restPort: 0, logDefaultLevel: 'error' } });
    const server = createServer(config);
    const { wsPort } = await server.start();
    try {
      const all = await Promise.all(Array.from({ length: 150 }, () => LeanClient.open(wsPort)));
      expect(server.inspectState().connections).to.equal(150);
      await Promise.all(all.map((c) => c.close()));
    } finally {
      await server.stop();
    }
  });
});
