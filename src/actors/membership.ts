/**
 * The authority over room membership, behind one small interface so it can live in this process
 * (LocalMembership, over the RoomRegistry) or in a shared store spanning processes and hosts.
 *
 * Join and leave decide and apply in one step (a shared store does it atomically, e.g. a Lua
 * script), so two joins racing for the last seat cannot both win. A result may be synchronous
 * (local) or a promise (remote); the supervisor handles both without awaiting on the local path.
 * Whatever the authority, the local RoomRegistry mirrors the outcome before the result is
 * delivered: relays and notifications read it.
 */
import type { Stats } from '../observability/stats.js';
import type { Profile, RoomKind } from '../protocol/types.js';
import type { Room, RoomRegistry } from './rooms.js';

export type JoinVerdict = 'joined' | 'alreadyMember' | 'kindConflict' | 'full' | 'tooManyMultiRooms';
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
}

export interface LeaveResult {
  verdict: LeaveVerdict;
  /** Kind of the room left (undefined when not a member). */
  kind?: RoomKind;
}

export interface Membership {
  join(req: JoinRequest): JoinVerdict | Promise<JoinVerdict>;
  leave(connId: string, rid: string): LeaveResult | Promise<LeaveResult>;
  /** A connection is gone: it leaves every room. The mirror is updated before this returns. */
  leaveAll(connId: string): void;
  /** The server stops: forget everything held for this process. */
  clear(): void;
}

/** Membership held by this process alone: the registry is both the authority and the mirror. */
export class LocalMembership implements Membership {
  constructor(private readonly registry: RoomRegistry, private readonly stats: Stats) {}

  join(req: JoinRequest): JoinVerdict {
    const room = this.registry.get(req.rid);
    if (room !== undefined && room.kind !== req.kind) return 'kindConflict';
    if (room !== undefined && room.members.has(req.connId)) return 'alreadyMember';
    if (room !== undefined && room.members.size >= req.capacity) return 'full';
    if (req.kind === 'muc' && this.registry.multiRoomCount(req.connId) >= req.maxMultiRooms) return 'tooManyMultiRooms';
    this.registry.add(req.rid, req.kind, { id: req.connId, profile: req.profile });
    return 'joined';
  }

  leave(connId: string, rid: string): LeaveResult {
    const room = removeMember(this.registry, this.stats, rid, connId);
    return room ? { verdict: 'left', kind: room.kind } : { verdict: 'notMember' };
  }

  leaveAll(connId: string): void {
    for (const rid of [...this.registry.ridsOf(connId)]) removeMember(this.registry, this.stats, rid, connId);
  }

  clear(): void {
    this.registry.clear();
    this.stats.callsInProgress = 0;
  }
}

/** Removes a member from the mirror; a call in progress in that room ends (p2p_count keeps no ghost). */
export function removeMember(registry: RoomRegistry, stats: Stats, rid: string, connId: string): Room | undefined {
  const before = registry.get(rid);
  if (before === undefined || !before.members.has(connId)) return undefined;
  if (before.inCall) {
    before.inCall = false;
    stats.callsInProgress--;
  }
  return registry.remove(rid, connId);
}
