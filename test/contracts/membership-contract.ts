/**
 * The Membership contract: what every membership authority (LocalMembership in one process,
 * RedisMembership across nodes) must do, checked through the interface and the room owner it
 * records into. The local half runs in `npm test` (test/rooms/membership-contract.test.ts), the
 * Redis half in `npm run test:cluster` (test/cluster/membership-contract.cluster-test.ts).
 */
import { expect } from 'chai';
import type { Connections } from '../../src/connections/connections.js';
import type { JoinRequest, Membership } from '../../src/rooms/membership.js';
import type { Rooms } from '../../src/rooms/rooms.js';
import type { FakeSocket } from '../helpers/fake-socket.js';
import { waitFor } from '../helpers/wait.js';

export interface MembershipFixture {
  membership: Membership;
  rooms: Rooms;
  connections: Connections;
  /** Opens a (fake) socket for a connection id: a requester must be connected. */
  connect(id: string): FakeSocket;
  /** The authority's own view, when it has one beyond the mirror (Redis): member ids of a room. */
  storedMembers(rid: string): Promise<string[]>;
  stop(): Promise<void>;
}

const req = (connId: string, rid: string, over: Partial<JoinRequest> = {}): JoinRequest => ({
  connId, rid, kind: 'room', profile: { uid: `u-${connId}` }, capacity: 2, maxMultiRooms: 2, maxRooms: 10, ...over,
});

let unique = 0;
const rid = (what: string) => `contract-${what}-${process.pid}-${++unique}`;

export function describeMembershipContract(name: string, setup: () => Promise<MembershipFixture>): void {
  describe(`Membership contract: ${name}`, function () {
    this.timeout(15_000);
    let fx: MembershipFixture;
    beforeEach(async () => {
      fx = await setup();
    });
    afterEach(async () => {
      await fx?.stop();
    });

    it('joins: the room exists with its kind, the member is recorded and subscribed to the room topic', async () => {
      const ws = fx.connect('a');
      const r = rid('join');
      expect(await fx.membership.join(req('a', r, { kind: 'muc' }))).to.equal('joined');
      const room = fx.rooms.get(r)!;
      expect(room.kind).to.equal('muc');
      expect([...room.members.keys()]).to.deep.equal(['a']);
      expect(ws.calls.filter((c) => c[0] === 'subscribe')).to.deep.equal([['subscribe', room.topic]]);
      expect(await fx.storedMembers(r)).to.deep.equal(['a']);
    });

    it('answers alreadyMember to a second join of the same connection, changing nothing', async () => {
      fx.connect('a');
      const r = rid('again');
      await fx.membership.join(req('a', r));
      expect(await fx.membership.join(req('a', r))).to.equal('alreadyMember');
      expect(fx.rooms.get(r)!.members.size).to.equal(1);
    });

    it('answers full at capacity, kindConflict for the other kind, and changes nothing', async () => {
      for (const id of ['a', 'b', 'c']) fx.connect(id);
      const r = rid('full');
      await fx.membership.join(req('a', r));
      await fx.membership.join(req('b', r));
      expect(await fx.membership.join(req('c', r))).to.equal('full');
      expect(await fx.membership.join(req('c', r, { kind: 'muc', capacity: 10 }))).to.equal('kindConflict');
      expect([...fx.rooms.get(r)!.members.keys()]).to.deep.equal(['a', 'b']);
      expect((await fx.storedMembers(r)).sort()).to.deep.equal(['a', 'b']);
    });

    it('answers tooManyMultiRooms past maxMultiRooms MUCs and tooManyRooms past maxRooms rooms', async () => {
      fx.connect('a');
      await fx.membership.join(req('a', rid('m'), { kind: 'muc', maxMultiRooms: 1 }));
      expect(await fx.membership.join(req('a', rid('m'), { kind: 'muc', maxMultiRooms: 1 }))).to.equal('tooManyMultiRooms');
      await fx.membership.join(req('a', rid('p'), { maxRooms: 2 }));
      expect(await fx.membership.join(req('a', rid('p'), { maxRooms: 2 }))).to.equal('tooManyRooms');
      expect(fx.rooms.ridsOf('a').size).to.equal(2);
    });

    it('leaves: left with the kind, the room emptied is gone; a second leave is notMember', async () => {
      const ws = fx.connect('a');
      const r = rid('leave');
      await fx.membership.join(req('a', r, { kind: 'muc' }));
      expect(await fx.membership.leave('a', r)).to.deep.equal({ verdict: 'left', kind: 'muc' });
      expect(fx.rooms.get(r)).to.equal(undefined);
      expect(ws.calls.filter((c) => c[0] === 'unsubscribe').length).to.equal(1);
      expect(await fx.membership.leave('a', r)).to.deep.equal({ verdict: 'notMember' });
      expect(await fx.storedMembers(r)).to.deep.equal([]);
    });

    it('leaveAll: a gone connection leaves every room at once, the others stay', async () => {
      fx.connect('a');
      fx.connect('b');
      const [r1, r2] = [rid('all'), rid('all')];
      await fx.membership.join(req('a', r1));
      await fx.membership.join(req('b', r1));
      await fx.membership.join(req('a', r2, { kind: 'muc' }));
      fx.membership.leaveAll('a');
      expect(fx.rooms.ridsOf('a').size).to.equal(0);
      expect([...fx.rooms.get(r1)!.members.keys()]).to.deep.equal(['b']);
      expect(fx.rooms.get(r2)).to.equal(undefined);
      await waitForStored(fx, r1, ['b']);
    });

    it('decides racing joins for the last seat one after the other: exactly one wins', async () => {
      const ids = ['a', 'b', 'c', 'd', 'e'];
      for (const id of ids) fx.connect(id);
      const r = rid('race');
      const verdicts = await Promise.all(ids.map((id) => fx.membership.join(req(id, r, { capacity: 1 }))));
      expect(verdicts.filter((v) => v === 'joined')).to.have.lengthOf(1);
      expect(verdicts.filter((v) => v === 'full')).to.have.lengthOf(4);
      expect(fx.rooms.get(r)!.members.size).to.equal(1);
    });
  });
}

/** The authority may apply a leaveAll after returning (Redis): poll its own view with a deadline. */
async function waitForStored(fx: MembershipFixture, r: string, expected: string[]): Promise<void> {
  const want = JSON.stringify(expected);
  await waitFor(async () => JSON.stringify((await fx.storedMembers(r)).sort()) === want, `stored members of ${r} to be ${want}`, 3000);
}
