/**
 * The admin API and the webhooks of a three-node cluster: every list is cluster-wide whichever
 * node is asked, a kick and a room close reach the node holding the sockets, and each webhook
 * event is delivered once (room created/closed once for a room spanning nodes).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { ConfigOverrides } from '../../src/config/types.js';
import { verify } from '../../src/webhooks/signature.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin.js';
import { helloClient } from '../helpers/client.js';
import { waitFor } from '../helpers/wait.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';
import { useInProcessNodes } from './helpers.js';

const SECRET = 'cluster-webhook-secret';

describe('admin API and webhooks across three nodes', function () {
  this.timeout(30_000);
  let receiver: Receiver;
  const overrides: ConfigOverrides = { adminToken: ADMIN_TOKEN };
  before(async () => {
    receiver = await startReceiver();
    Object.assign(overrides, { webhooks: { urls: [receiver.url], secret: SECRET, retryBaseMs: 10 } });
  });
  after(async () => receiver?.close());
  const cluster = useInProcessNodes([{ id: 'adm-a', overrides }, { id: 'adm-b', overrides }, { id: 'adm-c', overrides }]);
  const port = (i: number) => cluster.nodes[i].restPort;
  const url = (i: number) => cluster.nodes[i].url;

  it('lists every connection of the cluster from any node, pages included, and finds one on another node', async () => {
    const clients = [await helloClient(url(0), 'on-a'), await helloClient(url(1), 'on-b'), await helloClient(url(2), 'on-c')];
    const ids = clients.map((c) => c.connectionId);
    for (const i of [0, 1, 2]) {
      const r = await admin(port(i), 'GET', '/admin/connections');
      expect(r.status).to.equal(200);
      expect(r.json.items.map((x: { id: string }) => x.id)).to.deep.equal([...ids].sort());
      expect(r.json).to.not.have.property('missing');
    }
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const r = await admin(port(1), 'GET', `/admin/connections?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...r.json.items.map((x: { id: string }) => x.id));
      cursor = r.json.next;
    }
    expect(seen).to.deep.equal([...ids].sort());
    const one = await admin(port(0), 'GET', `/admin/connections/${clients[2].connectionId}`);
    expect(one.json).to.deep.include({ id: clients[2].connectionId, uid: 'on-c', node: 'adm-c' });
    const byUid = await admin(port(2), 'GET', '/admin/connections?uid=on-a');
    expect(byUid.json.items.map((x: { node: string }) => x.node)).to.deep.equal(['adm-a']);
  });

  it('kicks a connection held by another node: it gets 403007 and 4403, its room on a third node hears `left`', async () => {
    const rid = `kick-${randomUUID()}`;
    const stays = await helloClient(url(1), 'stays');
    const kicked = await helloClient(url(2), 'kicked');
    await stays.join(rid);
    await kicked.join(rid);
    await stays.expectMessage({ jsongle: { event: 'joined' } });
    const r = await admin(port(0), 'DELETE', `/admin/connections/${kicked.connectionId}`);
    expect(r.status).to.equal(200);
    const err = await kicked.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(403007);
    expect((await kicked.expectClose()).code).to.equal(4403);
    await stays.expectMessage({ jsongle: { action: 'session-event', event: 'left', description: { rid, member: { uid: 'kicked' } } } });
    expect((await admin(port(0), 'DELETE', `/admin/connections/${kicked.connectionId}`)).status).to.equal(404);
  });

  it('lists a room spanning nodes once, shows all its members, and closes it on every node', async () => {
    const rid = `span-${randomUUID()}`;
    const members = [await helloClient(url(0), 'm0'), await helloClient(url(1), 'm1'), await helloClient(url(2), 'm2')];
    for (const c of members) await c.join(rid, 'muc');
    await waitFor(async () => (await admin(port(2), 'GET', `/admin/rooms/${rid}`)).json?.members?.length === 3, 'the room seen with its three members');
    const list = await admin(port(1), 'GET', '/admin/rooms');
    expect(list.json.items.filter((r: { rid: string }) => r.rid === rid)).to.deep.equal([
      { rid, kind: 'muc', members: 3, createdAt: list.json.items.find((r: { rid: string }) => r.rid === rid).createdAt, call: null },
    ]);
    const one = await admin(port(0), 'GET', `/admin/rooms/${rid}`);
    expect(one.json.members.map((m: { node: string }) => m.node).sort()).to.deep.equal(['adm-a', 'adm-b', 'adm-c']);

    const closed = await admin(port(0), 'DELETE', `/admin/rooms/${rid}`);
    expect(closed.status).to.equal(200);
    expect(closed.json).to.deep.include({ rid, removed: 3 });
    for (const c of members) await c.expectMessage({ jsongle: { action: 'session-event', event: 'left', description: { rid, member: { uid: c.uid } } } });
    await waitFor(async () => (await admin(port(1), 'GET', `/admin/rooms/${rid}`)).status === 404, 'the room gone everywhere');
  });

  it('delivers each webhook event once: one room.created and one room.closed for a room spanning nodes', async () => {
    const rid = `hooks-${randomUUID()}`;
    const a = await helloClient(url(0), 'hook-a');
    const b = await helloClient(url(1), 'hook-b');
    await a.join(rid, 'muc');
    await b.join(rid, 'muc');
    await a.expectMessage({ jsongle: { event: 'joined' } });
    await a.leave(rid, 'muc-leave');
    await b.leave(rid, 'muc-leave');
    const ofRoom = () => receiver.accepted.filter((r) => r.event.data.rid === rid);
    await waitFor(() => ofRoom().some((r) => r.event.type === 'room.closed'), 'room.closed delivered', 5000);
    // Nothing more is on its way: every node's queue is empty.
    await waitFor(() => cluster.nodes.every((n) => n.server.stats.webhookQueueLength === 0), 'queues empty');
    const types = ofRoom().map((r) => `${r.event.type}${r.event.data.uid ? ':' + r.event.data.uid : ''}`).sort();
    expect(types).to.deep.equal(['member.joined:hook-a', 'member.joined:hook-b', 'member.left:hook-a', 'member.left:hook-b', 'room.closed', 'room.created']);
    expect(ofRoom().find((r) => r.event.type === 'room.created')?.event).to.deep.include({ node: 'adm-a' });
    expect(ofRoom().find((r) => r.event.type === 'room.closed')?.event).to.deep.include({ node: 'adm-b' });
    for (const r of ofRoom()) expect(verify(r.body, r.headers['x-jsongle-signature'] as string, SECRET)).to.equal(true);
  });

  it('drains another node through its node channel', async () => {
    const c = await helloClient(url(2), 'drained');
    const r = await admin(port(0), 'POST', '/admin/drain?node=adm-c');
    expect(r.status).to.equal(202);
    expect(r.json).to.deep.include({ node: 'adm-c' });
    expect((await c.expectClose()).code).to.equal(1001);
    await waitFor(() => cluster.nodes[2].server.inspectState().lifecycle === 'stopped', 'adm-c stopped');
    expect(cluster.nodes[0].server.inspectState().lifecycle).to.equal('accepting');
    expect((await admin(port(0), 'POST', '/admin/drain?node=no-such-node')).status).to.equal(404);
  });
});
