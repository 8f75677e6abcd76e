/**
 * A node that dies without a word (kill -9): the survivors remove its members once its heartbeat
 * key expires, and the rooms' other members get `left` — no ghost survives a crash.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { helloClient } from '../helpers/client.js';
import { useNodeProcesses } from './helpers.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS } from './nodes.js';
import { waitFor } from '../helpers/wait.js';

/** The bound the design gives: the key expires ≤ TTL after the last beat, and a survivor looks every interval. */
const CLEANUP_BOUND_MS = HEARTBEAT_TTL_MS + HEARTBEAT_INTERVAL_MS;

describe('a node killed with SIGKILL', function () {
  this.timeout(30_000);
  const cluster = useNodeProcesses(['crash-a', 'crash-b', 'crash-c'], { each: true });

  it('is announced as `left` to members on each surviving node, once, within the heartbeat TTL', async () => {
    const rid = `crash-${randomUUID()}`;
    const alice = await helloClient(cluster.nodes[0].url, 'alice');
    const bob = await helloClient(cluster.nodes[1].url, 'bob');
    const carol = await helloClient(cluster.nodes[2].url, 'carol');
    const dave = await helloClient(cluster.nodes[1].url, 'dave');
    for (const c of [alice, bob, carol, dave]) await c.join(rid, 'muc');
    await alice.expectMessage({ jsongle: { event: 'joined', description: { member: { uid: 'dave' } } } });
    await carol.expectMessage({ jsongle: { event: 'joined', description: { member: { uid: 'dave' } } } });
    for (const c of [alice, carol]) c.queue.length = 0;

    const killedAt = Date.now();
    cluster.nodes[1].proc.kill('SIGKILL');
    const lefts = await Promise.all([alice, carol].map(async (c) => {
      const got = await Promise.all(['bob', 'dave'].map((uid) => c.expectMessage({ jsongle: { event: 'left', description: { member: { uid } } } }, CLEANUP_BOUND_MS + 2000)));
      return { client: c.uid, afterMs: Date.now() - killedAt, got: got.length };
    }));
    const slowest = Math.max(...lefts.map((l) => l.afterMs));
    process.stdout.write(`      crash clean-up: left after ${slowest} ms (TTL ${HEARTBEAT_TTL_MS} ms, interval ${HEARTBEAT_INTERVAL_MS} ms)\n`);
    // The design bound, with a second of slack for a busy machine (this is a bound on the protocol, not a speed figure).
    expect(slowest).to.be.at.most(CLEANUP_BOUND_MS + 1000);
    // Once: a second survivor running the clean-up finds nothing left to remove.
    await Promise.all([alice, carol].map((c) => c.expectNoMessageWithin(2 * HEARTBEAT_INTERVAL_MS, { jsongle: { event: 'left' } })));
    expect(await cluster.redis.cli().hlen(`jsongle:r:${rid}:m`)).to.equal(2);
    expect(await cluster.redis.cli().sismember('jsongle:nodes', cluster.nodes[1].nodeId)).to.equal(0);
    expect(await cluster.redis.cli().exists(`jsongle:n:${cluster.nodes[1].nodeId}:c`)).to.equal(0);
  });

  it('frees the seats its members held: a P2P room can be joined again', async () => {
    const rid = `crash-${randomUUID()}`;
    const alice = await helloClient(cluster.nodes[0].url, 'alice');
    const bob = await helloClient(cluster.nodes[1].url, 'bob');
    await alice.join(rid);
    await bob.join(rid);
    cluster.nodes[1].proc.kill('SIGKILL');
    await alice.expectMessage({ jsongle: { event: 'left' } }, CLEANUP_BOUND_MS + 2000);
    const erin = await helloClient(cluster.nodes[2].url, 'erin');
    expect((await erin.join(rid)).jsongle.description.members).to.deep.equal([{ uid: 'alice' }]);
    const sent = erin.relay(rid, 'session-text', { namespace: 'x', description: { text: 'hi' } });
    expect((await alice.expectMessage({ jsongle: { action: 'session-text' } })).id).to.equal(sent.id);
    await waitFor(async () => (await cluster.redis.cli().hlen(`jsongle:r:${rid}:m`)) === 2, 'two members in redis');
  });
  it('comes back from a stall longer than the TTL: announced left, then joined again, and relaying', async () => {
    const rid = `stall-${randomUUID()}`;
    const alice = await helloClient(cluster.nodes[0].url, 'alice');
    const bob = await helloClient(cluster.nodes[1].url, 'bob');
    await alice.join(rid);
    await bob.join(rid);
    await alice.expectMessage({ jsongle: { event: 'joined' } });
    cluster.nodes[1].proc.kill('SIGSTOP');
    try {
      await alice.expectMessage({ jsongle: { event: 'left', description: { member: { uid: 'bob' } } } }, CLEANUP_BOUND_MS + 2000);
    } finally {
      cluster.nodes[1].proc.kill('SIGCONT');
    }
    // Its next heartbeat finds it unregistered: it writes its memberships back, and alice hears of it.
    await alice.expectMessage({ jsongle: { event: 'joined', description: { member: { uid: 'bob' } } } }, 5000);
    const sent = bob.relay(rid, 'session-text', { namespace: 'x', description: { text: 'back' } });
    expect((await alice.expectMessage({ jsongle: { action: 'session-text' } })).id).to.equal(sent.id);
    const back = alice.relay(rid, 'session-text', { namespace: 'x', description: { text: 'welcome' } });
    expect((await bob.expectMessage({ jsongle: { action: 'session-text' } })).id).to.equal(back.id);
  });
});
