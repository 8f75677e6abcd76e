/**
 * The Socket.IO door with the Redis engine: a room spans nodes for Socket.IO members too (frames
 * from another node reach this node's raw members through uWS and its Socket.IO members through
 * the room's index), in P2P and multi-user rooms, in both directions.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { closeAllClients, helloClient } from '../helpers/client.js';
import { SioTestClient } from '../helpers/sio-client.js';
import { useInProcessNodes } from './helpers.js';

const rid = () => `sio-x-${randomUUID()}`;

describe('Socket.IO members in rooms across nodes (Redis engine)', function () {
  this.timeout(30_000);
  const cluster = useInProcessNodes([{ id: 'sio-a' }, { id: 'sio-b' }]);
  afterEach(closeAllClients);
  const sio = async (node: number, uid: string) => {
    const c = await SioTestClient.connectSio(cluster.nodes[node].url.replace(/^ws:/, 'http:').replace(/\/$/, ''));
    await c.hello(uid);
    return c;
  };

  it('relays a P2P message both ways between a Socket.IO member on one node and a raw member on another', async () => {
    const room = rid();
    const s = await sio(0, 'sio-alice');
    const w = await helloClient(cluster.nodes[1].url, 'raw-bob');
    await s.join(room);
    await w.join(room);
    await s.expectMessage({ jsongle: { event: 'joined', description: { member: { uid: 'raw-bob' } } } });
    const there = s.relay(room, 'session-text', { namespace: 'message', description: { content: 'to b' } });
    expect(await w.expectMessage({ id: there.id })).to.include({ from: room, to: w.connectionId });
    const back = w.relay(room, 'session-text', { namespace: 'message', description: { content: 'to a' } });
    expect(await s.expectMessage({ id: back.id }, 5000)).to.include({ from: room, to: s.connectionId });
  });

  it('relays in a multi-user room spanning nodes: Socket.IO and raw members on both nodes hear each relay once', async () => {
    const room = rid();
    const s0 = await sio(0, 's0');
    const w0 = await helloClient(cluster.nodes[0].url, 'w0');
    const s1 = await sio(1, 's1');
    const w1 = await helloClient(cluster.nodes[1].url, 'w1');
    for (const c of [s0, w0, s1, w1]) await c.join(room, 'muc');
    const fromRemoteRaw = w1.relay(room, 'session-text', { namespace: 'message', description: { content: 'w1' } });
    for (const c of [s0, w0, s1]) expect((await c.expectMessage({ id: fromRemoteRaw.id }, 5000)).from).to.equal(`${room}/w1`);
    const fromSio = s0.relay(room, 'session-text', { namespace: 'message', description: { content: 's0' } });
    for (const c of [w0, s1, w1]) expect((await c.expectMessage({ id: fromSio.id }, 5000)).sender).to.equal(s0.connectionId);
    for (const c of [s0, w0, s1, w1]) await c.expectNoMessageWithin(200, (m) => m.jsongle.action === 'session-text');
  });
});
