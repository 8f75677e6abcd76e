/**
 * The authority over room membership, behind one small interface so it can live in this process
 * (LocalMembership) or in a shared store spanning processes and hosts (src/cluster/redis-membership.ts).
 *
 * An authority decides and records: join and leave are decided and applied to the room owner
 * (Rooms) in one step, atomically (a shared store does it in a Lua script), so two joins racing
 * for the last seat cannot both win. It writes to no socket: the room owner does the I/O that
 * follows, and the supervisor answers. A result may be synchronous (local) or a promise (remote);
 * the supervisor handles both without awaiting on the local path.
 */
import type { Profile, RoomKind } from '../protocol/types.js';
import type { Rooms } from './rooms.js';

export type JoinVerdict = 'joined' | 'alreadyMember' | 'kindConflict' | 'full' | 'tooManyMultiRooms' | 'tooManyRooms';
export type LeaveVerdict = 'left' | 'notMember';

export interface JoinRequest {
  connId: string;
  rid: string;
  kind: RoomKind;
  profile: Profile;
  /** Most members of a room of this kind. */
  capacity: number;
  /** Most MUCs one connection may be in. */
  maxMultiRooms: number;
  /** Most rooms of both kinds one connection may be in. */
  maxRooms: number;
}

export interface LeaveResult {
  verdict: LeaveVerdict;
  /** Kind of the room left (undefined when not a member). */
  kind?: RoomKind;
}

export interface Membership {
  join(req: JoinRequest): JoinVerdict | Promise<JoinVerdict>;
  leave(connId: string, rid: string): LeaveResult | Promise<LeaveResult>;
  /** A connection is gone: it leaves every room. The room owner is updated before this returns. */
  leaveAll(connId: string): void;
  /** The server stops: forget everything held for this process. */
  clear(): void;
}

/** Membership held by this process alone: the room owner is both the authority's state and the mirror. */
export class LocalMembership implements Membership {
  constructor(private readonly rooms: Rooms) {}

  join(req: JoinRequest): JoinVerdict {
    const room = this.rooms.get(req.rid);
    if (room !== undefined && room.kind !== req.kind) return 'kindConflict';
    if (room !== undefined && room.members.has(req.connId)) return 'alreadyMember';
    if (room !== undefined && room.members.size >= req.capacity) return 'full';
    if (this.rooms.ridsOf(req.connId).size >= req.maxRooms) return 'tooManyRooms';
    if (req.kind === 'muc' && this.rooms.multiRoomCount(req.connId) >= req.maxMultiRooms) return 'tooManyMultiRooms';
    this.rooms.add(req.rid, req.kind, { id: req.connId, profile: req.profile });
    return 'joined';
  }

  leave(connId: string, rid: string): LeaveResult {
    const room = this.rooms.remove(rid, connId);
    return room ? { verdict: 'left', kind: room.kind } : { verdict: 'notMember' };
  }

  leaveAll(connId: string): void {
    for (const rid of [...this.rooms.ridsOf(connId)]) this.rooms.remove(rid, connId);
  }

  clear(): void {
    this.rooms.clear();
  }
}
