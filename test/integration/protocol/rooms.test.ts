/**
 * protocol.md § Rooms: P2P and MUC joins, limits, kind conflicts, rid validation, leave,
 * disconnect, and unknown iq-set queries.
 */
import { expect } from 'chai';
import { TestClient, arrivalOf, helloClient, type Msg } from '../../helpers/client.js';
import { getJson } from '../../helpers/http.js';
import { mucGroup, p2pPair } from '../../helpers/rooms.js';
import { startTestServer } from '../../helpers/server.js';
import { useTestServer } from '../../helpers/suite.js';
import { UUID_RE, rid } from '../../helpers/ids.js';
import { waitFor } from '../../helpers/wait.js';

const SERVER_ID = 'rooms-server';

function expectIqError(reply: Msg, code: number, query: string): void {
  expect(reply.jsongle.action, JSON.stringify(reply)).to.equal('iq-error');
  expect(reply.jsongle.query).to.equal(query);
  expect(reply.jsongle.transaction).to.be.a('string');
  expect(reply.jsongle.description.errorCode).to.equal(code);
  expect(reply.jsongle.description.errorDetails).to.be.a('string').and.not.equal('');
}

function byUid(a: { uid: string }, b: { uid: string }): number {
  return a.uid.localeCompare(b.uid);
}

const joinedEvent = (r: string, uid: string) => ({ jsongle: { action: 'session-event', event: 'joined', description: { rid: r, member: { uid } } } });
const leftEvent = (r: string, uid: string) => ({ jsongle: { action: 'session-event', event: 'left', description: { rid: r, member: { uid } } } });

describe('Rooms: P2P join', () => {
  const srv = useTestServer({ id: SERVER_ID });

  it('answers the first member with iq-result echoing query and transaction, an empty members list and the rid', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const r = rid();
    const reply = await a.request('session-join', { rid: r });
    expect(reply.jsongle.action).to.equal('iq-result');
    expect(reply.jsongle.query).to.equal('session-join');
    expect(reply.jsongle.transaction).to.be.a('string');
    expect(reply.jsongle.description).to.deep.equal({ members: [], rid: r });
    expect(reply.from).to.equal(SERVER_ID);
    expect(reply.to).to.equal(a.connectionId);
    expect(reply.id).to.match(UUID_RE);
  });

  it('lists the existing member to the joiner and tells the existing member with a joined event', async () => {
    const a = await helloClient(srv().url(), 'alice', 'Alice');
    const b = await helloClient(srv().url(), 'bob', 'Bob');
    const r = rid();
    await a.join(r);
    const reply = await b.join(r);
    expect(reply.jsongle.description).to.deep.equal({ members: [{ uid: 'alice', dn: 'Alice' }], rid: r });
    const ev = await a.expectMessage({ jsongle: { action: 'session-event' } });
    expect(ev.jsongle).to.deep.equal({
      action: 'session-event', namespace: 'room', event: 'joined',
      description: { member: { uid: 'bob', dn: 'Bob' }, rid: r },
    });
    expect(ev.from).to.equal(SERVER_ID);
    expect(ev.to).to.equal(a.connectionId);
  });

  it("sends the joined events to existing members before the joiner's iq-result", async () => {
    const [a, b, c] = [await helloClient(srv().url(), 'alice'), await helloClient(srv().url(), 'bob'), await helloClient(srv().url(), 'carol')];
    const r = rid('muc');
    await a.join(r, 'muc');
    await b.join(r, 'muc');
    await a.expectMessage(joinedEvent(r, 'bob'));
    const result = await c.join(r, 'muc');
    const evA = await a.expectMessage(joinedEvent(r, 'carol'));
    const evB = await b.expectMessage(joinedEvent(r, 'carol'));
    expect(arrivalOf(evA)).to.be.lessThan(arrivalOf(result));
    expect(arrivalOf(evB)).to.be.lessThan(arrivalOf(result));
  });

  it('tells existing members about the joiner before the joiner can reach them', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const b = await helloClient(srv().url(), 'bob');
    const r = rid();
    await a.join(r);
    await b.join(r);
    // B relays as soon as its iq-result arrives: A's socket must carry `joined` first.
    b.relay(r, 'session-text', { namespace: 'message', description: { content: 'hi' } });
    const first = await a.next();
    expect(first.jsongle.event, JSON.stringify(first)).to.equal('joined');
    const second = await a.next();
    expect(second.jsongle.action).to.equal('session-text');
  });

  it('puts only uid and dn from the hello in a profile, and dn only when it was given', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const bob = await TestClient.connect(srv().url());
    await bob.hello('bob', undefined, { avatar: 'http://x/y.png', token: 'secret', role: 'admin' });
    const r = rid();
    await a.join(r);
    const reply = await bob.join(r);
    expect(reply.jsongle.description.members).to.deep.equal([{ uid: 'alice' }]);
    const ev = await a.expectMessage(joinedEvent(r, 'bob'));
    expect(ev.jsongle.description.member).to.deep.equal({ uid: 'bob' });
  });

  it('answers 403001 when the P2P room already has two members, and tells the members nothing', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const c = await helloClient(srv().url(), 'carol');
    const reply = await c.request('session-join', { rid: r });
    expectIqError(reply, 403001, 'session-join');
    expect(reply.jsongle.description.errorDetails).to.equal('Max number of members per room already reached');
    await a.expectNoMessage();
    await b.expectNoMessage();
  });

  it('answers a rejoin of a room the client is already in with the current other members and no events', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const reply = await b.join(r);
    expect(reply.jsongle.description).to.deep.equal({ members: [{ uid: 'alice' }], rid: r });
    const again = await a.join(r);
    expect(again.jsongle.description).to.deep.equal({ members: [{ uid: 'bob' }], rid: r });
    await a.expectNoMessage();
    await b.expectNoMessage();
  });

  it('lets one user (same uid, two devices) be in the same P2P room twice', async () => {
    const r = rid();
    const a1 = await helloClient(srv().url(), 'alice');
    const a2 = await helloClient(srv().url(), 'alice');
    await a1.join(r);
    const reply = await a2.join(r);
    expect(reply.jsongle.description.members).to.deep.equal([{ uid: 'alice' }]);
  });
});

describe('Rooms: kinds, MUC and limits', () => {
  const srv = useTestServer({ id: SERVER_ID, maxMembersPerMultiRoom: 3, maxMultiRoomPerUser: 2 });

  it('answers 403004 to a muc-join of a rid used by a P2P room', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const b = await helloClient(srv().url(), 'bob');
    const r = rid();
    await a.join(r, 'room');
    expectIqError(await b.request('muc-join', { rid: r }), 403004, 'muc-join');
  });

  it('answers 403004 to a session-join of a rid used by a MUC', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const b = await helloClient(srv().url(), 'bob');
    const r = rid();
    await a.join(r, 'muc');
    expectIqError(await b.request('session-join', { rid: r }), 403004, 'session-join');
  });

  it('answers 403004 to a join of the other kind even for a room the client is in, both directions', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const p2p = rid('p2p');
    const muc = rid('muc');
    await a.join(p2p, 'room');
    await a.join(muc, 'muc');
    expectIqError(await a.request('muc-join', { rid: p2p }), 403004, 'muc-join');
    expectIqError(await a.request('session-join', { rid: muc }), 403004, 'session-join');
  });

  it('joins a MUC: members listed to the joiner, joined events with namespace muc to every member', async () => {
    const r = rid('muc');
    const a = await helloClient(srv().url(), 'alice', 'Alice');
    const b = await helloClient(srv().url(), 'bob');
    const c = await helloClient(srv().url(), 'carol', 'Carol');
    const ra = await a.join(r, 'muc');
    expect(ra.jsongle.query).to.equal('muc-join');
    expect(ra.jsongle.description).to.deep.equal({ members: [], rid: r });
    await b.join(r, 'muc');
    await a.expectMessage(joinedEvent(r, 'bob'));
    const rc = await c.join(r, 'muc');
    expect([...rc.jsongle.description.members].sort(byUid)).to.deep.equal([{ uid: 'alice', dn: 'Alice' }, { uid: 'bob' }]);
    for (const m of [a, b]) {
      const ev = await m.expectMessage(joinedEvent(r, 'carol'));
      expect(ev.jsongle).to.deep.equal({
        action: 'session-event', namespace: 'muc', event: 'joined',
        description: { member: { uid: 'carol', dn: 'Carol' }, rid: r },
      });
    }
  });

  it('answers 403001 "per multi room" when the MUC has maxMembersPerMultiRoom members', async () => {
    const r = rid('muc');
    const members = await mucGroup(srv().url(), r, ['m1', 'm2', 'm3']);
    const d = await helloClient(srv().url(), 'dave');
    const reply = await d.request('muc-join', { rid: r });
    expectIqError(reply, 403001, 'muc-join');
    expect(reply.jsongle.description.errorDetails).to.equal('Max number of members per multi room already reached');
    for (const m of members) await m.expectNoMessage();
  });

  it('answers 403003 when the connection is already in maxMultiRoomPerUser MUCs', async () => {
    const a = await helloClient(srv().url(), 'alice');
    await a.join(rid('muc'), 'muc');
    await a.join(rid('muc'), 'muc');
    expectIqError(await a.request('muc-join', { rid: rid('muc') }), 403003, 'muc-join');
  });

  it('answers 403008 past maxRoomsPerConnection rooms of both kinds, and lets a member rejoin', async () => {
    const limited = await startTestServer({ maxRoomsPerConnection: 3 });
    try {
      const a = await helloClient(limited.url(), 'alice');
      const held = [rid('p2p'), rid('muc'), rid('p2p')];
      await a.join(held[0], 'room');
      await a.join(held[1], 'muc');
      await a.join(held[2], 'room');
      const refused = await a.request('session-join', { rid: rid('p2p') });
      expectIqError(refused, 403008, 'session-join');
      expect(refused.jsongle.description.errorDetails).to.equal('Max number of rooms per connection already reached');
      expectIqError(await a.request('muc-join', { rid: rid('muc') }), 403008, 'muc-join');
      const again = await a.request('session-join', { rid: held[0] });
      expect(again.jsongle.action).to.equal('iq-result');
      expect(limited.server.inspectState()).to.include({ rooms: 3 });
    } finally {
      await limited.stop();
    }
  });

  it('does not count P2P rooms against maxMultiRoomPerUser', async () => {
    const a = await helloClient(srv().url(), 'alice');
    await a.join(rid('muc'), 'muc');
    await a.join(rid('muc'), 'muc');
    await a.join(rid('p2p'), 'room');
    await a.join(rid('p2p'), 'room');
  });

  it('counts MUCs per connection, so another device of the same user may join its own MUCs', async () => {
    const a1 = await helloClient(srv().url(), 'alice');
    const a2 = await helloClient(srv().url(), 'alice');
    await a1.join(rid('muc'), 'muc');
    await a1.join(rid('muc'), 'muc');
    await a2.join(rid('muc'), 'muc');
  });

  it('lets a connection join another MUC after leaving one at the maxMultiRoomPerUser limit', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const m1 = rid('muc');
    await a.join(m1, 'muc');
    await a.join(rid('muc'), 'muc');
    await a.leave(m1, 'muc-leave');
    await a.join(rid('muc'), 'muc');
  });

  it('lets a connection be in several rooms of both kinds and relays only to the addressed room', async () => {
    const p2p = rid('p2p');
    const muc = rid('muc');
    const a = await helloClient(srv().url(), 'alice');
    const b = await helloClient(srv().url(), 'bob');
    const c = await helloClient(srv().url(), 'carol');
    await a.join(p2p, 'room');
    await a.join(muc, 'muc');
    await b.join(p2p, 'room');
    await c.join(muc, 'muc');
    await a.expectMessage(joinedEvent(p2p, 'bob'));
    await a.expectMessage(joinedEvent(muc, 'carol'));
    const toP2p = a.relay(p2p, 'session-text', { namespace: 'message', description: { content: 'p2p' } });
    const toMuc = a.relay(muc, 'session-text', { namespace: 'message', description: { content: 'muc' } });
    expect((await b.expectMessage({ id: toP2p.id })).from).to.equal(p2p);
    expect((await c.expectMessage({ id: toMuc.id })).from).to.equal(`${muc}/alice`);
    await b.expectNoMessage({ id: toMuc.id });
    await c.expectNoMessage({ id: toP2p.id });
  });
});

describe('Rooms: rid validation', () => {
  const srv = useTestServer({ id: SERVER_ID });

  const invalid: Array<[string, unknown]> = [
    ['no description', undefined],
    ['a description without rid', {}],
    ['a numeric rid', { rid: 42 }],
    ['a null rid', { rid: null }],
    ['an array rid', { rid: ['a'] }],
    ['an empty rid', { rid: '' }],
    ['a rid longer than 256 characters', { rid: 'r'.repeat(257) }],
    ['a rid equal to the server id', { rid: SERVER_ID }],
  ];
  for (const query of ['session-join', 'muc-join', 'session-leave', 'muc-leave']) {
    for (const [label, description] of invalid) {
      it(`answers ${query} with ${label} with iq-error 400001`, async () => {
        const a = await helloClient(srv().url(), 'alice');
        expectIqError(await a.request(query, description), 400001, query);
      });
    }
  }

  it('accepts a rid of exactly 256 characters', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const r = `${rid()}-`.padEnd(256, 'x');
    expect((await a.join(r)).jsongle.description.rid).to.equal(r);
  });

  it('answers an iq-set with a string description with iq-error 400001', async () => {
    const a = await helloClient(srv().url(), 'alice');
    expectIqError(await a.request('session-join', 'room-1'), 400001, 'session-join');
  });
});

describe('Rooms: leave and disconnect', () => {
  const srv = useTestServer({ id: SERVER_ID });

  it('tells the remaining member with a left event (namespace room) and answers iq-result {rid}', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const reply = await b.request('session-leave', { rid: r });
    expect(reply.jsongle.action).to.equal('iq-result');
    expect(reply.jsongle.query).to.equal('session-leave');
    expect(reply.jsongle.description).to.deep.equal({ rid: r });
    const ev = await a.expectMessage({ jsongle: { action: 'session-event' } });
    expect(ev.jsongle).to.deep.equal({ action: 'session-event', namespace: 'room', event: 'left', description: { member: { uid: 'bob' }, rid: r } });
    expect(ev.to).to.equal(a.connectionId);
  });

  it('accepts muc-leave as an alias, echoes it, and sends left events with namespace muc', async () => {
    const r = rid('muc');
    const [a, b, c] = await mucGroup(srv().url(), r, ['alice', 'bob', 'carol']);
    const reply = await c.request('muc-leave', { rid: r });
    expect(reply.jsongle.action).to.equal('iq-result');
    expect(reply.jsongle.query).to.equal('muc-leave');
    expect(reply.jsongle.description).to.deep.equal({ rid: r });
    for (const m of [a, b]) {
      const ev = await m.expectMessage(leftEvent(r, 'carol'));
      expect(ev.jsongle.namespace).to.equal('muc');
    }
  });

  it('accepts session-leave for a MUC too', async () => {
    const r = rid('muc');
    const [a, b] = await mucGroup(srv().url(), r, ['alice', 'bob']);
    expect((await b.leave(r, 'session-leave')).jsongle.query).to.equal('session-leave');
    expect((await a.expectMessage(leftEvent(r, 'bob'))).jsongle.namespace).to.equal('muc');
  });

  it('accepts muc-leave for a P2P room too, with namespace room in the left event', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    expect((await b.leave(r, 'muc-leave')).jsongle.query).to.equal('muc-leave');
    expect((await a.expectMessage(leftEvent(r, 'bob'))).jsongle.namespace).to.equal('room');
  });

  it('answers 404002 "Not member of room <rid>" to a leave of a room that does not exist', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const r = rid();
    const reply = await a.request('session-leave', { rid: r });
    expectIqError(reply, 404002, 'session-leave');
    expect(reply.jsongle.description.errorDetails).to.equal(`Not member of room ${r}`);
  });

  it('answers 404002 to a leave of an existing room the client is not in, echoing muc-leave', async () => {
    const r = rid('muc');
    const [a] = await mucGroup(srv().url(), r, ['alice']);
    const b = await helloClient(srv().url(), 'bob');
    const reply = await b.request('muc-leave', { rid: r });
    expectIqError(reply, 404002, 'muc-leave');
    expect(reply.jsongle.description.errorDetails).to.equal(`Not member of room ${r}`);
    await a.expectNoMessage();
  });

  it('answers 404002 to a second leave of the same room', async () => {
    const r = rid();
    const [, b] = await p2pPair(srv().url(), r);
    await b.leave(r);
    expectIqError(await b.request('session-leave', { rid: r }), 404002, 'session-leave');
  });

  it('refuses relays to a room after leaving it (404002)', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    await b.leave(r);
    b.relay(r, 'session-text', { namespace: 'message', description: {} });
    const err = await b.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(404002);
    await a.expectNoMessage({ jsongle: { action: 'session-text' } });
  });

  it('removes an emptied room, so the rid can be reused by a room of the other kind', async () => {
    const r = rid();
    const roomsBefore = srv().server.inspectState().rooms;
    const a = await helloClient(srv().url(), 'alice');
    await a.join(r, 'room');
    expect(srv().server.inspectState().rooms).to.equal(roomsBefore + 1);
    await a.leave(r);
    expect(srv().server.inspectState().rooms).to.equal(roomsBefore);
    const b = await helloClient(srv().url(), 'bob');
    const reply = await b.join(r, 'muc');
    expect(reply.jsongle.description).to.deep.equal({ members: [], rid: r });
  });

  it('drops conferences_count in GET /stats when a room empties by leave', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const r = rid();
    const count = async () => (await getJson(`${srv().restUrl}/stats`)).body.conferences_count as number;
    const initial = await count();
    await a.join(r, 'muc');
    expect(await count()).to.equal(initial + 1);
    await a.leave(r);
    expect(await count()).to.equal(initial);
  });

  it('frees the seat a leaver had in a full P2P room', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    await b.leave(r);
    await a.expectMessage(leftEvent(r, 'bob'));
    const c = await helloClient(srv().url(), 'carol');
    expect((await c.join(r)).jsongle.description.members).to.deep.equal([{ uid: 'alice' }]);
  });

  it('sends left events to the other members of every room of a connection that closes', async () => {
    const p2p = rid('p2p');
    const muc = rid('muc');
    const a = await helloClient(srv().url(), 'alice', 'Alice');
    const b = await helloClient(srv().url(), 'bob');
    const [c, d] = await mucGroup(srv().url(), muc, ['carol', 'dave']);
    await a.join(p2p, 'room');
    await b.join(p2p, 'room');
    await a.join(muc, 'muc');
    await c.expectMessage(joinedEvent(muc, 'alice'));
    await d.expectMessage(joinedEvent(muc, 'alice'));
    await a.close();
    const evB = await b.expectMessage(leftEvent(p2p, 'alice'));
    expect(evB.jsongle).to.deep.equal({ action: 'session-event', namespace: 'room', event: 'left', description: { member: { uid: 'alice', dn: 'Alice' }, rid: p2p } });
    for (const m of [c, d]) {
      const ev = await m.expectMessage(leftEvent(muc, 'alice'));
      expect(ev.jsongle.namespace).to.equal('muc');
    }
  });

  it('sends left events when a connection drops without a close frame', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    await a.terminate();
    await b.expectMessage(leftEvent(r, 'alice'));
    // No ghost: the seat is free again.
    const c = await helloClient(srv().url(), 'carol');
    expect((await c.join(r)).jsongle.description.members).to.deep.equal([{ uid: 'bob' }]);
  });

  it('removes rooms emptied by disconnects and forgets the connections', async () => {
    // Earlier tests' clients were closed by the afterEach hook: wait until the server saw it.
    await waitFor(() => srv().server.inspectState().connections === 0, 'no connection left from earlier tests');
    const base = srv().server.inspectState();
    const p2p = rid('p2p');
    const muc = rid('muc');
    const clients: TestClient[] = [];
    for (const uid of ['u1', 'u2']) {
      const c = await helloClient(srv().url(), uid);
      await c.join(p2p, 'room');
      await c.join(muc, 'muc');
      clients.push(c);
    }
    expect(srv().server.inspectState().rooms).to.equal(base.rooms + 2);
    await clients[0].terminate();
    await clients[1].close();
    await waitFor(() => {
      const s = srv().server.inspectState();
      return s.rooms === base.rooms && s.connections === base.connections && s.memberIndex === base.memberIndex;
    }, `rooms/connections/memberIndex back to ${JSON.stringify(base)}, now ${JSON.stringify(srv().server.inspectState())}`);
    expect(srv().server.numSubscribers(`room/${p2p}`)).to.equal(0);
  });
});

describe('Rooms: iq-set queries', () => {
  const srv = useTestServer({ id: SERVER_ID });

  it("answers an unknown iq-set query with iq-error 404001 \"The query '<q>' is not supported\"", async () => {
    const a = await helloClient(srv().url(), 'alice');
    const reply = await a.request('session-roster', {});
    expectIqError(reply, 404001, 'session-roster');
    expect(reply.jsongle.description.errorDetails).to.equal("The query 'session-roster' is not supported");
  });

  it('answers an iq-set without a query with iq-error 400001 echoing the transaction', async () => {
    const a = await helloClient(srv().url(), 'alice');
    a.send(a.envelope({ action: 'iq-set', transaction: 'tx-no-query', description: { rid: 'x' } }));
    const reply = await a.expectMessage({ jsongle: { transaction: 'tx-no-query' } });
    expect(reply.jsongle.action).to.equal('iq-error');
    expect(reply.jsongle.description.errorCode).to.equal(400001);
  });

  it('treats an iq-set as a request to the server whatever its `to`', async () => {
    const a = await helloClient(srv().url(), 'alice');
    const r = rid();
    const reply = await a.request('session-join', { rid: r }, { to: 'somewhere-else' });
    expect(reply.jsongle.action).to.equal('iq-result');
    expect(reply.jsongle.description.rid).to.equal(r);
  });
});
