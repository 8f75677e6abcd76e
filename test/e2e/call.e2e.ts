/**
 * A real WebRTC call through the real server: Debian's Chromium (driven by playwright-core, no
 * browser download) opens the demo page of examples/browser twice, both pages join one P2P room,
 * negotiate over JSONgle, and both RTCPeerConnections must reach `connected` with fake audio and
 * video. Run with `npm run test:e2e` (scripts/e2e.sh puts the whole run in a network namespace
 * that has only loopback, so ICE gathers 127.0.0.1 candidates and nothing else).
 */
import { expect } from 'chai';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { rid } from '../helpers/ids.js';
import { waitFor } from '../helpers/wait.js';
import { ARTIFACTS, REPO } from './browser.js';
import { demo, expectMediaFlowing, useDemoPages, waitForDemo } from './demo-pages.js';

async function stats(srv: TestServer): Promise<Record<string, number>> {
  const res = await fetch(`${srv.restUrl}/stats`);
  expect(res.status).to.equal(200);
  return (await res.json()) as Record<string, number>;
}

describe('A WebRTC call between two Chromium pages through the server', function () {
  // Launching Chromium and negotiating take seconds on a 2-core machine; every wait below has its own deadline.
  this.timeout(90_000);
  const pages = useDemoPages();

  /** `transport`: '' (a raw WebSocket) or 'socketio'. */
  function openDemo(name: string, room: string, transport: string, extra: Record<string, string> = {}): Promise<Page> {
    return pages.open(name, { room, autojoin: '1', ...(transport ? { transport } : {}), ...extra });
  }

  it('connects both peer connections with fake audio and video, and the server counts the call', async () => {
    await callBetween('', '', true);
  });

  it('connects a page on Socket.IO (as a 2.x app) with a page on a raw WebSocket, both ways of calling', async () => {
    const socketIOBefore = pages.srv.server.stats.socketIOOpened;
    // The Socket.IO page is called by the raw one, then calls it.
    await callBetween('socketio', '');
    await callBetween('', 'socketio');
    expect(pages.srv.server.stats.socketIOOpened).to.equal(socketIOBefore + 2);
  });

  /** Opens a callee page then a caller page (each with its transport), checks media flows and hangs up. */
  async function callBetween(calleeTransport: string, callerTransport: string, screenshots = false): Promise<void> {
    const acceptedBefore = pages.srv.server.stats.callsAccepted;
    const p2pBefore = (await stats(pages.srv)).p2p_total;
    const room = rid('e2e');

    const callee = await openDemo('bob', room, calleeTransport);
    await waitForDemo(callee, 'window.demo.status === "joined"');
    // The caller finds bob in the room when it joins and calls him at once (autocall).
    const caller = await openDemo('alice', room, callerTransport, { autocall: '1' });

    // Media really flows on both ends.
    for (const page of [caller, callee]) await expectMediaFlowing(page);
    expect(await demo(caller, 'window.demo.phase')).to.equal('connected');
    expect(await demo(callee, 'window.demo.phase')).to.equal('connected');

    // The server saw the call accepted: both its counter and GET /stats (p2p_total) moved by one.
    expect(pages.srv.server.stats.callsAccepted).to.equal(acceptedBefore + 1);
    expect(pages.srv.server.stats.callsInProgress).to.be.greaterThanOrEqual(1);
    expect((await stats(pages.srv)).p2p_total).to.equal(p2pBefore + 1);

    if (screenshots) {
      mkdirSync(ARTIFACTS, { recursive: true });
      await caller.screenshot({ path: join(ARTIFACTS, 'call-caller.png') });
      await callee.screenshot({ path: join(ARTIFACTS, 'call-callee.png') });
      // The picture in docs/ is refreshed on request only, so a test run leaves the work tree clean.
      if (process.env.E2E_UPDATE_DOCS === '1') copyFileSync(join(ARTIFACTS, 'call-caller.png'), join(REPO, 'docs', 'images', 'call.png'));
    }

    // Hanging up ends the call on both sides and in the server's count.
    const inProgress = pages.srv.server.stats.callsInProgress;
    await caller.click('#hangup');
    await waitForDemo(callee, 'window.demo.phase === "ended"', 10_000);
    await waitFor(() => pages.srv.server.stats.callsInProgress === inProgress - 1, 'the terminated call to leave p2p_count', 5000);
    await caller.close();
    await callee.close();
  }
});
