/**
 * RoomRegistry: rooms by rid and rids by connection. What matters most is that nothing lingers:
 * an emptied room is gone (with its roomRemoved callback), and a connection in no room leaves
 * no entry in the member index.
 */
import { expect } from 'chai';
import { RoomRegistry, type Member, type Room } from '../../src/actors/rooms.js';
import type { RoomKind } from '../../src/protocol/types.js';

const topicOf = (rid: string, kind: RoomKind) => `${kind === 'muc' ? 'muc/' : 'room/'}${rid}`;

function member(id: string, uid = `user-${id}`): Member {
  return { id, profile: { uid } };
}

function registry() {
  const created: string[] = [];
  const removed: string[] = [];
  const rooms = new RoomRegistry(topicOf, {
    roomCreated: (room: Room) => created.push(room.rid),
    roomRemoved: (room: Room) => removed.push(room.rid),
  });
  return { rooms, created, removed };
}

describe('RoomRegistry', () => {
  it('starts empty', () => {
    const { rooms } = registry();
    expect(rooms.size).to.equal(0);
    expect(rooms.memberIndexSize).to.equal(0);
    expect([...rooms.all()]).to.deep.equal([]);
    expect(rooms.get('r1')).to.equal(undefined);
  });

  it('creates a room with the first member, its kind, its topic and a creation time', () => {
    const { rooms, created } = registry();
    const room = rooms.add('r1', 'room', member('c1'), 1234);
    expect(room.rid).to.equal('r1');
    expect(room.kind).to.equal('room');
    expect(room.topic).to.equal('room/r1');
    expect(room.inCall).to.equal(false);
    expect(room.createdAt).to.equal(1234);
    expect([...room.members.keys()]).to.deep.equal(['c1']);
    expect(rooms.get('r1')).to.equal(room);
    expect(rooms.size).to.equal(1);
    expect(created).to.deep.equal(['r1']);
  });

  it('builds a MUC room topic with the topic function', () => {
    const { rooms } = registry();
    expect(rooms.add('m1', 'muc', member('c1')).topic).to.equal('muc/m1');
  });

  it('adds later members to the existing room, in join order, without creating it again', () => {
    const { rooms, created } = registry();
    rooms.add('r1', 'muc', member('c1'));
    rooms.add('r1', 'muc', member('c2'));
    const room = rooms.add('r1', 'muc', member('c3'));
    expect([...room.members.keys()]).to.deep.equal(['c1', 'c2', 'c3']);
    expect(created).to.deep.equal(['r1']);
  });

  it('keeps the kind of the first member (kind checks belong to the supervisor)', () => {
    const { rooms } = registry();
    rooms.add('r1', 'room', member('c1'));
    expect(rooms.add('r1', 'muc', member('c2')).kind).to.equal('room');
  });

  it('keeps the member profile as given', () => {
    const { rooms } = registry();
    const room = rooms.add('r1', 'room', { id: 'c1', profile: { uid: 'alice', dn: 'Alice' } });
    expect(room.members.get('c1')?.profile).to.deep.equal({ uid: 'alice', dn: 'Alice' });
  });

  it('answers isMember for members, non-members and unknown rooms', () => {
    const { rooms } = registry();
    rooms.add('r1', 'room', member('c1'));
    expect(rooms.isMember('r1', 'c1')).to.equal(true);
    expect(rooms.isMember('r1', 'c2')).to.equal(false);
    expect(rooms.isMember('r2', 'c1')).to.equal(false);
  });

  it('lists the rooms of a connection with ridsOf', () => {
    const { rooms } = registry();
    rooms.add('r1', 'room', member('c1'));
    rooms.add('m1', 'muc', member('c1'));
    rooms.add('m2', 'muc', member('c2'));
    expect([...rooms.ridsOf('c1')].sort()).to.deep.equal(['m1', 'r1']);
    expect([...rooms.ridsOf('c2')]).to.deep.equal(['m2']);
    expect([...rooms.ridsOf('nobody')]).to.deep.equal([]);
  });

  it('counts only the MUC rooms of a connection with multiRoomCount', () => {
    const { rooms } = registry();
    rooms.add('r1', 'room', member('c1'));
    rooms.add('m1', 'muc', member('c1'));
    rooms.add('m2', 'muc', member('c1'));
    expect(rooms.multiRoomCount('c1')).to.equal(2);
    expect(rooms.multiRoomCount('c2')).to.equal(0);
    rooms.remove('m1', 'c1');
    expect(rooms.multiRoomCount('c1')).to.equal(1);
  });

  it('adding the same member twice keeps one entry', () => {
    const { rooms } = registry();
    rooms.add('r1', 'room', member('c1'));
    const room = rooms.add('r1', 'room', member('c1'));
    expect(room.members.size).to.equal(1);
    expect([...rooms.ridsOf('c1')]).to.deep.equal(['r1']);
  });

  it('removes a member and returns the room while others remain', () => {
    const { rooms, removed } = registry();
    rooms.add('r1', 'room', member('c1'));
    rooms.add('r1', 'room', member('c2'));
    const room = rooms.remove('r1', 'c1');
    expect(room?.rid).to.equal('r1');
    expect([...room!.members.keys()]).to.deep.equal(['c2']);
    expect(rooms.get('r1')).to.equal(room);
    expect(removed).to.deep.equal([]);
    expect([...rooms.ridsOf('c1')]).to.deep.equal([]);
  });

  it('drops an emptied room and calls roomRemoved once with it', () => {
    const { rooms, removed } = registry();
    const created = rooms.add('r1', 'room', member('c1'));
    const room = rooms.remove('r1', 'c1');
    expect(room).to.equal(created);
    expect(room!.members.size).to.equal(0);
    expect(rooms.get('r1')).to.equal(undefined);
    expect(rooms.size).to.equal(0);
    expect(removed).to.deep.equal(['r1']);
  });

  it('frees the rid of an emptied room for the other kind', () => {
    const { rooms } = registry();
    rooms.add('r1', 'room', member('c1'));
    rooms.remove('r1', 'c1');
    expect(rooms.add('r1', 'muc', member('c2')).kind).to.equal('muc');
  });

  it('returns undefined and changes nothing when removing a non-member or from an unknown room', () => {
    const { rooms, removed } = registry();
    rooms.add('r1', 'room', member('c1'));
    expect(rooms.remove('r1', 'c2')).to.equal(undefined);
    expect(rooms.remove('r2', 'c1')).to.equal(undefined);
    expect(rooms.size).to.equal(1);
    expect(rooms.memberIndexSize).to.equal(1);
    expect(removed).to.deep.equal([]);
  });

  it('brings memberIndexSize back to 0 once every connection left every room', () => {
    const { rooms } = registry();
    rooms.add('r1', 'room', member('c1'));
    rooms.add('r1', 'room', member('c2'));
    rooms.add('m1', 'muc', member('c1'));
    rooms.add('m1', 'muc', member('c3'));
    expect(rooms.memberIndexSize).to.equal(3);
    rooms.remove('r1', 'c1');
    expect(rooms.memberIndexSize).to.equal(3);
    rooms.remove('m1', 'c1');
    expect(rooms.memberIndexSize).to.equal(2);
    rooms.remove('r1', 'c2');
    rooms.remove('m1', 'c3');
    expect(rooms.memberIndexSize).to.equal(0);
    expect(rooms.size).to.equal(0);
  });

  it('handles __proto__, constructor and toString as ordinary room and connection ids', () => {
    const { rooms, removed } = registry();
    rooms.add('__proto__', 'muc', member('constructor'));
    rooms.add('toString', 'room', member('__proto__'));
    expect(rooms.isMember('__proto__', 'constructor')).to.equal(true);
    expect(rooms.isMember('constructor', 'constructor')).to.equal(false);
    expect(rooms.multiRoomCount('constructor')).to.equal(1);
    expect([...rooms.ridsOf('__proto__')]).to.deep.equal(['toString']);
    rooms.remove('__proto__', 'constructor');
    rooms.remove('toString', '__proto__');
    expect(removed).to.deep.equal(['__proto__', 'toString']);
    expect(rooms.size).to.equal(0);
    expect(rooms.memberIndexSize).to.equal(0);
  });

  it('lists every room with all()', () => {
    const { rooms } = registry();
    rooms.add('r1', 'room', member('c1'));
    rooms.add('m1', 'muc', member('c2'));
    expect([...rooms.all()].map((r) => r.rid).sort()).to.deep.equal(['m1', 'r1']);
  });

  it('clear() drops every room and index entry and calls roomRemoved for each room', () => {
    const { rooms, removed } = registry();
    rooms.add('r1', 'room', member('c1'));
    rooms.add('r1', 'room', member('c2'));
    rooms.add('m1', 'muc', member('c1'));
    rooms.clear();
    expect(rooms.size).to.equal(0);
    expect(rooms.memberIndexSize).to.equal(0);
    expect([...rooms.ridsOf('c1')]).to.deep.equal([]);
    expect(rooms.get('r1')).to.equal(undefined);
    expect(removed.sort()).to.deep.equal(['m1', 'r1']);
  });

  it('works without event callbacks', () => {
    const rooms = new RoomRegistry(topicOf);
    rooms.add('r1', 'room', member('c1'));
    rooms.remove('r1', 'c1');
    rooms.add('r2', 'room', member('c1'));
    rooms.clear();
    expect(rooms.size).to.equal(0);
  });

  it('keeps both indexes consistent through many joins and leaves', () => {
    const { rooms, created, removed } = registry();
    // A fixed, bounded pseudo-random walk: 2 000 steps over 20 connections and 8 rooms.
    let seed = 42;
    const next = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    for (let i = 0; i < 2000; i++) {
      const conn = `c${next(20)}`;
      const rid = `r${next(8)}`;
      if (next(2) === 0) rooms.add(rid, rid < 'r4' ? 'room' : 'muc', member(conn));
      else rooms.remove(rid, conn);
      for (const room of rooms.all()) {
        expect(room.members.size).to.be.above(0);
        for (const id of room.members.keys()) expect(rooms.ridsOf(id).has(room.rid)).to.equal(true);
      }
    }
    for (let c = 0; c < 20; c++) for (const rid of [...rooms.ridsOf(`c${c}`)]) rooms.remove(rid, `c${c}`);
    expect(rooms.size).to.equal(0);
    expect(rooms.memberIndexSize).to.equal(0);
    expect(created.length).to.equal(removed.length);
  });
});
