/**
 * A real WebRTC call through the real server: Debian's Chromium (driven by playwright-core, no
 * browser download) opens the demo page of examples/browser twice, both pages join one P2P room,
 * negotiate over JSONgle, and both RTCPeerConnections must reach `connected` with fake audio and
 * video. Run with `npm run test:e2e` (scripts/e2e.sh puts the whole run in a network namespace
 * that has only loopback, so ICE gathers 127.0.0.1 candidates and nothing else).
 */
import { expect } from 'chai';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rid } from '../helpers/ids.js';
import { waitFor } from '../helpers/wait.js';
import { startStaticServer, type StaticServer } from './static-server.js';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, EXAMPLE, REPO } from './browser.js';

/** What a page says about itself (window.demo in examples/browser/src/main.ts). */
const demo = (page: Page, expr: string) => page.evaluate(`window.demo && (${expr})`);

async function stats(srv: TestServer): Promise<Record<string, number>> {
  const res = await fetch(`${srv.restUrl}/stats`);
  expect(res.status).to.equal(200);
  return (await res.json()) as Record<string, number>;
}

describe('A WebRTC call between two Chromium pages through the server', function () {
  // Launching Chromium and negotiating take seconds on a 2-core machine; every wait below has its own deadline.
  this.timeout(90_000);
  let srv: TestServer;
  let web: StaticServer;
  let context: BrowserContext | undefined;
  let profileDir = '';
  const pageLog: string[] = [];

  before(async function () {
    if (!existsSync(join(EXAMPLE, 'dist', 'main.js'))) throw new Error('examples/browser is not built: run `npm run build:examples`');
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
    srv = await startTestServer();
    // The Socket.IO page loads the client bundle from node_modules (nothing from a CDN).
    web = await startStaticServer(EXAMPLE, { '/vendor/socket.io.min.js': join(REPO, 'node_modules', 'socket.io-client', 'dist', 'socket.io.min.js') });
    profileDir = mkdtempSync(join(tmpdir(), 'jsongle-e2e-'));
    context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 900, height: 820 } });
  });

  after(async () => {
    await context?.close();
    await web?.close();
    await srv?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  afterEach(function () {
    // The pages' own logs are the only clue when a negotiation fails: show them then.
    if (this.currentTest?.state === 'failed') console.log(`page logs:\n${pageLog.join('\n')}`);
  });

  async function openDemo(name: string, room: string, extra = ''): Promise<Page> {
    const page = await context!.newPage();
    page.on('console', (m) => pageLog.push(`[${name}] ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => pageLog.push(`[${name}] pageerror: ${e.message}`));
    const query = `server=${encodeURIComponent(srv.url())}&room=${encodeURIComponent(room)}&name=${name}&autojoin=1${extra}`;
    await page.goto(`${web.url}/index.html?${query}`);
    return page;
  }

  it('connects both peer connections with fake audio and video, and the server counts the call', async () => {
    await callBetween('', '', true);
  });

  it('connects a page on Socket.IO (as a 2.x app) with a page on a raw WebSocket, both ways of calling', async () => {
    const socketIOBefore = srv.server.stats.socketIOOpened;
    // The Socket.IO page is called by the raw one, then calls it.
    await callBetween('&transport=socketio', '');
    await callBetween('', '&transport=socketio');
    expect(srv.server.stats.socketIOOpened).to.equal(socketIOBefore + 2);
  });

  /** Opens a callee page then a caller page (each with its transport option), checks media flows and hangs up. */
  async function callBetween(calleeExtra: string, callerExtra: string, screenshots = false): Promise<void> {
    const acceptedBefore = srv.server.stats.callsAccepted;
    const p2pBefore = (await stats(srv)).p2p_total;
    const room = rid('e2e');

    const callee = await openDemo('bob', room, calleeExtra);
    await callee.waitForFunction('window.demo && window.demo.status === "joined"', null, { timeout: 15_000 });
    // The caller finds bob in the room when it joins and calls him at once (autocall).
    const caller = await openDemo('alice', room, `&autocall=1${callerExtra}`);

    for (const page of [caller, callee]) {
      await page.waitForFunction('window.demo && window.demo.connectionState === "connected"', null, { timeout: 30_000 });
      // Media really flows: the remote video has frames and both kinds of track arrived.
      await page.waitForFunction('document.getElementById("remote").videoWidth > 0', null, { timeout: 15_000 });
      const kinds = (await page.evaluate('document.getElementById("remote").srcObject.getTracks().map((t) => t.kind).sort()')) as string[];
      expect(kinds).to.deep.equal(['audio', 'video']);
    }
    expect(await demo(caller, 'window.demo.phase')).to.equal('connected');
    expect(await demo(callee, 'window.demo.phase')).to.equal('connected');

    // The server saw the call accepted: both its counter and GET /stats (p2p_total) moved by one.
    expect(srv.server.stats.callsAccepted).to.equal(acceptedBefore + 1);
    expect(srv.server.stats.callsInProgress).to.be.greaterThanOrEqual(1);
    expect((await stats(srv)).p2p_total).to.equal(p2pBefore + 1);

    if (screenshots) {
      mkdirSync(ARTIFACTS, { recursive: true });
      await caller.screenshot({ path: join(ARTIFACTS, 'call-caller.png') });
      await callee.screenshot({ path: join(ARTIFACTS, 'call-callee.png') });
      // The picture in docs/ is refreshed on request only, so a test run leaves the work tree clean.
      if (process.env.E2E_UPDATE_DOCS === '1') copyFileSync(join(ARTIFACTS, 'call-caller.png'), join(REPO, 'docs', 'images', 'call.png'));
    }

    // Hanging up ends the call on both sides and in the server's count.
    const inProgress = srv.server.stats.callsInProgress;
    await caller.click('#hangup');
    await callee.waitForFunction('window.demo && window.demo.phase === "ended"', null, { timeout: 10_000 });
    await waitFor(() => srv.server.stats.callsInProgress === inProgress - 1, 'the terminated call to leave p2p_count', 5000);
    await caller.close();
    await callee.close();
  }
});
