/**
 * Room membership, with two indexes so that everything a connection holds can be dropped in
 * O(its rooms) when it goes (the Phoenix Tracker idea): rooms by rid, and rids by connection.
 * No I/O here: the supervisor's actions call it and do the sending.
 */
import type { Profile, RoomKind } from '../protocol/types.js';

export interface Member {
  readonly id: string;
  readonly profile: Profile;
  /** The cluster node holding this member when it is not this process (Redis engine); absent: here. */
  readonly node?: string;
}

export interface Room {
  readonly rid: string;
  readonly kind: RoomKind;
  /** Members in join order. */
  readonly members: Map<string, Member>;
  /** The uWS topic this room's relays are published on. */
  readonly topic: string;
  /** Members held by other processes (Redis engine's mirror): relays go to Redis only when > 0. */
  remoteMembers: number;
  /** A call was accepted and not yet terminated (P2P rooms): drives p2p_count. */
  inCall: boolean;
  readonly createdAt: number;
}

export interface RoomRegistryEvents {
  roomCreated?(room: Room): void;
  roomRemoved?(room: Room): void;
}

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private readonly roomsOf = new Map<string, Set<string>>();

  constructor(private readonly topicOf: (rid: string, kind: RoomKind) => string, private readonly events: RoomRegistryEvents = {}) {}

  get(rid: string): Room | undefined {
    return this.rooms.get(rid);
  }

  get size(): number {
    return this.rooms.size;
  }

  /** Rooms a connection is in (read-only view). */
  ridsOf(connId: string): ReadonlySet<string> {
    return this.roomsOf.get(connId) ?? EMPTY;
  }

  multiRoomCount(connId: string): number {
    let n = 0;
    for (const rid of this.ridsOf(connId)) if (this.rooms.get(rid)?.kind === 'muc') n++;
    return n;
  }

  isMember(rid: string, connId: string): boolean {
    return this.rooms.get(rid)?.members.has(connId) ?? false;
  }

  /** Adds a member, creating the room with this kind when it does not exist. */
  add(rid: string, kind: RoomKind, member: Member, now = Date.now()): Room {
    let room = this.rooms.get(rid);
    if (!room) {
      room = { rid, kind, members: new Map(), topic: this.topicOf(rid, kind), remoteMembers: 0, inCall: false, createdAt: now };
      this.rooms.set(rid, room);
      this.events.roomCreated?.(room);
    }
    const before = room.members.get(member.id);
    if (before?.node !== undefined) room.remoteMembers--;
    if (member.node !== undefined) room.remoteMembers++;
    room.members.set(member.id, member);
    let rids = this.roomsOf.get(member.id);
    if (!rids) this.roomsOf.set(member.id, (rids = new Set()));
    rids.add(rid);
    return room;
  }

  /** Removes a member; an emptied room is gone. Returns the room as it was, or undefined. */
  remove(rid: string, connId: string): Room | undefined {
    const room = this.rooms.get(rid);
    const member = room?.members.get(connId);
    if (!room || !member) return undefined;
    room.members.delete(connId);
    if (member.node !== undefined) room.remoteMembers--;
    const rids = this.roomsOf.get(connId);
    if (rids) {
      rids.delete(rid);
      if (rids.size === 0) this.roomsOf.delete(connId);
    }
    if (room.members.size === 0) {
      this.rooms.delete(rid);
      this.events.roomRemoved?.(room);
    }
    return room;
  }

  /** Every room, for monitoring and leak checks. */
  all(): IterableIterator<Room> {
    return this.rooms.values();
  }

  /** Number of connections holding at least one room (leak checks). */
  get memberIndexSize(): number {
    return this.roomsOf.size;
  }

  clear(): void {
    for (const room of this.rooms.values()) this.events.roomRemoved?.(room);
    this.rooms.clear();
    this.roomsOf.clear();
  }
}

const EMPTY: ReadonlySet<string> = new Set();
