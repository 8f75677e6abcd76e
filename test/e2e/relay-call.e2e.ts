/**
 * A call that can only get through a real TURN relay with the credentials the server handed out
 * (users-calls-sessions.md §1, §5): Debian's coturn runs on 127.0.0.1 with `use-auth-secret` and
 * the server's `turn.secret`; both pages sign in with identity tokens (JWT), get their ICE servers
 * from the hello ack, and use `iceTransportPolicy: "relay"`, so no direct path exists. The call
 * must connect, the selected candidate pair must be relay/relay, and coturn must have allocated
 * for both users. Run with `npm run test:e2e` (scripts/e2e.sh: a loopback-only network namespace
 * that holds the browser, coturn and the server alike).
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { mintToken } from '../../src/tools/token.js';
import { rid } from '../helpers/ids.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, EXAMPLE } from './browser.js';
import { startCoturn, type Coturn } from './coturn.js';
import { startStaticServer, type StaticServer } from './static-server.js';

const JWT_SECRET = 'e2e-identity-secret-0123456789abcdef';

describe('A WebRTC call forced through a real coturn with server-issued TURN credentials', function () {
  this.timeout(90_000);
  let turn: Coturn;
  let srv: TestServer;
  let web: StaticServer;
  let context: BrowserContext | undefined;
  let profileDir = '';
  const pageLog: string[] = [];

  before(async function () {
    if (!existsSync(join(EXAMPLE, 'dist', 'main.js'))) throw new Error('examples/browser is not built: run `npm run build:examples`');
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
    turn = await startCoturn();
    srv = await startTestServer({
      auth: { jwtSecret: JWT_SECRET },
      turn: { secret: turn.secret, uris: [turn.uri], ttlSec: 600 },
    });
    web = await startStaticServer(EXAMPLE);
    profileDir = mkdtempSync(join(tmpdir(), 'jsongle-e2e-relay-'));
    context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 900, height: 820 } });
  });

  after(async () => {
    await context?.close();
    await web?.close();
    await srv?.stop();
    await turn?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`page logs:\n${pageLog.join('\n')}\ncoturn log (end):\n${turn?.log().slice(-6000)}`);
  });

  async function openDemo(name: string, room: string, extra = ''): Promise<Page> {
    const jwt = await mintToken({ sub: name, rooms: ['relay-*'], ttlSec: 300, key: { secret: JWT_SECRET } });
    const page = await context!.newPage();
    page.on('console', (m) => pageLog.push(`[${name}] ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => pageLog.push(`[${name}] pageerror: ${e.message}`));
    const query = `server=${encodeURIComponent(srv.url())}&room=${encodeURIComponent(room)}&name=${name}&jwt=${encodeURIComponent(jwt)}&relay=1&autojoin=1${extra}`;
    await page.goto(`${web.url}/index.html?${query}`);
    return page;
  }

  it('connects relay-only through coturn with the credentials from the hello ack', async () => {
    const room = rid('relay');
    const callee = await openDemo('bob', room);
    await callee.waitForFunction('window.demo && window.demo.status === "joined"', null, { timeout: 15_000 });
    const caller = await openDemo('alice', room, '&autocall=1');

    for (const [page, uid] of [[caller, 'alice'], [callee, 'bob']] as const) {
      await page.waitForFunction('window.demo && window.demo.connectionState === "connected"', null, { timeout: 30_000 });
      // The server handed out a TURN entry for this page's uid (from its token), and nothing else.
      const servers = (await page.evaluate('window.demo.iceServers')) as Array<{ urls: string[]; username: string; credential: string }>;
      expect(servers).to.have.length(1);
      expect(servers[0].urls).to.deep.equal([turn.uri]);
      expect(servers[0].username).to.match(new RegExp(`^\\d+:${uid}$`));
      await page.waitForFunction('document.getElementById("remote").videoWidth > 0', null, { timeout: 15_000 });
      // ICE selected a relayed pair on both ends: the media went through coturn.
      await page.waitForFunction('window.demo.candidateTypes !== null', null, { timeout: 10_000 });
      expect(await page.evaluate('window.demo.candidateTypes')).to.deep.equal({ local: 'relay', remote: 'relay' });
    }
    // coturn accepted both users' handed-out credentials (its log names the realm user of each allocation).
    await waitFor(() => /user <\d+:alice>/.test(turn.log()) && /user <\d+:bob>/.test(turn.log()), 'coturn to log both allocations', 5000);

    mkdirSync(ARTIFACTS, { recursive: true });
    await caller.screenshot({ path: join(ARTIFACTS, 'relay-call-caller.png') });
    await caller.click('#hangup');
    await callee.waitForFunction('window.demo && window.demo.phase === "ended"', null, { timeout: 10_000 });
  });
});
