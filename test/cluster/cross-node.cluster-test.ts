/**
 * Rooms that span processes: three server processes on one Redis, clients spread over them, and
 * everything a client of a single server sees must be seen the same way across nodes.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../src/protocol/codes.js';
import { helloClient, type TestClient } from '../helpers/client.js';
import { useNodeProcesses } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const rid = () => `x-${randomUUID()}`;
const text = (n: number) => ({ namespace: 'chat', description: { text: `m${n}` } });

describe('rooms across nodes (three server processes on one Redis)', function () {
  this.timeout(30_000);
  const cluster = useNodeProcesses(['node-a', 'node-b', 'node-c']);

  const client = (node: number, uid: string): Promise<TestClient> => helloClient(cluster.nodes[node].url, uid);

  it('gives the joiner the members held by another node and tells them it joined', async () => {
    const room = rid();
    const alice = await client(0, 'alice');
    const bob = await client(1, 'bob');
    expect((await alice.join(room)).jsongle.description.members).to.deep.equal([]);
    const joined = await bob.join(room);
    expect(joined.jsongle.description.members).to.deep.equal([{ uid: 'alice' }]);
    const event = await alice.expectMessage({ jsongle: { action: 'session-event', event: 'joined' } });
    expect(event.jsongle.description).to.deep.equal({ member: { uid: 'bob' }, rid: room });
    expect(event.to).to.equal(alice.connectionId);
  });

  it('relays a P2P message both ways between members on two nodes, addressed to the peer', async () => {
    const room = rid();
    const alice = await client(0, 'alice');
    const bob = await client(2, 'bob');
    await alice.join(room);
    await bob.join(room);
    await alice.expectMessage({ jsongle: { event: 'joined' } });
    const sent = alice.relay(room, 'session-text', text(1));
    const got = await bob.expectMessage({ jsongle: { action: 'session-text' } });
    expect(got).to.include({ id: sent.id, from: room, to: bob.connectionId });
    const back = bob.relay(room, 'session-text', text(2));
    expect(await alice.expectMessage({ jsongle: { action: 'session-text' } })).to.include({ id: back.id, to: alice.connectionId });
  });

  it('tells the member on another node that its peer left, after the relays sent before the leave', async () => {
    const room = rid();
    const alice = await client(0, 'alice');
    const bob = await client(1, 'bob');
    await alice.join(room);
    await bob.join(room);
    await alice.expectMessage({ jsongle: { event: 'joined' } });
    for (let i = 0; i < 5; i++) bob.relay(room, 'session-text', text(i));
    await bob.leave(room);
    for (let i = 0; i < 5; i++) expect((await alice.next()).jsongle).to.include({ action: 'session-text' });
    const left = await alice.next();
    expect(left.jsongle).to.include({ action: 'session-event', event: 'left' });
    expect(left.jsongle.description).to.deep.equal({ member: { uid: 'bob' }, rid: room });
    await alice.expectNoMessageWithin(100);
  });

  it('announces a member that disconnects from another node as left', async () => {
    const room = rid();
    const alice = await client(0, 'alice');
    const bob = await client(1, 'bob');
    await alice.join(room);
    await bob.join(room);
    await alice.expectMessage({ jsongle: { event: 'joined' } });
    await bob.terminate();
    const left = await alice.expectMessage({ jsongle: { event: 'left' } });
    expect(left.jsongle.description.member).to.deep.equal({ uid: 'bob' });
  });

  it('lets a member rejoin a room after every member on the other node left it', async () => {
    const room = rid();
    const alice = await client(0, 'alice');
    const bob = await client(1, 'bob');
    await alice.join(room);
    await bob.join(room);
    await bob.leave(room);
    await alice.leave(room);
    const carol = await client(2, 'carol');
    await carol.join(room);
    expect((await alice.join(room)).jsongle.description.members).to.deep.equal([{ uid: 'carol' }]);
    await carol.expectMessage({ jsongle: { event: 'joined', description: { member: { uid: 'alice' } } } });
  });

  it('fans a MUC message out to members on all three nodes, once each', async () => {
    const room = rid();
    const members = await Promise.all([0, 1, 2, 0, 1, 2].map((n, i) => client(n, `m${i}`)));
    for (const m of members) await m.join(room, 'muc');
    const sent = members[0].relay(room, 'session-text', text(0));
    for (const m of members.slice(1)) {
      const got = await m.expectMessage({ jsongle: { action: 'session-text' } });
      expect(got).to.include({ id: sent.id, from: `${room}/m0`, to: room });
    }
    await Promise.all(members.map((m) => m.expectNoMessageWithin(150, { jsongle: { action: 'session-text' } })));
    await members[0].expectNoMessageWithin(0, { jsongle: { action: 'session-text' } });
  });

  it('keeps one sender\'s order at receivers on two other nodes', async () => {
    const room = rid();
    const sender = await client(0, 'sender');
    const receivers = [await client(1, 'r1'), await client(2, 'r2'), await client(0, 'r0')];
    await sender.join(room, 'muc');
    for (const r of receivers) await r.join(room, 'muc');
    const count = 200;
    for (let i = 0; i < count; i++) sender.relay(room, 'session-text', text(i));
    for (const r of receivers) {
      for (let i = 0; i < count; i++) {
        const m = await r.expectMessage({ jsongle: { action: 'session-text' } });
        expect(m.jsongle.description.text, `receiver ${r.uid}, message ${i}`).to.equal(`m${i}`);
      }
    }
  });

  it('refuses a MUC join to a rid that is a P2P room on another node (403004)', async () => {
    const room = rid();
    const alice = await client(0, 'alice');
    const bob = await client(1, 'bob');
    await alice.join(room);
    const reply = await bob.request('muc-join', { rid: room });
    expect(reply.jsongle.action).to.equal('iq-error');
    expect(reply.jsongle.description.errorCode).to.equal(ErrorCode.RoomKindConflict);
  });

  it('counts MUCs held on other nodes toward the per-connection limit (403003)', async () => {
    // One connection's rooms are all on its own node, but the limit is Redis's: join 10 MUCs, the 11th fails.
    const alice = await client(1, 'alice');
    for (let i = 0; i < 10; i++) await alice.join(rid(), 'muc');
    const reply = await alice.request('muc-join', { rid: rid() });
    expect(reply.jsongle.description.errorCode).to.equal(ErrorCode.TooManyMultiRooms);
  });

  it('answers a session-leave of a room on another node\'s member list with 404002 when not a member', async () => {
    const room = rid();
    const alice = await client(0, 'alice');
    const bob = await client(1, 'bob');
    await alice.join(room);
    const reply = await bob.request('session-leave', { rid: room });
    expect(reply.jsongle.description.errorCode).to.equal(ErrorCode.NotInRoom);
  });

  it('subscribes a node to a room channel only while it has members in the room', async () => {
    const room = rid();
    const channel = `jsongle:t:room/${room}`;
    const numsub = async () => Number(((await cluster.redis.cli().pubsub('NUMSUB', channel)) as [string, number])[1]);
    const alice = await client(0, 'alice');
    const bob = await client(1, 'bob');
    await alice.join(room);
    expect(await numsub()).to.equal(1);
    await bob.join(room);
    expect(await numsub()).to.equal(2);
    await bob.leave(room);
    await waitFor(async () => (await numsub()) === 1, 'node b unsubscribing');
    await alice.close();
    await waitFor(async () => (await numsub()) === 0, 'node a unsubscribing');
  });

  it('leaves no membership in Redis once every client has gone', async () => {
    const room = rid();
    const a = await client(0, 'a');
    const b = await client(1, 'b');
    await a.join(room, 'muc');
    await b.join(room, 'muc');
    await a.close();
    await b.close();
    await waitFor(async () => (await cluster.redis.cli().keys('jsongle:[rc]:*')).length === 0, 'no room or connection keys');
  });
});
