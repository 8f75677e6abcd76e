/**
 * Redis frozen (SIGSTOP) for longer than the heartbeat TTL, then woken (SIGCONT): its connections
 * stay open, so only a command that is not answered tells the nodes. During the freeze both nodes
 * report themselves unhealthy (status, and jsongle_cluster_healthy 0 on their monitoring port) and
 * a join is answered 503002 within the command timeout. Afterwards nobody was declared dead: the
 * freeze was Redis's, not the nodes' (heartbeats are judged in heard time, scripts.ts), so members
 * on the other node hear no `left`, and relays flow again.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../src/protocol/codes.js';
import { helloClient, type Msg, type TestClient } from '../helpers/client.js';
import { healthGauge, useInProcessNodes } from './helpers.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS } from './nodes.js';
import { waitFor } from '../helpers/wait.js';

const COMMAND_TIMEOUT_MS = 1000;
/** Well past the TTL: every heartbeat key of the old design had expired when Redis woke. */
const FREEZE_MS = 2 * HEARTBEAT_TTL_MS + 1000;
const text = (t: string) => ({ namespace: 'x', description: { text: t } });
const memberEvent = (m: Msg) => m.jsongle.action === 'session-event' && (m.jsongle.event === 'left' || m.jsongle.event === 'joined');

describe('Redis frozen longer than the heartbeat TTL', function () {
  this.timeout(40_000);
  const cluster = useInProcessNodes(['freeze-a', 'freeze-b'].map((id) => ({ id, overrides: { cluster: { commandTimeoutMs: COMMAND_TIMEOUT_MS } } })));
  const status = (i: number) => cluster.nodes[i].server.cluster()!;
  const bothHealthy = (want: boolean) => status(0).healthy === want && status(1).healthy === want;

  async function relayed(from: TestClient, to: TestClient, rid: string, what: string): Promise<void> {
    const sent = from.relay(rid, 'session-text', text(what));
    expect((await to.expectMessage({ jsongle: { action: 'session-text' } }, 5000)).id).to.equal(sent.id);
  }

  it('declares no live member dead, is unhealthy while frozen, answers joins 503002 within the timeout, and recovers', async () => {
    const [a, b] = cluster.nodes;
    const muc = `freeze-muc-${randomUUID()}`;
    const call = `freeze-p2p-${randomUUID()}`;
    const alice = await helloClient(a.url, 'alice');
    const bob = await helloClient(b.url, 'bob');
    const carol = await helloClient(a.url, 'carol');
    const dave = await helloClient(b.url, 'dave');
    const erin = await helloClient(a.url, 'erin');
    await alice.join(muc, 'muc');
    await bob.join(muc, 'muc');
    await carol.join(call);
    await dave.join(call);
    await alice.expectMessage({ jsongle: { event: 'joined' } });
    await carol.expectMessage({ jsongle: { event: 'joined' } });
    expect(await healthGauge(a)).to.equal(1);
    const reapedBefore = status(0).reapedMembers + status(1).reapedMembers;

    const pausedAt = Date.now();
    cluster.redis.pause();
    let joinMs = 0;
    let unhealthyMs = 0;
    let gaugeSamples = 0;
    try {
      // Sent as the freeze starts, before either node knows: it waits for the command timeout, no longer.
      const refused = await erin.request('session-join', { rid: `freeze-new-${randomUUID()}` }, {});
      joinMs = Date.now() - pausedAt;
      expect(refused.jsongle.description.errorCode).to.equal(ErrorCode.MembershipUnavailable);
      expect(joinMs).to.be.at.most(COMMAND_TIMEOUT_MS + 1500);

      await waitFor(() => bothHealthy(false), 'both nodes unhealthy', COMMAND_TIMEOUT_MS + HEARTBEAT_INTERVAL_MS + 2000);
      unhealthyMs = Date.now() - pausedAt;
      // The monitoring port says so, all along the freeze.
      await waitFor(async () => {
        const gauges = await Promise.all([healthGauge(a), healthGauge(b)]);
        expect(gauges, 'jsongle_cluster_healthy during the freeze').to.deep.equal([0, 0]);
        gaugeSamples++;
        return Date.now() - pausedAt >= FREEZE_MS;
      }, `a freeze of ${FREEZE_MS} ms`, FREEZE_MS + 5000);
      // Known unhealthy: refused at once.
      const refusedNow = await dave.request('muc-join', { rid: `freeze-new-${randomUUID()}` });
      expect(refusedNow.jsongle.description.errorCode).to.equal(ErrorCode.MembershipUnavailable);
    } finally {
      cluster.redis.resume();
    }
    const resumedAt = Date.now();
    await waitFor(() => bothHealthy(true), 'both nodes healthy again', 10_000);
    const recoveredMs = Date.now() - resumedAt;
    expect(await healthGauge(a)).to.equal(1);
    expect(await healthGauge(b)).to.equal(1);
    expect(status(0).commandTimeouts, 'timed-out scripts on node a (its join and heartbeats)').to.be.at.least(2);

    // Every node has looked for dead nodes twice since: a false death would have been found by now.
    const beats = [status(0).heartbeats, status(1).heartbeats];
    await waitFor(() => status(0).heartbeats >= beats[0] + 2 && status(1).heartbeats >= beats[1] + 2, 'two more heartbeat rounds', 5000);
    await relayed(alice, bob, muc, 'after the freeze');
    await relayed(bob, alice, muc, 'and back');
    await relayed(carol, dave, call, 'still in the call');
    await relayed(dave, carol, call, 'yes');
    const falseDeaths = status(0).reapedMembers + status(1).reapedMembers - reapedBefore;
    process.stdout.write(`      freeze ${resumedAt - pausedAt} ms: join answered 503002 after ${joinMs} ms, unhealthy after ${unhealthyMs} ms ` +
      `(${gaugeSamples} gauge samples, all 0), healthy ${recoveredMs} ms after SIGCONT, members reaped: ${falseDeaths}\n`);
    expect(falseDeaths, 'live members removed by a reap').to.equal(0);
    for (const c of [alice, bob, carol, dave]) expect(c.queue.filter(memberEvent), `membership events at ${c.uid}`).to.deep.equal([]);
    expect(await cluster.redis.cli().hlen(`jsongle:r:${muc}:m`)).to.equal(2);
    expect(await cluster.redis.cli().hlen(`jsongle:r:${call}:m`)).to.equal(2);
    // The authority is back: the P2P room is still full.
    expect((await erin.request('session-join', { rid: call })).jsongle.description.errorCode).to.equal(ErrorCode.RoomFull);
  });
});
