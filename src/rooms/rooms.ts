/**
 * The one owner of rooms: every room of this process (and, with the Redis engine, this node's
 * mirror of the members other nodes hold), with two indexes so that everything a connection holds
 * can be dropped in O(its rooms) when it goes (the Phoenix Tracker idea): rooms by rid, and rids
 * by connection. The membership authority decides who may be in a room and records it here;
 * this owner does the I/O that follows (topic subscriptions, `joined`/`left` announcements).
 */
import type { MessageBuilder } from '../protocol/build.js';
import type { Profile, RoomKind } from '../protocol/types.js';
import { ROOM_PREFIX } from '../pubsub/topics.js';
import { Room, type Member, type RoomServices } from './room.js';

export interface RoomsEvents {
  roomCreated?(room: Room): void;
  roomRemoved?(room: Room): void;
  /** A member left the room (leave, disconnect, kick, its node gone): its calls there end (src/calls/). */
  memberRemoved?(room: Room, connId: string): void;
}

export class Rooms {
  private readonly byRid = new Map<string, Room>();
  private readonly ridsByConnection = new Map<string, Set<string>>();
  /** Rooms with Socket.IO members here, by topic: a frame from another node (which uWS publishes
   * to the topic's raw subscribers) reaches them through this index (one Map read per frame). */
  private readonly socketIORooms = new Map<string, Room>();

  constructor(
    private readonly services: RoomServices,
    private readonly builder: MessageBuilder,
    private readonly multiRoomPrefix: string,
    private readonly events: RoomsEvents = {},
  ) {}

  get(rid: string): Room | undefined {
    return this.byRid.get(rid);
  }

  get size(): number {
    return this.byRid.size;
  }

  /** The room a topic belongs to (`room/<rid>` or `<multiRoomPrefix><rid>`). */
  ofTopic(topic: string): Room | undefined {
    let rid: string;
    if (topic.startsWith(ROOM_PREFIX)) rid = topic.slice(ROOM_PREFIX.length);
    else if (topic.startsWith(this.multiRoomPrefix)) rid = topic.slice(this.multiRoomPrefix.length);
    else return undefined;
    const room = this.byRid.get(rid);
    // The same rid under the other prefix is another kind's topic, not this room.
    return room !== undefined && room.topic === topic ? room : undefined;
  }

  topicOf(rid: string, kind: RoomKind): string {
    return (kind === 'muc' ? this.multiRoomPrefix : ROOM_PREFIX) + rid;
  }

  /** Rooms a connection is in (read-only view). */
  ridsOf(connId: string): ReadonlySet<string> {
    return this.ridsByConnection.get(connId) ?? EMPTY;
  }

  multiRoomCount(connId: string): number {
    let n = 0;
    for (const rid of this.ridsOf(connId)) if (this.byRid.get(rid)?.kind === 'muc') n++;
    return n;
  }

  isMember(rid: string, connId: string): boolean {
    return this.byRid.get(rid)?.members.has(connId) ?? false;
  }

  /** Records a member, creating the room with this kind when it does not exist. A member of this
   * process is subscribed to the room's topic at once: frames for it may follow in the same read. */
  add(rid: string, kind: RoomKind, member: Member, now = Date.now()): Room {
    let room = this.byRid.get(rid);
    if (!room) {
      room = new Room(rid, kind, this.topicOf(rid, kind), now, this.services);
      this.byRid.set(rid, room);
      this.events.roomCreated?.(room);
    }
    const before = room.members.get(member.id);
    if (before?.node !== undefined) room.remoteMembers--;
    if (member.node !== undefined) room.remoteMembers++;
    room.members.set(member.id, member);
    let rids = this.ridsByConnection.get(member.id);
    if (!rids) this.ridsByConnection.set(member.id, (rids = new Set()));
    rids.add(rid);
    if (member.node === undefined && before === undefined) {
      this.services.io.subscribe(member.id, room.topic);
      if (this.services.io.isSocketIO?.(member.id)) this.addSocketIOMember(room, member.id);
    }
    return room;
  }

  /** Removes a member (unsubscribing it when it is here and still open); the call owner hears it
   * (memberRemoved: the one place a call's party is gone); an emptied room is gone. Returns the room as it was, or undefined when it was not a member. */
  remove(rid: string, connId: string): Room | undefined {
    const room = this.byRid.get(rid);
    const member = room?.members.get(connId);
    if (!room || !member) return undefined;
    room.members.delete(connId);
    if (member.node !== undefined) room.remoteMembers--;
    else this.services.io.unsubscribe(connId, room.topic);
    if (room.socketIOMembers?.delete(connId) && room.socketIOMembers.size === 0) {
      room.socketIOMembers = null;
      this.socketIORooms.delete(room.topic);
    }
    const rids = this.ridsByConnection.get(connId);
    if (rids) {
      rids.delete(rid);
      if (rids.size === 0) this.ridsByConnection.delete(connId);
    }
    this.events.memberRemoved?.(room, connId);
    if (room.members.size === 0) {
      this.byRid.delete(rid);
      this.events.roomRemoved?.(room);
    }
    return room;
  }

  /** The room of a topic while it has Socket.IO members here (undefined otherwise: the usual case). */
  withSocketIOMembers(topic: string): Room | undefined {
    return this.socketIORooms.get(topic);
  }

  private addSocketIOMember(room: Room, connId: string): void {
    if (room.socketIOMembers === null) {
      room.socketIOMembers = new Set();
      this.socketIORooms.set(room.topic, room);
    }
    room.socketIOMembers.add(connId);
  }

  /** Tells the other members of a room that `member` joined or left. `localOnly`: this node tells its
   * own members only (another node's change, which that node announces to the members it holds). */
  announce(room: Room, memberId: string, event: 'joined' | 'left', member: Profile, localOnly = false): void {
    const io = this.services.io;
    for (const m of room.members.values()) {
      if (m.id === memberId || (localOnly && m.node !== undefined)) continue;
      io.sendToMember(m, this.builder.memberEvent(m.id, room.kind, event, member, room.rid));
    }
  }

  /** A connection is gone: every room it is in hears `left` (before the authority drops it). */
  announceDeparture(connId: string, member: Profile): void {
    for (const rid of this.ridsOf(connId)) {
      const room = this.byRid.get(rid);
      if (room) this.announce(room, connId, 'left', member);
    }
  }

  /** Every room, for monitoring and leak checks. */
  all(): IterableIterator<Room> {
    return this.byRid.values();
  }

  /** Number of connections holding at least one room (leak checks). */
  get memberIndexSize(): number {
    return this.ridsByConnection.size;
  }

  clear(): void {
    for (const room of this.byRid.values()) this.events.roomRemoved?.(room);
    this.byRid.clear();
    this.ridsByConnection.clear();
    this.socketIORooms.clear();
  }
}

const EMPTY: ReadonlySet<string> = new Set();
