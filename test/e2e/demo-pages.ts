/**
 * The fixture every browser E2E suite shares: the real server and a static server for
 * examples/browser on 127.0.0.1, one Chromium (a fresh profile, fake camera and microphone), and
 * the demo page opened as a named user with query parameters. `useDemoPages()` registers the mocha
 * hooks that start and stop all of it, and print the pages' logs when a test fails (they are the
 * only clue when a negotiation goes wrong).
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ConfigOverrides } from '../../src/config/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { CHROMIUM, CHROMIUM_ARGS, EXAMPLE, REPO } from './browser.js';
import { startStaticServer, type StaticServer } from './static-server.js';

export interface DemoPagesOptions {
  /** Server config; a function when it depends on something an earlier `before` hook started (coturn). */
  server?: ConfigOverrides | (() => ConfigOverrides);
  /** Appended to the failure report (e.g. coturn's log). */
  failureLog?: () => string;
}

export interface DemoPages {
  readonly srv: TestServer;
  /** Opens the demo page as `name`; `query` adds the page's other parameters (room, autojoin, callto…). */
  open(name: string, query?: Record<string, string>): Promise<Page>;
}

/** Call inside a `describe`: its before/after hooks own the servers and the browser. */
export function useDemoPages(options: DemoPagesOptions = {}): DemoPages {
  let srv: TestServer | undefined;
  let web: StaticServer | undefined;
  let context: BrowserContext | undefined;
  let profileDir = '';
  const pageLog: string[] = [];
  const opened: Array<{ name: string; page: Page }> = [];

  before(async function () {
    if (!existsSync(join(EXAMPLE, 'dist', 'main.js'))) throw new Error('examples/browser is not built: run `npm run build:examples`');
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium`);
    srv = await startTestServer(typeof options.server === 'function' ? options.server() : options.server);
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

  afterEach(async function () {
    const failed = this.currentTest?.state === 'failed';
    const pages = opened.splice(0);
    if (!failed) return;
    // What each page still open logged itself (window.demo.log: the protocol steps and call phases).
    const demoLogs: string[] = [];
    for (const { name, page } of pages) {
      if (page.isClosed()) continue;
      const lines = await page.evaluate('window.demo ? window.demo.log : []').catch(() => []) as string[];
      demoLogs.push(`[${name}] window.demo.log:\n  ${lines.join('\n  ')}`);
    }
    const extra = options.failureLog ? `\n${options.failureLog()}` : '';
    console.log(`page logs:\n${pageLog.join('\n')}\n${demoLogs.join('\n')}${extra}`);
  });

  return {
    get srv(): TestServer {
      if (!srv) throw new Error('the server is started by the before hook of useDemoPages');
      return srv;
    },
    async open(name, query = {}) {
      if (!context || !srv || !web) throw new Error('the browser is started by the before hook of useDemoPages');
      const page = await context.newPage();
      // bob#1, bob#2: one user's pages (devices) told apart in the failure report.
      const label = `${name}#${opened.filter((o) => o.name.startsWith(`${name}#`)).length + 1}`;
      opened.push({ name: label, page });
      page.on('console', (m) => pageLog.push(`[${label}] ${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => pageLog.push(`[${label}] pageerror: ${e.message}`));
      const params = new URLSearchParams({ server: srv.url(), name, ...query });
      await page.goto(`${web.url}/index.html?${params.toString()}`);
      return page;
    },
  };
}

/** Waits (bounded) until `expr` holds on the page's window.demo (examples/browser/src/main.ts). */
export async function waitForDemo(page: Page, expr: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction(`window.demo && (${expr})`, null, { timeout });
}

/** Reads an expression over the page's window.demo. */
export function demo<T = unknown>(page: Page, expr: string): Promise<T> {
  return page.evaluate(`window.demo && (${expr})`) as Promise<T>;
}

/** The call is up on this page: its RTCPeerConnection reached `connected`, the remote video has
 * frames and both kinds of track arrived. */
export async function expectMediaFlowing(page: Page): Promise<void> {
  await waitForDemo(page, 'window.demo.connectionState === "connected"', 30_000);
  await page.waitForFunction('document.getElementById("remote").videoWidth > 0', null, { timeout: 15_000 });
  const kinds = (await page.evaluate('document.getElementById("remote").srcObject.getTracks().map((t) => t.kind).sort()')) as string[];
  expect(kinds).to.deep.equal(['audio', 'video']);
}
