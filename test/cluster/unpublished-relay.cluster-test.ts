/**
 * A relay that cannot be published is never acknowledged (issue "Abuse resistance", 10): while a
 * node has lost Redis, a message to a room with members on other nodes is answered
 * `session-error 503002` instead of the server's `ack`, and nothing is relayed; a room whose
 * members all sit on that node keeps relaying and acknowledging.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../src/protocol/codes.js';
import { helloClient } from '../helpers/client.js';
import { useInProcessNodes } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const text = (t: string) => ({ namespace: 'chat', description: { text: t } });

describe('a relay that cannot reach the other nodes', function () {
  this.timeout(30_000);
  const cluster = useInProcessNodes([{ id: 'unpub-a', throughProxy: true }, { id: 'unpub-b' }]);

  it('is answered 503002 (no ack, nothing relayed) while the rooms inside the node keep relaying', async () => {
    const [a, b] = cluster.nodes;
    const shared = `unpub-${randomUUID()}`;
    const pair = `unpub-pair-${randomUUID()}`;
    const local = `unpub-local-${randomUUID()}`;
    const alice = await helloClient(a.url, 'alice');
    const dave = await helloClient(a.url, 'dave');
    const bob = await helloClient(b.url, 'bob');
    await alice.join(shared, 'muc');
    await bob.join(shared, 'muc');
    await alice.expectMessage({ jsongle: { event: 'joined' } });
    await alice.join(pair, 'room');
    await bob.join(pair, 'room');
    await alice.expectMessage({ jsongle: { event: 'joined' } });
    await alice.join(local, 'muc');
    await dave.join(local, 'muc');
    await alice.expectMessage({ jsongle: { event: 'joined' } });

    const before = a.server.stats.errorsByCode[ErrorCode.MembershipUnavailable] ?? 0;
    cluster.proxies[0]!.cut();
    try {
      await waitFor(() => a.server.cluster()?.healthy === false, 'node a unhealthy', 5000);

      const toShared = alice.relay(shared, 'session-text', text('lost?'));
      const refused = await alice.expectMessage({ jsongle: { action: 'session-error' } });
      expect(refused.jsongle.description.errorCode).to.equal(ErrorCode.MembershipUnavailable);
      alice.relay(pair, 'transport-info', { sid: 's1', description: { candidate: 'c' } });
      const refusedCall = await alice.expectMessage({ jsongle: { action: 'session-error' } });
      expect(refusedCall.jsongle.description.errorCode).to.equal(ErrorCode.MembershipUnavailable);
      expect((a.server.stats.errorsByCode[ErrorCode.MembershipUnavailable] ?? 0) - before).to.equal(2);

      const toLocal = alice.relay(local, 'session-text', text('still here'));
      expect((await dave.expectMessage({ jsongle: { action: 'session-text' } })).id).to.equal(toLocal.id);
      const ack = await alice.expectMessage({ jsongle: { action: 'session-event', event: 'ack' } });
      expect(ack.jsongle.description.mid).to.equal(toLocal.id, 'the only ack is for the relay that went out');
      expect(alice.queue.filter((m) => m.jsongle.description?.mid === toShared.id)).to.deep.equal([]);
      await bob.expectNoMessageWithin(100, { jsongle: { action: 'session-text' } });
    } finally {
      cluster.proxies[0]!.restore();
    }
    await waitFor(() => a.server.cluster()?.healthy === true, 'node a healthy again', 10_000);
  });
});
