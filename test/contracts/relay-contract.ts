/**
 * The relay contract: what a relay must look like whichever PubSub carries it — LocalPubSub (uWS
 * topics in one process) or RedisPubSub (uWS topics plus the bus between nodes). Run over real
 * sockets against two endpoints: the same server twice (local half, `npm test`:
 * test/integration/protocol/relay-contract.test.ts) or two nodes on one Redis (Redis half,
 * `npm run test:cluster`: test/cluster/relay-contract.cluster-test.ts). The endpoints' servers run
 * with maxMembersPerRoom 3, so the per-recipient path (a P2P room of more than two) is covered.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { helloClient, type TestClient } from '../helpers/client.js';

export const RELAY_CONTRACT_CONFIG = { maxMembersPerRoom: 3 };

/** Two WebSocket URLs: where the first and the second client of each case connect. */
export type Endpoints = () => [string, string];

async function joinAll(rid: string, kind: 'room' | 'muc', clients: TestClient[]): Promise<void> {
  for (let i = 0; i < clients.length; i++) {
    await clients[i].join(rid, kind);
    for (const earlier of clients.slice(0, i)) {
      await earlier.expectMessage({ jsongle: { event: 'joined', description: { rid, member: { uid: clients[i].uid } } } }, 5000);
    }
  }
}

export function describeRelayContract(name: string, endpoints: Endpoints): void {
  describe(`Relay contract: ${name}`, function () {
    this.timeout(20_000);

    it('P2P: the peer gets the relay once (from = rid, to = its id), the sender never gets it back', async () => {
      const [e1, e2] = endpoints();
      const a = await helloClient(e1, 'alice');
      const b = await helloClient(e2, 'bob');
      const rid = `pc-${randomUUID()}`;
      await joinAll(rid, 'room', [a, b]);
      const sent = a.relay(rid, 'transport-info', { sid: 's1', description: { candidate: 'c1' } });
      const got = await b.expectMessage({ id: sent.id }, 5000);
      expect([got.from, got.to]).to.deep.equal([rid, b.connectionId]);
      await a.expectNoMessage({ id: sent.id });
    });

    it('MUC: every other member gets one copy (from = rid/uid, sender = its connection id), on both sides', async () => {
      const [e1, e2] = endpoints();
      const a = await helloClient(e1, 'alice');
      const b = await helloClient(e2, 'bob');
      const c = await helloClient(e1, 'carol');
      const rid = `mc-${randomUUID()}`;
      await joinAll(rid, 'muc', [a, b, c]);
      const sent = a.relay(rid, 'session-text', { namespace: 'chat', description: { text: 'hi' } });
      for (const m of [b, c]) {
        const got = await m.expectMessage({ id: sent.id }, 5000);
        expect([got.from, got.to, got.sender]).to.deep.equal([`${rid}/alice`, rid, a.connectionId]);
      }
      await a.expectMessage({ jsongle: { event: 'ack' } }, 5000);
      await a.expectNoMessage({ id: sent.id });
    });

    it('keeps one sender\'s order: 200 relays arrive in the order sent', async () => {
      const [e1, e2] = endpoints();
      const a = await helloClient(e1, 'alice');
      const b = await helloClient(e2, 'bob');
      const rid = `oc-${randomUUID()}`;
      await joinAll(rid, 'room', [a, b]);
      const ids = Array.from({ length: 200 }, (_, n) => a.relay(rid, 'transport-info', { sid: 's1', description: { n } }).id);
      const got: string[] = [];
      for (let n = 0; n < ids.length; n++) got.push((await b.expectMessage({ jsongle: { action: 'transport-info' } }, 5000)).id);
      expect(got).to.deep.equal(ids);
    });

    it('P2P room of three: each other member gets its own copy (its own `to`), here and on the other side', async () => {
      const [e1, e2] = endpoints();
      const a = await helloClient(e1, 'alice');
      const b = await helloClient(e2, 'bob');
      const c = await helloClient(e1, 'carol');
      const rid = `gc-${randomUUID()}`;
      await joinAll(rid, 'room', [a, b, c]);
      const sent = a.relay(rid, 'session-info', { sid: 's1', description: {} });
      for (const m of [b, c]) {
        const got = await m.expectMessage({ id: sent.id }, 5000);
        expect([got.from, got.to]).to.deep.equal([rid, m.connectionId]);
      }
      await a.expectNoMessage({ id: sent.id });
    });

    it('announces joined and left across the endpoints', async () => {
      const [e1, e2] = endpoints();
      const a = await helloClient(e1, 'alice');
      const b = await helloClient(e2, 'bob');
      const rid = `jc-${randomUUID()}`;
      await joinAll(rid, 'muc', [a, b]);
      await b.close();
      await a.expectMessage({ jsongle: { event: 'left', description: { rid, member: { uid: 'bob' } } } }, 5000);
    });
  });
}
