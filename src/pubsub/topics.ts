/**
 * The only place topic strings are built. Prefixes keep the namespaces apart: a room id can be
 * any string, but it always follows `room/` (or the multi-room prefix), never `conn/`.
 */
import type { RoomKind } from '../protocol/actions.js';

export const CONN_PREFIX = 'conn/';
export const ROOM_PREFIX = 'room/';

export function connTopic(connId: string): string {
  return CONN_PREFIX + connId;
}

export function roomTopicFactory(multiRoomPrefix: string): (rid: string, kind: RoomKind) => string {
  return (rid, kind) => (kind === 'muc' ? multiRoomPrefix : ROOM_PREFIX) + rid;
}
