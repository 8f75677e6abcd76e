/**
 * Calling a user (users-calls-sessions.md §2, docs/protocol.md "Calling a user") from the browser
 * example: every page registers at its name after hello; bob has two pages open (two devices) that
 * join no room, alice's page calls the uid "bob" with the Call user button. The server forks the
 * propose to both of bob's pages, both ring, one answers with its Answer button (answer=manual) and
 * the call connects with media between alice and that page, while the other page is told
 * `answered-elsewhere` (or `declined-elsewhere`) and stops ringing. Run with `npm run test:e2e`.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { waitFor } from '../helpers/wait.js';
import { demo, expectMediaFlowing, useDemoPages, waitForDemo } from './demo-pages.js';

describe('A direct call from the browser example to a user with two devices', function () {
  this.timeout(90_000);
  const pages = useDemoPages();
  let open: Page[] = [];

  afterEach(async () => {
    for (const page of open) await page.close();
    open = [];
    // Closed pages unregister; the next test starts from a directory without them.
    await waitFor(() => pages.srv.server.stats.registeredConnections === 0, 'the closed pages to unregister', 5000);
  });

  /** A page that joins no room (direct calls only) and lets calls ring until Answer or Decline. */
  async function device(name: string): Promise<Page> {
    const page = await pages.open(name, { room: '', autojoin: '1', answer: 'manual' });
    open.push(page);
    await waitForDemo(page, 'window.demo.status === "online" && window.demo.registered');
    return page;
  }

  /** bob on two pages, alice on one; alice types bob's uid and presses Call user: both bob pages ring. */
  async function aliceCallsBobOnTwoDevices(): Promise<{ alice: Page; bob1: Page; bob2: Page }> {
    const bob1 = await device('bob');
    const bob2 = await device('bob');
    // The second registration found the first: bob is reachable on two devices.
    expect(await demo(bob2, 'window.demo.devices')).to.equal(2);
    const alice = await device('alice');
    expect(pages.srv.server.stats.registeredUsers).to.equal(2);
    expect(pages.srv.server.stats.registeredConnections).to.equal(3);

    await alice.fill('#callee', 'bob');
    await alice.click('#call-user');
    for (const bob of [bob1, bob2]) {
      await waitForDemo(bob, 'window.demo.phase === "ringing" && window.demo.peer === "alice"');
      expect(await bob.isEnabled('#answer')).to.equal(true);
    }
    // Each ringing device's session-info ringing reached the caller.
    await waitForDemo(alice, 'window.demo.phase === "ringing" && window.demo.peer === "bob"');
    return { alice, bob1, bob2 };
  }

  /** The device that did not answer stopped ringing for `why`, and never opened a peer connection. */
  async function expectStoppedRinging(page: Page, why: string): Promise<void> {
    await waitForDemo(page, `window.demo.phase === "ended" && window.demo.log.some((l) => l.includes("session-retract ${why}"))`, 10_000);
    expect(await page.isEnabled('#answer')).to.equal(false);
    expect(await demo(page, 'window.demo.connectionState')).to.equal('new');
  }

  it('rings both of bob\'s pages, connects media with the one that answers, tells the other answered-elsewhere, and hangs up', async () => {
    const stats = pages.srv.server.stats;
    const acceptedBefore = stats.callsAccepted;
    const proposesBefore = stats.directRelayed['session-propose'] ?? 0;
    const terminatedBefore = stats.callsEnded.terminate ?? 0;
    const { alice, bob1, bob2 } = await aliceCallsBobOnTwoDevices();
    // One propose to a uid, forked by the server to both devices.
    expect(stats.directRelayed['session-propose']).to.equal(proposesBefore + 1);

    // bob answers on his second page: the call is pinned to it.
    await bob2.click('#answer');
    await expectStoppedRinging(bob1, 'answered-elsewhere');

    for (const page of [alice, bob2]) {
      await expectMediaFlowing(page);
      expect(await demo(page, 'window.demo.phase')).to.equal('connected');
    }
    expect(await demo(bob2, 'window.demo.peer')).to.equal('alice');
    expect(await demo(alice, 'window.demo.peer')).to.equal('bob');
    expect(stats.callsAccepted).to.equal(acceptedBefore + 1);
    expect(stats.callsInProgress).to.equal(1);

    // bob hangs up on the page that answered: alice's side ends too, and so does the call on the server.
    await bob2.click('#hangup');
    await waitForDemo(alice, 'window.demo.phase === "ended" && window.demo.connectionState === "closed"', 10_000);
    expect(await demo(alice, 'window.demo.log.some((l) => l.includes("call ended: session-terminate"))')).to.equal(true);
    expect(await demo(bob2, '[window.demo.phase, window.demo.connectionState]')).to.deep.equal(['ended', 'closed']);
    await waitFor(() => stats.callsInProgress === 0, 'the terminated call to leave p2p_count', 5000);
    expect(stats.callsEnded.terminate).to.equal(terminatedBefore + 1);
    // The page that was told answered-elsewhere heard nothing of the call afterwards.
    expect(await demo(bob1, 'window.demo.log.some((l) => l.includes("session-terminate"))')).to.equal(false);
    // Every page is still registered: bob can be called again on both devices.
    expect(stats.registeredConnections).to.equal(3);
  });

  it('tells bob\'s other page declined-elsewhere and alice declined when one page declines', async () => {
    const stats = pages.srv.server.stats;
    const acceptedBefore = stats.callsAccepted;
    const declinedBefore = stats.callsEnded.decline ?? 0;
    const { alice, bob1, bob2 } = await aliceCallsBobOnTwoDevices();

    await bob1.click('#decline');
    await expectStoppedRinging(bob2, 'declined-elsewhere');
    await waitForDemo(alice, 'window.demo.phase === "ended" && window.demo.log.some((l) => l.includes("call ended: session-decline"))', 10_000);
    expect(await demo(alice, 'window.demo.connectionState')).to.equal('new');
    await waitFor(() => (stats.callsEnded.decline ?? 0) === declinedBefore + 1, 'the declined call to end on the server', 5000);
    expect(stats.callsAccepted).to.equal(acceptedBefore);
    expect(stats.callsInProgress).to.equal(0);
  });
});
