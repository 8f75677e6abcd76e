/**
 * The per-address guards of the upgrade (docs/security.md § At the upgrade): open connections per
 * address (upgradeLimit.maxOpenPerAddress), failed tokens throttled per address even from
 * loopback (authFailureLimit), trustProxy, no log line per refused guess, and pings/pongs
 * counted in the per-connection rate limit (close 4429). Real server, real sockets, loopback.
 */
import { expect } from 'chai';
import { maskedFrame, OP_PING } from '../../bench/loadgen/frames.js';
import { admit } from '../../src/transport/admission.js';
import { clientAddress } from '../../src/transport/client-address.js';
import { OpenPerAddress } from '../../src/transport/open-per-address.js';
import { RefusalLog } from '../../src/transport/refusal-log.js';
import { RecordingLogger } from '../helpers/logger.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { LeanClient } from '../leak/lean-client.js';
import { RawUpgradeRefused, type RawConnectOptions } from '../leak/raw-ws.js';

const open: LeanClient[] = [];
afterEach(() => { for (const c of open.splice(0)) if (c.closed === null) c.destroy(); });

async function connect(port: number, options: RawConnectOptions = {}): Promise<LeanClient> {
  const c = await LeanClient.open(port, options);
  open.push(c);
  return c;
}

async function refusal(port: number, options: RawConnectOptions = {}): Promise<RawUpgradeRefused> {
  try {
    await connect(port, options);
  } catch (err) {
    if (err instanceof RawUpgradeRefused) return err;
    throw err;
  }
  throw new Error('the upgrade was accepted');
}

describe('Edge guards: pure parts', () => {
  it('OpenPerAddress counts per address (IPv6 per /64), frees on release, exempts loopback when asked, 0 disables', () => {
    const o = new OpenPerAddress(2, true);
    o.reserve('203.0.113.1');
    expect(o.full('203.0.113.1')).to.equal(false);
    o.reserve('203.0.113.1');
    expect(o.full('203.0.113.1')).to.equal(true);
    expect(o.full('203.0.113.2')).to.equal(false);
    o.release('203.0.113.1');
    expect(o.full('203.0.113.1')).to.equal(false);
    o.release('203.0.113.1');
    expect(o.size).to.equal(0);
    o.reserve('2001:db8:1:2::1');
    o.reserve('2001:db8:1:2::2');
    expect(o.full('2001:db8:1:2::99'), 'same /64').to.equal(true);
    for (let i = 0; i < 5; i++) o.reserve('127.0.0.1');
    expect(o.full('127.0.0.1')).to.equal(false);
    const off = new OpenPerAddress(0, false);
    for (let i = 0; i < 5; i++) off.reserve('203.0.113.1');
    expect(off.full('203.0.113.1')).to.equal(false);
  });

  it('clientAddress trusts the proxy-appended (last) X-Forwarded-For entry, then X-Real-IP, only with trustProxy', () => {
    expect(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.9', '', true)).to.equal('203.0.113.9');
    expect(clientAddress('127.0.0.1', '', '198.51.100.2', true)).to.equal('198.51.100.2');
    expect(clientAddress('127.0.0.1', 'not-an-ip', 'nor-this', true)).to.equal('127.0.0.1');
    expect(clientAddress('127.0.0.1', '203.0.113.9', '198.51.100.2', false)).to.equal('127.0.0.1');
  });

  it('admit answers the address limits with 429 before the token check', () => {
    const state = { accepting: true, appToken: 's', allowedOrigins: [], connections: 0, maxConnections: 10 };
    expect(admit({ token: 's', origin: '', openLimited: true }, state)).to.include({ status: 429, reason: 'openPerAddress' });
    expect(admit({ token: 's', origin: '', authThrottled: true }, state)).to.include({ status: 429, reason: 'authThrottle' });
    expect(admit({ token: 'x', origin: '', authThrottled: true }, state)).to.include({ status: 429, reason: 'authThrottle' });
  });

  it('RefusalLog writes one info summary per interval, not one line per refusal', () => {
    const logger = new RecordingLogger([], 'info');
    const log = new RefusalLog(logger, 60_000);
    for (let i = 0; i < 1000; i++) log.note('unauthorized', '127.0.0.1', 401, 1000 + i);
    expect(logger.lines.map((l) => l.message)).to.deep.equal(['upgrades refused']);
    log.note('origin', '127.0.0.1', 403, 61_000);
    expect(logger.lines).to.have.length(2);
    expect(logger.lines[1].meta).to.include({ total: 1000 });
    expect(logger.lines[1].meta?.refused).to.deep.equal({ unauthorized: 999, origin: 1 });
  });
});

describe('upgradeLimit.maxOpenPerAddress on a live server', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ upgradeLimit: { perAddress: 0, exemptLoopback: false, maxOpenPerAddress: 3 } });
  });
  after(async () => { await srv?.stop(); });

  it('answers 429 JSON once an address holds the cap, admits other addresses, and frees a slot on close', async () => {
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(await connect(srv.wsPort, { localAddress: '127.0.0.2' }));
    const refused = await refusal(srv.wsPort, { localAddress: '127.0.0.2' });
    expect(refused.status).to.equal(429);
    expect(refused.head).to.match(/\r\nRetry-After: \d+\r\n/i);
    expect(JSON.parse(refused.body)).to.deep.equal({ error: 'too many open connections from this address', status: 429 });
    expect(srv.server.stats.rejectedUpgrades.openPerAddress).to.equal(1);
    await (await connect(srv.wsPort, { localAddress: '127.0.0.3' })).hello('other-address');
    mine[0].destroy();
    await waitFor(() => srv.server.inspectState().connections === 3, 'the closed connection to be released');
    await (await connect(srv.wsPort, { localAddress: '127.0.0.2' })).hello('slot-freed');
  });
});

describe('authFailureLimit: failed tokens are throttled per address, loopback included', () => {
  let srv: TestServer;
  const logger = new RecordingLogger([], 'info');
  before(async () => {
    // Defaults otherwise: exemptLoopback true, so only the failure throttle applies to 127.0.0.1.
    srv = await startTestServer({ appToken: 'right', authFailureLimit: { perAddress: 3, windowSec: 600 } }, { logger });
  });
  after(async () => { await srv?.stop(); });

  it('answers 401 to the first failures, then 429 to everything from that address, the right token included', async () => {
    for (let i = 0; i < 3; i++) expect((await refusal(srv.wsPort, { path: '/?appToken=guess' + i })).status).to.equal(401);
    const throttled = await refusal(srv.wsPort, { path: '/?appToken=guess-again' });
    expect(throttled.status).to.equal(429);
    expect(JSON.parse(throttled.body)).to.deep.equal({ error: 'too many failed authentications from this address', status: 429 });
    expect(throttled.head).to.match(/\r\nRetry-After: 200\r\n/i);
    // A throttled guesser cannot tell a right guess from a wrong one.
    expect((await refusal(srv.wsPort, { path: '/?appToken=right' })).status).to.equal(429);
    expect(srv.server.stats.rejectedUpgrades).to.include({ unauthorized: 3, authThrottle: 2 });
  });

  it('does not affect another address', async () => {
    await (await connect(srv.wsPort, { localAddress: '127.0.0.5', path: '/?appToken=right' })).hello('other');
  });

  it('logs no line per refused guess: one info summary at most', () => {
    const infos = logger.lines.filter((l) => l.level === 'info' && /refused/.test(l.message));
    expect(infos.map((l) => l.message)).to.deep.equal(['upgrades refused']);
  });
});

describe('trustProxy: limits apply to the forwarded client address', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ trustProxy: true, appToken: 'right', upgradeLimit: { maxOpenPerAddress: 1 }, authFailureLimit: { perAddress: 1 } });
  });
  after(async () => { await srv?.stop(); });
  const via = (client: string, token = 'right'): RawConnectOptions => ({ path: `/?appToken=${token}`, headers: { 'X-Forwarded-For': `10.9.9.9, ${client}` } });

  it('caps open connections per forwarded address although every peer is 127.0.0.1 (exempt otherwise)', async () => {
    await connect(srv.wsPort, via('203.0.113.10'));
    expect((await refusal(srv.wsPort, via('203.0.113.10'))).status).to.equal(429);
    await connect(srv.wsPort, via('203.0.113.11'));
  });

  it('throttles failed tokens per forwarded address', async () => {
    expect((await refusal(srv.wsPort, via('198.51.100.7', 'bad'))).status).to.equal(401);
    expect((await refusal(srv.wsPort, via('198.51.100.7', 'bad'))).status).to.equal(429);
    expect((await refusal(srv.wsPort, via('198.51.100.8', 'bad'))).status).to.equal(401);
  });
});

describe('Pings and pongs count in the per-connection rate limit', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ rateLimit: { messagesPerSecond: 10, burst: 20 } });
  });
  after(async () => { await srv?.stop(); });
  const PING = maskedFrame(OP_PING, Buffer.alloc(0));

  it('closes a ping flood with 4429 and counts it', async () => {
    const c = await connect(srv.wsPort);
    await c.hello('pinger');
    // 200 pings in one write: far over burst (20) + a burst's worth of drops.
    c.ws.socket.write(Buffer.concat(Array.from({ length: 200 }, () => PING)));
    expect(await c.ws.closed()).to.equal(4429);
    expect(srv.server.stats.controlFramesLimited).to.be.at.least(21);
    expect(srv.server.stats.serverCloses.rateLimit).to.equal(1);
  });

  it('leaves a connection that pings a few times alone', async () => {
    const c = await connect(srv.wsPort);
    await c.hello('polite');
    c.ws.socket.write(Buffer.concat([PING, PING, PING]));
    const r = await c.request('session-join', { rid: 'still-here' }, 't1');
    expect(r.jsongle.action).to.equal('iq-result');
    expect(c.closed).to.equal(null);
  });
});
