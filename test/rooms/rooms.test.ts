/**
 * Rooms (the one owner of rooms) and Room (its fan-out strategies), with a fake RoomIO that records
 * every subscribe, unsubscribe, publish and per-member send. What matters most: nothing lingers
 * (an emptied room is gone, a connection in no room leaves no index entry, a departed member is
 * unsubscribed), and each fan-out rewrites `from`/`to` and stamps exactly as the protocol says.
 */
import { expect } from 'chai';
import { Stats } from '../../src/observability/stats.js';
import { MessageBuilder } from '../../src/protocol/build.js';
import type { RelayEnvelope } from '../../src/protocol/types.js';
import type { Member, Room, RoomIO } from '../../src/rooms/room.js';
import { Rooms } from '../../src/rooms/rooms.js';

const SERVER = { id: 'jsongle-server', version: '3.0.0', info: 'test' };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

type IoCall =
  | ['subscribe', string, string]
  | ['unsubscribe', string, string]
  | ['publishFrom', string, string, string, boolean]
  | ['sendToMember', Member, string];

/** Records what a room asks of the outside; the bus is up unless told otherwise. */
class FakeIO implements RoomIO {
  readonly calls: IoCall[] = [];
  up = true;
  subscribe(connId: string, topic: string): void { this.calls.push(['subscribe', connId, topic]); }
  unsubscribe(connId: string, topic: string): void { this.calls.push(['unsubscribe', connId, topic]); }
  publishFrom(senderId: string, topic: string, text: string, toOtherNodes: boolean): void { this.calls.push(['publishFrom', senderId, topic, text, toOtherNodes]); }
  sendToMember(member: Member, text: string): void { this.calls.push(['sendToMember', member, text]); }
  linkUp(): boolean { return this.up; }
  take(): IoCall[] { return this.calls.splice(0); }
}

function member(id: string, uid = `user-${id}`, node?: string): Member {
  return node === undefined ? { id, profile: { uid } } : { id, profile: { uid }, node };
}

function setup() {
  const io = new FakeIO();
  const stats = new Stats();
  const created: string[] = [];
  const removed: string[] = [];
  const departed: string[] = [];
  const rooms = new Rooms({ io, stats }, new MessageBuilder(SERVER), 'muc/', {
    roomCreated: (room: Room) => created.push(room.rid),
    roomRemoved: (room: Room) => removed.push(room.rid),
    memberRemoved: (room: Room, connId: string) => departed.push(`${room.rid}/${connId} (${room.members.size} left)`),
  });
  return { io, stats, rooms, created, removed, departed };
}

const envelope = (action: string, to: string, description: Record<string, unknown> = {}): RelayEnvelope =>
  ({ id: 'm1', from: 'spoofed', to, jsongle: { action, sid: 's1', description } });

describe('Rooms', () => {
  describe('the two indexes', () => {
    it('starts empty', () => {
      const { rooms, io } = setup();
      expect(rooms.size).to.equal(0);
      expect(rooms.memberIndexSize).to.equal(0);
      expect([...rooms.all()]).to.deep.equal([]);
      expect(rooms.get('r1')).to.equal(undefined);
      expect(io.calls).to.deep.equal([]);
    });

    it('creates a room with the first member, its kind, its topic and a creation time, and subscribes the member', () => {
      const { rooms, io, created } = setup();
      const room = rooms.add('r1', 'room', member('c1'), 1234);
      expect(room.rid).to.equal('r1');
      expect(room.kind).to.equal('room');
      expect(room.topic).to.equal('room/r1');
      expect(room.remoteMembers).to.equal(0);
      expect(room.createdAt).to.equal(1234);
      expect([...room.members.keys()]).to.deep.equal(['c1']);
      expect(rooms.get('r1')).to.equal(room);
      expect(rooms.size).to.equal(1);
      expect(created).to.deep.equal(['r1']);
      expect(io.calls).to.deep.equal([['subscribe', 'c1', 'room/r1']]);
    });

    it('builds a MUC topic with the configured prefix', () => {
      const { rooms, io } = setup();
      expect(rooms.add('m1', 'muc', member('c1')).topic).to.equal('muc/m1');
      expect(rooms.topicOf('m1', 'muc')).to.equal('muc/m1');
      expect(rooms.topicOf('m1', 'room')).to.equal('room/m1');
      expect(io.calls).to.deep.equal([['subscribe', 'c1', 'muc/m1']]);
    });

    it('adds later members to the existing room, in join order, subscribing each once', () => {
      const { rooms, io, created } = setup();
      rooms.add('r1', 'muc', member('c1'));
      rooms.add('r1', 'muc', member('c2'));
      const room = rooms.add('r1', 'muc', member('c3'));
      expect([...room.members.keys()]).to.deep.equal(['c1', 'c2', 'c3']);
      expect(created).to.deep.equal(['r1']);
      expect(io.calls).to.deep.equal([['subscribe', 'c1', 'muc/r1'], ['subscribe', 'c2', 'muc/r1'], ['subscribe', 'c3', 'muc/r1']]);
    });

    it('keeps the kind of the first member (kind checks belong to the membership authority)', () => {
      const { rooms } = setup();
      rooms.add('r1', 'room', member('c1'));
      expect(rooms.add('r1', 'muc', member('c2')).kind).to.equal('room');
    });

    it('adding the same member twice keeps one entry and subscribes it once', () => {
      const { rooms, io } = setup();
      rooms.add('r1', 'room', member('c1'));
      const room = rooms.add('r1', 'room', member('c1'));
      expect(room.members.size).to.equal(1);
      expect([...rooms.ridsOf('c1')]).to.deep.equal(['r1']);
      expect(io.calls).to.deep.equal([['subscribe', 'c1', 'room/r1']]);
    });

    it('answers isMember for members, non-members and unknown rooms', () => {
      const { rooms } = setup();
      rooms.add('r1', 'room', member('c1'));
      expect(rooms.isMember('r1', 'c1')).to.equal(true);
      expect(rooms.isMember('r1', 'c2')).to.equal(false);
      expect(rooms.isMember('r2', 'c1')).to.equal(false);
    });

    it('lists the rooms of a connection with ridsOf', () => {
      const { rooms } = setup();
      rooms.add('r1', 'room', member('c1'));
      rooms.add('m1', 'muc', member('c1'));
      rooms.add('m2', 'muc', member('c2'));
      expect([...rooms.ridsOf('c1')].sort()).to.deep.equal(['m1', 'r1']);
      expect([...rooms.ridsOf('c2')]).to.deep.equal(['m2']);
      expect([...rooms.ridsOf('nobody')]).to.deep.equal([]);
    });

    it('counts only the MUCs of a connection with multiRoomCount', () => {
      const { rooms } = setup();
      rooms.add('r1', 'room', member('c1'));
      rooms.add('m1', 'muc', member('c1'));
      rooms.add('m2', 'muc', member('c1'));
      expect(rooms.multiRoomCount('c1')).to.equal(2);
      expect(rooms.multiRoomCount('c2')).to.equal(0);
      rooms.remove('m1', 'c1');
      expect(rooms.multiRoomCount('c1')).to.equal(1);
    });

    it('removes a member, unsubscribes it and returns the room while others remain', () => {
      const { rooms, io, removed } = setup();
      rooms.add('r1', 'room', member('c1'));
      rooms.add('r1', 'room', member('c2'));
      io.take();
      const room = rooms.remove('r1', 'c1');
      expect(room?.rid).to.equal('r1');
      expect([...room!.members.keys()]).to.deep.equal(['c2']);
      expect(rooms.get('r1')).to.equal(room);
      expect(removed).to.deep.equal([]);
      expect([...rooms.ridsOf('c1')]).to.deep.equal([]);
      expect(io.calls).to.deep.equal([['unsubscribe', 'c1', 'room/r1']]);
    });

    it('drops an emptied room and calls roomRemoved once with it', () => {
      const { rooms, removed } = setup();
      const created = rooms.add('r1', 'room', member('c1'));
      const room = rooms.remove('r1', 'c1');
      expect(room).to.equal(created);
      expect(room!.members.size).to.equal(0);
      expect(rooms.get('r1')).to.equal(undefined);
      expect(rooms.size).to.equal(0);
      expect(removed).to.deep.equal(['r1']);
    });

    it('frees the rid of an emptied room for the other kind', () => {
      const { rooms } = setup();
      rooms.add('r1', 'room', member('c1'));
      rooms.remove('r1', 'c1');
      expect(rooms.add('r1', 'muc', member('c2')).kind).to.equal('muc');
    });

    it('returns undefined and does nothing when removing a non-member or from an unknown room', () => {
      const { rooms, io, removed } = setup();
      rooms.add('r1', 'room', member('c1'));
      io.take();
      expect(rooms.remove('r1', 'c2')).to.equal(undefined);
      expect(rooms.remove('r2', 'c1')).to.equal(undefined);
      expect(rooms.size).to.equal(1);
      expect(rooms.memberIndexSize).to.equal(1);
      expect(removed).to.deep.equal([]);
      expect(io.calls).to.deep.equal([]);
    });

    it('tells memberRemoved once per member removed, after it is out (the call owner ends its calls there)', () => {
      const { rooms, departed } = setup();
      rooms.add('r1', 'room', member('c1'));
      rooms.add('r1', 'room', member('c2'));
      rooms.remove('r1', 'c2');
      rooms.remove('r1', 'c2');
      rooms.remove('r1', 'c1');
      expect(departed).to.deep.equal(['r1/c2 (1 left)', 'r1/c1 (0 left)']);
    });

    it('brings memberIndexSize back to 0 once every connection left every room', () => {
      const { rooms } = setup();
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
      const { rooms, removed } = setup();
      rooms.add('__proto__', 'muc', member('constructor'));
      rooms.add('toString', 'room', member('__proto__'));
      expect(rooms.isMember('__proto__', 'constructor')).to.equal(true);
      expect(rooms.isMember('constructor', 'constructor')).to.equal(false);
      expect(rooms.multiRoomCount('constructor')).to.equal(1);
      expect([...rooms.ridsOf('__proto__')]).to.deep.equal(['toString']);
      expect(rooms.ofTopic('muc/__proto__')?.rid).to.equal('__proto__');
      rooms.remove('__proto__', 'constructor');
      rooms.remove('toString', '__proto__');
      expect(removed).to.deep.equal(['__proto__', 'toString']);
      expect(rooms.size).to.equal(0);
      expect(rooms.memberIndexSize).to.equal(0);
    });

    it('lists every room with all()', () => {
      const { rooms } = setup();
      rooms.add('r1', 'room', member('c1'));
      rooms.add('m1', 'muc', member('c2'));
      expect([...rooms.all()].map((r) => r.rid).sort()).to.deep.equal(['m1', 'r1']);
    });

    it('clear() drops every room and index entry and calls roomRemoved for each room', () => {
      const { rooms, removed } = setup();
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
      const rooms = new Rooms({ io: new FakeIO(), stats: new Stats() }, new MessageBuilder(SERVER), 'muc/');
      rooms.add('r1', 'room', member('c1'));
      rooms.remove('r1', 'c1');
      rooms.add('r2', 'room', member('c1'));
      rooms.clear();
      expect(rooms.size).to.equal(0);
    });

    it('keeps both indexes and the subscriptions consistent through many joins and leaves', () => {
      const { rooms, io, created, removed } = setup();
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
      // Every subscription was matched by an unsubscription of the same connection and topic.
      const balance = new Map<string, number>();
      for (const call of io.calls) {
        if (call[0] !== 'subscribe' && call[0] !== 'unsubscribe') continue;
        const key = `${call[1]} ${call[2]}`;
        balance.set(key, (balance.get(key) ?? 0) + (call[0] === 'subscribe' ? 1 : -1));
        expect(balance.get(key), key).to.be.oneOf([0, 1]);
      }
      expect([...balance.values()].every((n) => n === 0)).to.equal(true);
    });
  });

  describe('topics', () => {
    it('finds the room of its own topic, for both kinds', () => {
      const { rooms } = setup();
      const p2p = rooms.add('r1', 'room', member('c1'));
      const muc = rooms.add('m1', 'muc', member('c1'));
      expect(rooms.ofTopic('room/r1')).to.equal(p2p);
      expect(rooms.ofTopic('muc/m1')).to.equal(muc);
    });

    it('does not take the same rid under the other prefix for the room', () => {
      const { rooms } = setup();
      rooms.add('r1', 'room', member('c1'));
      expect(rooms.ofTopic('muc/r1')).to.equal(undefined);
    });

    it('answers undefined for an unknown rid or a topic of no room prefix', () => {
      const { rooms } = setup();
      rooms.add('r1', 'room', member('c1'));
      expect(rooms.ofTopic('room/r2')).to.equal(undefined);
      expect(rooms.ofTopic('conn/c1')).to.equal(undefined);
      expect(rooms.ofTopic('')).to.equal(undefined);
    });
  });

  describe('members on other nodes (Redis engine mirror)', () => {
    it('counts remote members, subscribes only local ones, and unsubscribes only local ones', () => {
      const { rooms, io } = setup();
      const room = rooms.add('r1', 'room', member('c1'));
      rooms.add('r1', 'room', member('c2', 'bob', 'node-b'));
      expect(room.remoteMembers).to.equal(1);
      expect(io.take()).to.deep.equal([['subscribe', 'c1', 'room/r1']]);
      rooms.add('r1', 'room', member('c2', 'bob', 'node-b'));
      expect(room.remoteMembers, 'a repeated remote add counts once').to.equal(1);
      rooms.remove('r1', 'c2');
      expect(room.remoteMembers).to.equal(0);
      expect(io.take()).to.deep.equal([]);
    });

    it('is beyond reach only with a remote member and the bus down', () => {
      const { rooms, io } = setup();
      const room = rooms.add('r1', 'room', member('c1'));
      io.up = false;
      expect(room.beyondReach, 'local members only').to.equal(false);
      rooms.add('r1', 'room', member('c2', 'bob', 'node-b'));
      expect(room.beyondReach).to.equal(true);
      io.up = true;
      expect(room.beyondReach).to.equal(false);
    });
  });

  describe('announcements', () => {
    it('announce tells every other member, each addressed by its id, with the member and the rid', () => {
      const { rooms, io } = setup();
      const room = rooms.add('m1', 'muc', member('c1'));
      const c2 = member('c2');
      const c3 = member('c3', 'carol', 'node-b');
      rooms.add('m1', 'muc', c2);
      rooms.add('m1', 'muc', c3);
      io.take();
      rooms.announce(room, 'c1', 'joined', { uid: 'alice', dn: 'Alice' });
      const calls = io.take();
      expect(calls.map((c) => c[0])).to.deep.equal(['sendToMember', 'sendToMember']);
      expect(calls.map((c) => c[1])).to.deep.equal([c2, c3]);
      for (const call of calls) {
        const sent = JSON.parse(call[2] as string);
        expect(sent.from).to.equal('jsongle-server');
        expect(sent.to).to.equal((call[1] as Member).id);
        expect(sent.jsongle).to.deep.equal({ action: 'session-event', namespace: 'muc', event: 'joined', description: { member: { uid: 'alice', dn: 'Alice' }, rid: 'm1' } });
      }
    });

    it('announce localOnly skips the members other nodes hold (they announce to them)', () => {
      const { rooms, io } = setup();
      const room = rooms.add('r1', 'room', member('c1'));
      rooms.add('r1', 'room', member('c2', 'bob', 'node-b'));
      rooms.add('r1', 'room', member('c3'));
      io.take();
      rooms.announce(room, 'c2', 'left', { uid: 'bob' }, true);
      const calls = io.take();
      expect(calls.map((c) => (c[1] as Member).id)).to.deep.equal(['c1', 'c3']);
      expect(JSON.parse(calls[0]![2] as string).jsongle.event).to.equal('left');
      expect(JSON.parse(calls[0]![2] as string).jsongle.namespace).to.equal('room');
    });

    it('announceDeparture tells every room of the connection that it left, and nobody else', () => {
      const { rooms, io } = setup();
      rooms.add('r1', 'room', member('c1'));
      rooms.add('r1', 'room', member('c2'));
      rooms.add('m1', 'muc', member('c1'));
      rooms.add('m1', 'muc', member('c3'));
      rooms.add('m2', 'muc', member('c4'));
      rooms.add('m2', 'muc', member('c5'));
      io.take();
      rooms.announceDeparture('c1', { uid: 'alice' });
      const sent = io.take().map((c) => {
        const msg = JSON.parse(c[2] as string);
        return [(c[1] as Member).id, msg.jsongle.event, msg.jsongle.description.rid, msg.jsongle.description.member.uid];
      });
      expect(sent.sort()).to.deep.equal([['c2', 'left', 'r1', 'alice'], ['c3', 'left', 'm1', 'alice']]);
      expect(rooms.isMember('r1', 'c1'), 'the announcement does not remove').to.equal(true);
    });

    it('announceDeparture of a connection in no room sends nothing', () => {
      const { rooms, io } = setup();
      rooms.add('r1', 'room', member('c2'));
      io.take();
      rooms.announceDeparture('c1', { uid: 'alice' });
      expect(io.calls).to.deep.equal([]);
    });
  });
});

describe('Room fan-out', () => {
  function twoInRoom(kind: 'room' | 'muc' = 'room') {
    const s = setup();
    const room = s.rooms.add('r1', kind, member('c1', 'alice'));
    s.rooms.add('r1', kind, member('c2', 'bob'));
    s.io.take();
    return { ...s, room };
  }

  describe('relayToPeer', () => {
    it('publishes one encoding on the room topic from the sender, from = the room, to = the peer', () => {
      const { room, io, stats } = twoInRoom();
      const msg = envelope('session-text', 'r1', { body: 'hi' });
      room.relayToPeer('c1', msg);
      const calls = io.take();
      expect(calls).to.have.lengthOf(1);
      const [what, sender, topic, text, toOtherNodes] = calls[0] as ['publishFrom', string, string, string, boolean];
      expect([what, sender, topic, toOtherNodes]).to.deep.equal(['publishFrom', 'c1', 'room/r1', false]);
      const sent = JSON.parse(text);
      expect(sent.from).to.equal('r1');
      expect(sent.to).to.equal('c2');
      expect(sent.id).to.equal('m1');
      expect(sent.jsongle.description.body).to.equal('hi');
      expect(stats.framesSent).to.equal(1);
      expect(stats.bytesSent).to.equal(text.length);
      expect(stats.relayed.room['session-text']).to.equal(1);
      expect(stats.mucTextMessages, 'messages_total counts MUC text only').to.equal(0);
    });

    it('stamps sent (when the sender did not) and relayed with the same time', () => {
      const { room } = twoInRoom();
      const msg = envelope('session-info', 'r1');
      room.relayToPeer('c1', msg);
      expect(msg.jsongle.description.sent).to.match(ISO);
      expect(msg.jsongle.description.relayed).to.equal(msg.jsongle.description.sent);
    });

    it('keeps the sender\'s own sent stamp', () => {
      const { room } = twoInRoom();
      const msg = envelope('session-info', 'r1', { sent: 'earlier' });
      room.relayToPeer('c1', msg);
      expect(msg.jsongle.description.sent).to.equal('earlier');
      expect(msg.jsongle.description.relayed).to.match(ISO);
    });

    it('does not stamp a session-propose', () => {
      const { room } = twoInRoom();
      const msg = envelope('session-propose', 'r1');
      room.relayToPeer('c1', msg);
      expect(msg.jsongle.description).to.deep.equal({});
    });

    it('asks for the other nodes too when a member is remote', () => {
      const { rooms, io } = setup();
      const room = rooms.add('r1', 'room', member('c1'));
      rooms.add('r1', 'room', member('c2', 'bob', 'node-b'));
      io.take();
      room.relayToPeer('c1', envelope('session-info', 'r1'));
      const call = io.take()[0]!;
      expect(call[0]).to.equal('publishFrom');
      expect(call[4]).to.equal(true);
      expect(JSON.parse(call[3] as string).to).to.equal('c2');
    });

    it('relays call actions without keeping call state (calls are src/calls/)', () => {
      const { room, stats } = twoInRoom();
      room.relayToPeer('c2', envelope('session-accept', 'r1'));
      room.relayToPeer('c1', envelope('session-terminate', 'r1'));
      expect(stats.callsInProgress).to.equal(0);
      expect(stats.callsAccepted).to.equal(0);
      expect(stats.relayed.room['session-accept']).to.equal(1);
    });
  });

  describe('relayToMultiRoom', () => {
    it('publishes one encoding for everyone: from = <rid>/<sender uid>, to = the room, counted per recipient', () => {
      const { rooms, io, stats } = setup();
      const room = rooms.add('m1', 'muc', member('c1', 'alice'));
      rooms.add('m1', 'muc', member('c2'));
      rooms.add('m1', 'muc', member('c3'));
      io.take();
      const msg = envelope('session-custom', 'm1', { emoji: '+1' });
      room.relayToMultiRoom('c1', 'alice', msg);
      const calls = io.take();
      expect(calls).to.have.lengthOf(1);
      const [what, sender, topic, text, toOtherNodes] = calls[0] as ['publishFrom', string, string, string, boolean];
      expect([what, sender, topic, toOtherNodes]).to.deep.equal(['publishFrom', 'c1', 'muc/m1', false]);
      const sent = JSON.parse(text);
      expect(sent.from).to.equal('m1/alice');
      expect(sent.to).to.equal('m1');
      expect(sent.jsongle.description.emoji).to.equal('+1');
      expect(sent.jsongle.description.relayed).to.match(ISO);
      expect(stats.framesSent).to.equal(2);
      expect(stats.bytesSent).to.equal(2 * text.length);
      expect(stats.relayed.muc['session-custom']).to.equal(1);
    });

    it('asks for the other nodes too when a member is remote', () => {
      const { rooms, io } = setup();
      const room = rooms.add('m1', 'muc', member('c1', 'alice'));
      rooms.add('m1', 'muc', member('c2', 'bob', 'node-b'));
      io.take();
      room.relayToMultiRoom('c1', 'alice', envelope('session-text', 'm1'));
      expect(io.take()[0]![4]).to.equal(true);
    });
  });

  describe('relayToEachMember (P2P room of more than two)', () => {
    it('sends one encoding to each other member with to = that member, from = the room', () => {
      const { rooms, io, stats } = setup();
      const room = rooms.add('r1', 'room', member('c1'));
      const c2 = member('c2');
      const c3 = member('c3', 'carol', 'node-b');
      rooms.add('r1', 'room', c2);
      rooms.add('r1', 'room', c3);
      io.take();
      room.relayToEachMember('c1', envelope('session-info', 'r1'));
      const calls = io.take();
      expect(calls.map((c) => c[0])).to.deep.equal(['sendToMember', 'sendToMember']);
      expect(calls.map((c) => c[1])).to.deep.equal([c2, c3]);
      const texts = calls.map((c) => c[2] as string);
      expect(texts.map((t) => JSON.parse(t).to)).to.deep.equal(['c2', 'c3']);
      expect(texts.map((t) => JSON.parse(t).from)).to.deep.equal(['r1', 'r1']);
      const stamps = texts.map((t) => JSON.parse(t).jsongle.description);
      expect(stamps[0].relayed).to.match(ISO);
      expect(stamps[1]).to.deep.equal(stamps[0]);
      expect(stats.framesSent).to.equal(2);
      expect(stats.bytesSent).to.equal(texts[0]!.length + texts[1]!.length);
      expect(stats.relayed.room['session-info'], 'one relayed message, two frames').to.equal(1);
    });

  });

  it('profilesExcept lists the other members\' profiles in join order', () => {
    const { rooms } = setup();
    const room = rooms.add('r1', 'muc', { id: 'c1', profile: { uid: 'alice', dn: 'Alice' } });
    rooms.add('r1', 'muc', member('c2', 'bob'));
    rooms.add('r1', 'muc', member('c3', 'carol'));
    expect(room.profilesExcept('c2')).to.deep.equal([{ uid: 'alice', dn: 'Alice' }, { uid: 'carol' }]);
    expect(room.profilesExcept('nobody')).to.have.lengthOf(3);
  });
});
