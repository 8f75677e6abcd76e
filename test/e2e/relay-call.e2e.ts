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
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { mintToken } from '../../src/tools/token.js';
import { rid } from '../helpers/ids.js';
import { waitFor } from '../helpers/wait.js';
import { ARTIFACTS } from './browser.js';
import { startCoturn, type Coturn } from './coturn.js';
import { expectMediaFlowing, useDemoPages, waitForDemo } from './demo-pages.js';

const JWT_SECRET = 'e2e-identity-secret-0123456789abcdef';

describe('A WebRTC call forced through a real coturn with server-issued TURN credentials', function () {
  this.timeout(90_000);
  let turn: Coturn | undefined;
  // coturn first: the server hands out its URI and shares its secret.
  before(async () => {
    turn = await startCoturn();
  });
  const pages = useDemoPages({
    server: () => ({
      auth: { jwtSecret: JWT_SECRET },
      turn: { secret: turn!.secret, uris: [turn!.uri], ttlSec: 600 },
    }),
    failureLog: () => `coturn log (end):\n${turn?.log().slice(-6000) ?? ''}`,
  });
  // Registered after useDemoPages, so it runs after the server and the browser have stopped.
  after(async () => {
    await turn?.stop();
  });

  /** A page signed in with an identity token for `name`, on TURN-relayed paths only. */
  async function openDemo(name: string, room: string, extra: Record<string, string> = {}): Promise<Page> {
    const jwt = await mintToken({ sub: name, rooms: ['relay-*'], ttlSec: 300, key: { secret: JWT_SECRET } });
    return pages.open(name, { room, jwt, relay: '1', autojoin: '1', ...extra });
  }

  it('connects relay-only through coturn with the credentials from the hello ack', async () => {
    const room = rid('relay');
    const callee = await openDemo('bob', room);
    await waitForDemo(callee, 'window.demo.status === "joined"');
    const caller = await openDemo('alice', room, { autocall: '1' });

    for (const [page, uid] of [[caller, 'alice'], [callee, 'bob']] as const) {
      await expectMediaFlowing(page);
      // The server handed out a TURN entry for this page's uid (from its token), and nothing else.
      const servers = (await page.evaluate('window.demo.iceServers')) as Array<{ urls: string[]; username: string; credential: string }>;
      expect(servers).to.have.length(1);
      expect(servers[0].urls).to.deep.equal([turn!.uri]);
      expect(servers[0].username).to.match(new RegExp(`^\\d+:${uid}$`));
      // ICE selected a relayed pair on both ends: the media went through coturn.
      await waitForDemo(page, 'window.demo.candidateTypes !== null', 10_000);
      expect(await page.evaluate('window.demo.candidateTypes')).to.deep.equal({ local: 'relay', remote: 'relay' });
    }
    // coturn accepted both users' handed-out credentials (its log names the realm user of each allocation).
    await waitFor(() => /user <\d+:alice>/.test(turn!.log()) && /user <\d+:bob>/.test(turn!.log()), 'coturn to log both allocations', 5000);

    mkdirSync(ARTIFACTS, { recursive: true });
    await caller.screenshot({ path: join(ARTIFACTS, 'relay-call-caller.png') });
    await caller.click('#hangup');
    await waitForDemo(callee, 'window.demo.phase === "ended"', 10_000);
  });
});
