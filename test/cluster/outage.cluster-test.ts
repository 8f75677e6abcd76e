/**
 * Redis goes away (killed: nothing persisted) and comes back empty. While it is away the outage
 * is loud (error logs, cluster().healthy false), rooms inside one process keep relaying, and joins
 * answer 503002. When it returns, every node puts its memberships back and re-subscribes, and
 * rooms across nodes work again with the same members.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../src/protocol/codes.js';
import { helloClient } from '../helpers/client.js';
import { useInProcessNodes, useRedis } from './helpers.js';
import { startInProcessNode } from './nodes.js';
import { waitFor } from '../helpers/wait.js';

const text = (t: string) => ({ namespace: 'x', description: { text: t } });

describe('a Redis outage and restart', function () {
  this.timeout(30_000);
  const cluster = useInProcessNodes([{ id: 'outage-a' }, { id: 'outage-b' }]);
  const a = () => cluster.nodes[0];
  const b = () => cluster.nodes[1];
  const redis = () => cluster.redis;

  it('reports the outage, keeps local rooms relaying, refuses joins, and recovers cross-node rooms when Redis returns', async () => {
    const cross = `cross-${randomUUID()}`;
    const local = `local-${randomUUID()}`;
    const alice = await helloClient(a().url, 'alice');
    const bob = await helloClient(b().url, 'bob');
    const carol = await helloClient(a().url, 'carol');
    const dave = await helloClient(a().url, 'dave');
    await alice.join(cross);
    await bob.join(cross);
    await carol.join(local);
    await dave.join(local);
    await alice.expectMessage({ jsongle: { event: 'joined' } });
    await carol.expectMessage({ jsongle: { event: 'joined' } });
    expect(a().server.cluster()?.healthy).to.equal(true);

    await redis().kill();
    await waitFor(() => a().server.cluster()?.healthy === false && b().server.cluster()?.healthy === false, 'both nodes unhealthy');
    expect(a().logger.lines.some((l) => l.level === 'error' && /redis/.test(l.message))).to.equal(true);

    // A room whose members are all on one node needs no Redis to relay.
    const sent = carol.relay(local, 'session-text', text('still here'));
    expect((await dave.expectMessage({ jsongle: { action: 'session-text' } })).id).to.equal(sent.id);
    // Joins need the authority.
    const refused = await dave.request('session-join', { rid: `new-${randomUUID()}` });
    expect(refused.jsongle.description.errorCode).to.equal(ErrorCode.MembershipUnavailable);

    await redis().launch();
    await waitFor(() => a().server.cluster()?.healthy === true && b().server.cluster()?.healthy === true, 'both nodes healthy again', 10_000);
    expect(a().server.cluster()?.outages).to.equal(1);

    // The memberships are back in Redis, and the room channels are subscribed again.
    expect(await redis().cli().hlen(`jsongle:r:${cross}:m`)).to.equal(2);
    expect(await redis().cli().hlen(`jsongle:r:${local}:m`)).to.equal(2);
    const there = alice.relay(cross, 'session-text', text('across again'));
    expect((await bob.expectMessage({ jsongle: { action: 'session-text' } }, 3000)).id).to.equal(there.id);
    const back = bob.relay(cross, 'session-text', text('and back'));
    expect((await alice.expectMessage({ jsongle: { action: 'session-text' } }, 3000)).id).to.equal(back.id);
    // The room is still full: the authority knows both members again.
    const erin = await helloClient(b().url, 'erin');
    const full = await erin.request('session-join', { rid: cross });
    expect(full.jsongle.description.errorCode).to.equal(ErrorCode.RoomFull);
  });

  it('tells the other node\'s members about a leave decided while Redis was away, once it returns', async () => {
    const rid = `leave-${randomUUID()}`;
    const alice = await helloClient(a().url, 'alice');
    const bob = await helloClient(b().url, 'bob');
    await alice.join(rid, 'muc');
    await bob.join(rid, 'muc');
    await alice.expectMessage({ jsongle: { event: 'joined' } });

    await redis().kill();
    await waitFor(() => b().server.cluster()?.healthy === false, 'node b unhealthy');
    // A leave never fails: the mirror decides it while Redis is away.
    await bob.leave(rid, 'muc-leave');
    await redis().launch();
    await waitFor(() => a().server.cluster()?.healthy === true && b().server.cluster()?.healthy === true, 'both nodes healthy again', 10_000);
    await alice.expectMessage({ jsongle: { event: 'left', description: { member: { uid: 'bob' } } } }, 3000);
    await waitFor(async () => (await redis().cli().hlen(`jsongle:r:${rid}:m`)) === 1, 'one member left in redis');
  });

  it('never publishes a relay of a room whose members are all on one node to Redis', async () => {
    const rid = `quiet-${randomUUID()}`;
    const alice = await helloClient(a().url, 'alice');
    const carol = await helloClient(a().url, 'carol');
    await alice.join(rid);
    await carol.join(rid);
    const before = a().server.cluster()?.frames.published ?? -1;
    for (let i = 0; i < 20; i++) alice.relay(rid, 'session-text', text(`n${i}`));
    for (let i = 0; i < 20; i++) await carol.expectMessage({ jsongle: { action: 'session-text' } });
    expect(a().server.cluster()?.frames.published).to.equal(before);
  });
});

describe('a node started while Redis is unreachable', function () {
  this.timeout(30_000);
  const fx = useRedis();

  it('serves with joins answering 503002, logs it loudly, and becomes healthy once Redis appears', async () => {
    const redis = fx.redis;
    await redis.kill();
    const node = await startInProcessNode(redis.url, 'late-redis');
    try {
      expect(node.server.cluster()?.healthy).to.equal(false);
      expect(node.logger.lines.some((l) => l.level === 'error' && /serving without redis/.test(l.message))).to.equal(true);
      const alice = await helloClient(node.url, 'alice');
      const refused = await alice.request('session-join', { rid: `late-${randomUUID()}` });
      expect(refused.jsongle.description.errorCode).to.equal(ErrorCode.MembershipUnavailable);
      await redis.launch();
      await waitFor(() => node.server.cluster()?.healthy === true, 'node healthy', 10_000);
      await alice.join(`late-${randomUUID()}`);
    } finally {
      await node.server.stop();
    }
  });
});
