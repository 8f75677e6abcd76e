/**
 * Topic names. A room's topic is its kind's prefix and its rid: a rid can be any string, and the
 * prefixes keep the two kinds' namespaces apart (a P2P room and a MUC may share a rid).
 */
export const ROOM_PREFIX = 'room/';
