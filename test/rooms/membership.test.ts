/**
 * LocalMembership: the in-process authority decides and applies to the room owner in one step, in
 * the spec's order (kind conflict → already a member → full → too many MUCs), subscribes and
 * unsubscribes through the room owner, and keeps no ghost call or room.
 */
import { expect } from 'chai';
import { Stats } from '../../src/observability/stats.js';
import { MessageBuilder } from '../../src/protocol/build.js';
import { LocalMembership, type JoinRequest } from '../../src/rooms/membership.js';
import type { Member, RoomIO } from '../../src/rooms/room.js';
import { Rooms } from '../../src/rooms/rooms.js';

/** Records the subscriptions the room owner makes; a membership decision sends nothing. */
class FakeIO implements RoomIO {
  readonly calls: string[] = [];
  subscribe(connId: string, topic: string): void { this.calls.push(`subscribe ${connId} ${topic}`); }
  unsubscribe(connId: string, topic: string): void { this.calls.push(`unsubscribe ${connId} ${topic}`); }
  publishFrom(): void { this.calls.push('publishFrom'); }
  sendToMember(_m: Member): void { this.calls.push('sendToMember'); }
  linkUp(): boolean { return true; }
}

function setup() {
  const stats = new Stats();
  const io = new FakeIO();
  const rooms = new Rooms({ io, stats }, new MessageBuilder({ id: 'jsongle-server', version: '3', info: '' }), 'muc/');
  return { stats, io, rooms, membership: new LocalMembership(rooms) };
}

const req = (connId: string, rid: string, over: Partial<JoinRequest> = {}): JoinRequest => ({
  connId, rid, kind: 'room', profile: { uid: `user-${connId}` }, capacity: 2, maxMultiRooms: 2, maxRooms: 100, ...over,
});

describe('LocalMembership', () => {
  describe('join', () => {
    it('creates the room with the first joiner, records its profile and subscribes it before answering', () => {
      const { membership, rooms, io } = setup();
      expect(membership.join(req('a', 'r'))).to.equal('joined');
      expect(rooms.get('r')?.kind).to.equal('room');
      expect([...rooms.get('r')!.members.keys()]).to.deep.equal(['a']);
      expect(rooms.get('r')!.members.get('a')).to.deep.equal({ id: 'a', profile: { uid: 'user-a' } });
      expect(io.calls).to.deep.equal(['subscribe a room/r']);
    });

    it('creates a MUC under the MUC prefix', () => {
      const { membership, rooms, io } = setup();
      expect(membership.join(req('a', 'm', { kind: 'muc' }))).to.equal('joined');
      expect(rooms.get('m')?.kind).to.equal('muc');
      expect(io.calls).to.deep.equal(['subscribe a muc/m']);
    });

    it('answers kindConflict before alreadyMember, even for a member, and changes nothing', () => {
      const { membership, rooms, io } = setup();
      membership.join(req('a', 'r'));
      expect(membership.join(req('a', 'r', { kind: 'muc' }))).to.equal('kindConflict');
      expect(membership.join(req('b', 'r', { kind: 'muc' }))).to.equal('kindConflict');
      expect(rooms.get('r')!.kind).to.equal('room');
      expect([...rooms.get('r')!.members.keys()]).to.deep.equal(['a']);
      expect(io.calls).to.deep.equal(['subscribe a room/r']);
    });

    it('answers kindConflict before full', () => {
      const { membership } = setup();
      membership.join(req('a', 'r'));
      membership.join(req('b', 'r'));
      expect(membership.join(req('c', 'r', { kind: 'muc' }))).to.equal('kindConflict');
    });

    it('answers alreadyMember before full (an idempotent rejoin of a full room), subscribing nothing more', () => {
      const { membership, io } = setup();
      membership.join(req('a', 'r'));
      membership.join(req('b', 'r'));
      expect(membership.join(req('a', 'r'))).to.equal('alreadyMember');
      expect(membership.join(req('c', 'r'))).to.equal('full');
      expect(io.calls).to.deep.equal(['subscribe a room/r', 'subscribe b room/r']);
    });

    it('uses the capacity of the request (the caller picks it by kind)', () => {
      const { membership } = setup();
      for (const id of ['a', 'b', 'c']) expect(membership.join(req(id, 'm', { kind: 'muc', capacity: 3 }))).to.equal('joined');
      expect(membership.join(req('d', 'm', { kind: 'muc', capacity: 3 }))).to.equal('full');
      expect(membership.join(req('d', 'm', { kind: 'muc', capacity: 4 }))).to.equal('joined');
    });

    it('lets exactly capacity joiners win a race for the seats', () => {
      const { membership, rooms } = setup();
      const verdicts = ['a', 'b', 'c', 'd', 'e'].map((id) => membership.join(req(id, 'r')));
      expect(verdicts).to.deep.equal(['joined', 'joined', 'full', 'full', 'full']);
      expect(rooms.get('r')!.members.size).to.equal(2);
      expect(rooms.ridsOf('c').size).to.equal(0);
    });

    it('answers full before tooManyMultiRooms', () => {
      const { membership } = setup();
      membership.join(req('x', 'm', { kind: 'muc', capacity: 1 }));
      expect(membership.join(req('a', 'm', { kind: 'muc', capacity: 1, maxMultiRooms: 0 }))).to.equal('full');
    });

    it('answers tooManyMultiRooms past maxMultiRooms MUCs, counting only MUCs', () => {
      const { membership, rooms } = setup();
      membership.join(req('a', 'p2p'));
      membership.join(req('a', 'm1', { kind: 'muc' }));
      membership.join(req('a', 'm2', { kind: 'muc' }));
      expect(membership.join(req('a', 'm3', { kind: 'muc', capacity: 10 }))).to.equal('tooManyMultiRooms');
      expect(rooms.get('m3')).to.equal(undefined);
      // A P2P room is not limited by the MUC limit.
      expect(membership.join(req('a', 'p2p-2'))).to.equal('joined');
    });

    it('answers tooManyRooms past maxRooms rooms of both kinds, and still lets a member rejoin', () => {
      const { membership, rooms } = setup();
      membership.join(req('a', 'p1', { maxRooms: 2 }));
      membership.join(req('a', 'm1', { kind: 'muc', maxRooms: 2 }));
      expect(membership.join(req('a', 'p2', { maxRooms: 2 }))).to.equal('tooManyRooms');
      expect(membership.join(req('a', 'm2', { kind: 'muc', maxRooms: 2 }))).to.equal('tooManyRooms');
      expect(rooms.get('p2')).to.equal(undefined);
      expect(membership.join(req('a', 'p1', { maxRooms: 2 }))).to.equal('alreadyMember');
    });

    it('lets a member of maxMultiRooms MUCs rejoin one of them (alreadyMember comes first)', () => {
      const { membership } = setup();
      membership.join(req('a', 'm1', { kind: 'muc' }));
      membership.join(req('a', 'm2', { kind: 'muc' }));
      expect(membership.join(req('a', 'm1', { kind: 'muc' }))).to.equal('alreadyMember');
    });

    it('frees a MUC slot once the connection leaves one', () => {
      const { membership } = setup();
      membership.join(req('a', 'm1', { kind: 'muc' }));
      membership.join(req('a', 'm2', { kind: 'muc' }));
      membership.leave('a', 'm1');
      expect(membership.join(req('a', 'm3', { kind: 'muc' }))).to.equal('joined');
    });
  });

  describe('leave', () => {
    it('leaves with the room kind and unsubscribes, and answers notMember for a room it is not in', () => {
      const { membership, io } = setup();
      membership.join(req('a', 'm', { kind: 'muc' }));
      membership.join(req('b', 'm', { kind: 'muc' }));
      expect(membership.leave('a', 'm')).to.deep.equal({ verdict: 'left', kind: 'muc' });
      expect(membership.leave('a', 'm')).to.deep.equal({ verdict: 'notMember' });
      expect(membership.leave('a', 'nowhere')).to.deep.equal({ verdict: 'notMember' });
      expect(io.calls).to.deep.equal(['subscribe a muc/m', 'subscribe b muc/m', 'unsubscribe a muc/m']);
    });

    it('drops the room the last member left', () => {
      const { membership, rooms } = setup();
      membership.join(req('a', 'r'));
      expect(membership.leave('a', 'r')).to.deep.equal({ verdict: 'left', kind: 'room' });
      expect(rooms.get('r')).to.equal(undefined);
      expect(rooms.memberIndexSize).to.equal(0);
    });

  });

  describe('leaveAll', () => {
    it('drops every room of a departed connection, unsubscribing it, and the emptied rooms with it', () => {
      const { membership, rooms, io } = setup();
      membership.join(req('a', 'r1'));
      membership.join(req('a', 'm1', { kind: 'muc' }));
      membership.join(req('b', 'm1', { kind: 'muc' }));
      io.calls.length = 0;
      membership.leaveAll('a');
      expect(rooms.get('r1')).to.equal(undefined);
      expect([...rooms.get('m1')!.members.keys()]).to.deep.equal(['b']);
      expect(rooms.ridsOf('a').size).to.equal(0);
      expect(io.calls.sort()).to.deep.equal(['unsubscribe a muc/m1', 'unsubscribe a room/r1']);
    });

    it('does nothing for a connection in no room', () => {
      const { membership, rooms, io } = setup();
      membership.join(req('a', 'r1'));
      io.calls.length = 0;
      membership.leaveAll('b');
      expect(rooms.size).to.equal(1);
      expect(io.calls).to.deep.equal([]);
    });
  });

  it('forgets everything on clear()', () => {
    const { membership, rooms } = setup();
    membership.join(req('a', 'r1'));
    membership.join(req('b', 'r1'));
    membership.join(req('a', 'm1', { kind: 'muc' }));
    membership.clear();
    expect(rooms.size).to.equal(0);
    expect(rooms.memberIndexSize).to.equal(0);
    expect(membership.join(req('a', 'r1', { kind: 'muc' })), 'the rid is free again, for any kind').to.equal('joined');
  });

  it('never writes to a socket: deciding is not announcing', () => {
    const { membership, io } = setup();
    membership.join(req('a', 'm', { kind: 'muc' }));
    membership.join(req('b', 'm', { kind: 'muc' }));
    membership.join(req('c', 'm', { kind: 'room' }));
    membership.leave('a', 'm');
    membership.leaveAll('b');
    expect(io.calls.filter((c) => c === 'publishFrom' || c === 'sendToMember')).to.deep.equal([]);
  });
});
