/**
 * One node's side of the admin API: what it holds (connections, rooms, calls) and what it can do
 * to them, each through the owner: a kick is the connection owner's sendError + end (its normal
 * release then makes the rooms hear `left`), a room close is the supervisor's `admin.closeRoom`
 * (the membership authority removes each member), a drain is the supervisor's `server.drain`.
 */
import type { Connections } from '../connections/connections.js';
import { CloseCode, ErrorCode } from '../protocol/codes.js';
import type { Rooms } from '../rooms/rooms.js';
import type { Room } from '../rooms/room.js';
import type { SocketData } from '../transport/socket-data.js';
import type { CallIndex } from './call-index.js';
import type { LeaveReasons } from './leave-reasons.js';
import type { CallFacts } from './lifecycle.js';
import type { AdminOp, CallInfo, ConnectionInfo, OpResults, RoomDetail, RoomSummary } from './ops.js';
import { pageOf } from './pagination.js';

export interface NodeAdminDeps {
  connections: Connections;
  rooms: Rooms;
  calls: CallIndex;
  reasons: LeaveReasons;
  /** The cluster node id (Redis engine), undefined in one process. */
  nodeId?: string;
  /** Sends the supervisor an event (admin.closeRoom, server.drain). */
  closeRoom(rid: string, done: (removed: number) => void): void;
  drain(): void;
  lifecycle(): string;
}

export class NodeAdmin {
  constructor(private readonly deps: NodeAdminDeps) {}

  answer<K extends AdminOp['op']>(req: Extract<AdminOp, { op: K }>): OpResults[K] | Promise<OpResults[K]>;
  answer(req: AdminOp): unknown {
    switch (req.op) {
      case 'connections': return this.connections(req);
      case 'connection': return this.connection(req.id);
      case 'kick': return this.kick(req.id);
      case 'rooms': return pageOf(this.roomSummaries(), (r) => r.rid, req);
      case 'room': return this.room(req.rid);
      case 'closeRoom': return this.closeRoom(req.rid);
      case 'calls': return pageOf(this.callInfos(), (c) => c.sid, req);
      case 'drain':
        this.deps.drain();
        return { lifecycle: this.deps.lifecycle() };
    }
  }

  private connections(q: Extract<AdminOp, { op: 'connections' }>): OpResults['connections'] {
    const { connections, rooms } = this.deps;
    const matching: string[] = [];
    for (const id of connections.ids()) {
      if (q.after !== '' && id <= q.after) continue;
      if (q.rid !== undefined && !rooms.ridsOf(id).has(q.rid)) continue;
      if (q.uid !== undefined && connections.profileOf(id)?.uid !== q.uid) continue;
      matching.push(id);
    }
    // Sorted ids first, then the details of one page only.
    const page = pageOf(matching, (id) => id, q);
    const data = this.userData(new Set(page.items));
    return { items: page.items.flatMap((id) => this.infoOf(id, data.get(id)) ?? []), more: page.more };
  }

  private connection(id: string): ConnectionInfo | null {
    return this.infoOf(id, this.userData(new Set([id])).get(id));
  }

  /**
   * The socket data (address, open time) of some connections: the owner lists its sockets (one
   * array copy, O(connections) per admin request, never on a client's path) rather than growing
   * an accessor for the admin API.
   */
  private userData(ids: ReadonlySet<string>): Map<string, SocketData> {
    const out = new Map<string, SocketData>();
    if (ids.size === 0) return out;
    for (const ws of this.deps.connections.sockets()) {
      const d = ws.getUserData();
      if (ids.has(d.id)) out.set(d.id, d);
    }
    return out;
  }

  private infoOf(id: string, ws: SocketData | undefined): ConnectionInfo | null {
    if (ws === undefined) return null;
    const profile = this.deps.connections.profileOf(id);
    const info: ConnectionInfo = {
      id,
      ...(this.deps.nodeId !== undefined ? { node: this.deps.nodeId } : {}),
      uid: profile?.uid ?? null,
      ...(profile?.dn !== undefined ? { dn: profile.dn } : {}),
      ip: ws.ip,
      connectedAt: new Date(ws.openedAtMs).toJSON(),
      rooms: [...this.deps.rooms.ridsOf(id)],
    };
    return info;
  }

  private kick(id: string): boolean {
    const { connections } = this.deps;
    if (!connections.has(id)) return false;
    connections.sendError(id, undefined, ErrorCode.Kicked);
    connections.end(id, CloseCode.Kicked, 'removed by the operator', 'kicked');
    return true;
  }

  private *roomSummaries(): Iterable<RoomSummary> {
    for (const room of this.deps.rooms.all()) {
      const local = room.members.size - room.remoteMembers;
      // The Redis engine's mirror also holds other nodes' members: each node reports its own.
      if (local === 0) continue;
      yield { rid: room.rid, kind: room.kind, members: local, createdAt: new Date(room.createdAt).toJSON(), call: this.callStateOf(room) };
    }
  }

  private callStateOf(room: Room): RoomSummary['call'] {
    const calls = this.deps.calls.inRoom(room.rid);
    if (calls.length === 0) return null;
    return calls.some((c) => c.acceptedAt > 0) ? 'active' : 'ringing';
  }

  private room(rid: string): RoomDetail | null {
    const room = this.deps.rooms.get(rid);
    if (room === undefined || room.members.size === room.remoteMembers) return null;
    const members = [];
    for (const m of room.members.values()) {
      if (m.node !== undefined) continue;
      members.push({ id: m.id, uid: m.profile.uid, ...(m.profile.dn !== undefined ? { dn: m.profile.dn } : {}), ...(this.deps.nodeId !== undefined ? { node: this.deps.nodeId } : {}) });
    }
    return {
      rid, kind: room.kind, createdAt: new Date(room.createdAt).toJSON(), members,
      calls: this.deps.calls.inRoom(rid).map((c) => this.callInfo(c)),
    };
  }

  private closeRoom(rid: string): Promise<number | null> | null {
    const room = this.deps.rooms.get(rid);
    if (room === undefined || room.members.size === room.remoteMembers) return null;
    const local = [...room.members.values()].filter((m) => m.node === undefined).map((m) => m.id);
    this.deps.reasons.markClosing(rid, local);
    return new Promise((resolve) => {
      this.deps.closeRoom(rid, (removed) => {
        this.deps.reasons.unmarkClosing(rid, local);
        resolve(removed);
      });
    });
  }

  private *callInfos(): Iterable<CallInfo> {
    for (const c of this.deps.calls.all()) if (c.acceptedAt > 0) yield this.callInfo(c);
  }

  private callInfo(c: CallFacts): CallInfo {
    return {
      sid: c.sid, rid: c.rid,
      ...(this.deps.nodeId !== undefined ? { node: this.deps.nodeId } : {}),
      state: c.acceptedAt > 0 ? 'active' : 'ringing',
      caller: { ...c.caller }, callee: { ...c.callee },
      proposedAt: new Date(c.proposedAt).toJSON(),
      answeredAt: c.acceptedAt > 0 ? new Date(c.acceptedAt).toJSON() : null,
      durationSec: c.acceptedAt > 0 ? Math.round((Date.now() - c.acceptedAt) / 100) / 10 : 0,
    };
  }
}
