/**
 * What one node answers to the admin API (its own connections, rooms and calls), as plain JSON
 * shapes: in the Redis engine the same requests and answers travel between nodes on their node
 * channels, so they are data, never object references.
 */
import type { RoomKind } from '../protocol/types.js';
import type { NodePage } from './pagination.js';

export type AdminOp =
  | { op: 'connections'; uid?: string; rid?: string; after: string; limit: number }
  | { op: 'connection'; id: string }
  | { op: 'kick'; id: string }
  | { op: 'rooms'; after: string; limit: number }
  | { op: 'room'; rid: string }
  | { op: 'closeRoom'; rid: string }
  | { op: 'calls'; after: string; limit: number }
  | { op: 'drain' };

export interface ConnectionInfo {
  id: string;
  /** The cluster node holding the socket (Redis engine); absent in one process. */
  node?: string;
  /** null until the hello is answered. */
  uid: string | null;
  dn?: string;
  ip: string;
  connectedAt: string;
  rooms: string[];
}

export interface RoomSummary {
  rid: string;
  kind: RoomKind;
  members: number;
  createdAt: string;
  /** A call in the room (P2P rooms only): ringing or active. */
  call: 'ringing' | 'active' | null;
}

export interface MemberInfo {
  id: string;
  uid: string;
  dn?: string;
  node?: string;
}

export interface RoomDetail {
  rid: string;
  kind: RoomKind;
  createdAt: string;
  members: MemberInfo[];
  calls: CallInfo[];
}

export interface CallInfo {
  sid: string;
  /** null: a direct call (to a uid). */
  rid: string | null;
  node?: string;
  state: 'ringing' | 'active';
  caller: { id: string; uid: string };
  callee: { id: string; uid: string };
  proposedAt: string;
  answeredAt: string | null;
  /** Seconds since the answer (0 while ringing). */
  durationSec: number;
}

/** The answer type of each op. */
export interface OpResults {
  connections: NodePage<ConnectionInfo>;
  connection: ConnectionInfo | null;
  kick: boolean;
  rooms: NodePage<RoomSummary>;
  room: RoomDetail | null;
  /** Members of this node removed; null: this node held none of the room. */
  closeRoom: number | null;
  calls: NodePage<CallInfo>;
  drain: { lifecycle: string };
}
