/**
 * The room owner's member events → lifecycle facts. Only members of this node count (the Redis
 * engine's mirror also records other nodes' members, whose own node reports them), so each fact
 * is reported once in a cluster:
 * - room created: this node's member is the room's only member right after the add that created
 *   the room — in the Redis engine, the join whose script found the room empty (the mirror is
 *   filled from that script's snapshot of every member before the joiner is added);
 * - room closed: this node's member was the last one the room held (no member of another node left).
 */
import type { Member, Room } from '../rooms/room.js';
import type { LeaveReasons } from './leave-reasons.js';
import type { Lifecycle } from './lifecycle.js';

export function roomLifecycle(lifecycle: Required<Lifecycle>, reasons: LeaveReasons) {
  return {
    memberAdded(room: Room, member: Member, roomIsNew: boolean): void {
      if (member.node !== undefined) return;
      if (roomIsNew && room.members.size === 1) lifecycle.roomCreated(room.rid, room.kind);
      lifecycle.memberJoined(room.rid, room.kind, member.id, member.profile);
    },
    memberRemoved(room: Room, connId: string, member: Member): void {
      if (member.node !== undefined) return;
      lifecycle.memberLeft(room.rid, room.kind, connId, member.profile, reasons.reasonOf(room.rid, connId));
      if (room.members.size === 0) lifecycle.roomClosed(room.rid, room.kind, (Date.now() - room.createdAt) / 1000);
    },
  };
}
