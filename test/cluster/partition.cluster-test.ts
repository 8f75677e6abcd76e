/**
 * One node loses its own link to Redis while Redis keeps serving the others (its network
 * partitioned, through a proxy the test cuts). That node really is unreachable: the others remove
 * its members after the TTL (heard time runs on, they keep beating) and their clients hear `left`.
 * When the link returns, the node finds itself unregistered, writes its memberships back, and the
 * others hear `joined`; relays flow again.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../src/protocol/codes.js';
import { helloClient } from '../helpers/client.js';
import { useInProcessNodes } from './helpers.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS } from './nodes.js';
import { waitFor } from '../helpers/wait.js';

const text = (t: string) => ({ namespace: 'x', description: { text: t } });

describe('one node\'s link to Redis cut while Redis runs', function () {
  this.timeout(30_000);
  const cluster = useInProcessNodes([{ id: 'cut-a', throughProxy: true }, { id: 'cut-b' }]);

  it('is reaped after the TTL (its members announced left), refuses joins meanwhile, and is written back when the link returns', async () => {
    const [a, b] = cluster.nodes;
    const proxy = cluster.proxies[0]!;
    const rid = `cut-${randomUUID()}`;
    const alice = await helloClient(a.url, 'alice');
    const bob = await helloClient(b.url, 'bob');
    await alice.join(rid, 'muc');
    await bob.join(rid, 'muc');
    await alice.expectMessage({ jsongle: { event: 'joined' } });

    const cutAt = Date.now();
    proxy.cut();
    try {
      await waitFor(() => a.server.cluster()?.healthy === false, 'node a unhealthy', 3000);
      expect(b.server.cluster()?.healthy).to.equal(true);
      const refused = await alice.request('muc-join', { rid: `cut-new-${randomUUID()}` });
      expect(refused.jsongle.description.errorCode).to.equal(ErrorCode.MembershipUnavailable);
      await bob.expectMessage({ jsongle: { event: 'left', description: { member: { uid: 'alice' } } } }, HEARTBEAT_TTL_MS + HEARTBEAT_INTERVAL_MS + 3000);
      const leftAfterMs = Date.now() - cutAt;
      process.stdout.write(`      link cut: node unhealthy at once, its members reaped after ${leftAfterMs} ms (TTL ${HEARTBEAT_TTL_MS} ms)\n`);
      expect(b.server.cluster()?.reapedMembers).to.equal(1);
    } finally {
      proxy.restore();
    }
    await waitFor(() => a.server.cluster()?.healthy === true, 'node a healthy again', 10_000);
    await bob.expectMessage({ jsongle: { event: 'joined', description: { member: { uid: 'alice' } } } }, 5000);
    expect(await cluster.redis.cli().hlen(`jsongle:r:${rid}:m`)).to.equal(2);
    const sent = alice.relay(rid, 'session-text', text('back'));
    expect((await bob.expectMessage({ jsongle: { action: 'session-text' } }, 5000)).id).to.equal(sent.id);
    const back = bob.relay(rid, 'session-text', text('welcome back'));
    expect((await alice.expectMessage({ jsongle: { action: 'session-text' } }, 5000)).id).to.equal(back.id);
  });
});
