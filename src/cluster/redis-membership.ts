/**
 * Room membership with Redis as the single authority across nodes (Membership's shared-store
 * implementation). Joins and leaves run as atomic Lua scripts (scripts.ts); the local
 * RoomRegistry is this node's mirror, which relays and notifications read.
 *
 * The mirror follows one ordered stream: everything a node learns about membership (its own join
 * and leave results included) arrives as notices on its node channel, in the order Redis executed
 * the scripts. A join's promise resolves when its own notice has been applied to the mirror, so
 * the supervisor reads a mirror that already holds the verdict.
 *
 * Operations of one connection run one after the other (a join then a leave keep their order).
 * Leaves never fail: while Redis is unreachable they are applied to the mirror alone and Redis is
 * re-synchronised when it returns. Joins while Redis is unreachable fail (503002): the authority
 * that could refuse them is not there.
 */
import { randomUUID } from 'node:crypto';
import type { Connections } from '../connections/connections.js';
import type { Logger } from '../observability/logger.js';
import type { Profile, RoomKind } from '../protocol/types.js';
import type { JoinRequest, JoinVerdict, LeaveResult, Membership } from '../rooms/membership.js';
import type { Room } from '../rooms/room.js';
import type { Rooms } from '../rooms/rooms.js';
import type { Interest } from './interest.js';
import type { ScriptRunner } from './redis-link.js';

/** A member record as the scripts write it. */
interface MemberRecord {
  s: number;
  id: string;
  n: string;
  p: Profile;
}

type Notice =
  | { t: 'J'; req: string; rid: string; kind: RoomKind; m: MemberRecord; all: MemberRecord[] }
  | { t: 'L'; req: string; rid: string; kind: RoomKind; m: MemberRecord }
  | { t: 'j' | 'l' | 'x' | 'y'; rid: string; kind: RoomKind; m: MemberRecord }
  | { t: 'R'; req: string; rooms: [string, RoomKind, MemberRecord[]][] }
  // Resume across nodes (MOVE): M to the old node, V to the new one (full member lists), v to the others.
  | { t: 'M'; req: string; id: string; to: string; rooms: [string, RoomKind, MemberRecord][] }
  | { t: 'V'; req: string; id: string; from: string; to: string; rooms: [string, RoomKind, MemberRecord, MemberRecord[]][] }
  | { t: 'v'; rid: string; kind: RoomKind; m: MemberRecord };

/** Resume across nodes: what the old and the new node do on reading the move, before their mirror changes. */
export interface MoveHooks {
  /** Old node, in the turn it reads its own M notice: every frame for the connection that reached it
   * before the move is in its session now, so it hands the session over (synchronously). */
  movedOut(connId: string, to: string): void;
  /** New node, on the V notice: frames for the connection may reach it from now on (kept for the arrival). */
  arriving(connId: string, from: string): void;
}

interface Waiter {
  resolve(notice: Notice): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface RedisMembershipDeps {
  rooms: Rooms;
  connections: Connections;
  logger: Logger;
  /** cluster.heartbeatTtlMs: the longest a node may have been silent. */
  heartbeatTtlMs: number;
  nodeId: string;
  prefix: string;
  run: ScriptRunner;
  interest: Interest;
  /** Redis reachable and this node's state re-synchronised: joins may be decided. */
  isHealthy(): boolean;
  /** Redis and this node may disagree: re-synchronise at the next chance. */
  markDirty(reason: string): void;
  /** How long a script's own notice may take before the operation is given up. */
  noticeTimeoutMs: number;
}

export class ClusterUnavailable extends Error {
  override name = 'ClusterUnavailable';
}

export class RedisMembership implements Membership {
  private readonly waiters = new Map<string, Waiter>();
  /** The last queued operation of each connection (operations of one connection keep their order). */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: RedisMembershipDeps) {}

  join(req: JoinRequest): Promise<JoinVerdict> {
    if (!this.deps.isHealthy()) return Promise.reject(new ClusterUnavailable('redis unavailable'));
    return this.serially(req.connId, () => this.runJoin(req));
  }

  leave(connId: string, rid: string): LeaveResult | Promise<LeaveResult> {
    if (!this.deps.isHealthy() && !this.tails.has(connId)) return this.leaveLocally(connId, rid);
    return this.serially(connId, () => this.runLeave(connId, rid));
  }

  leaveAll(connId: string): void {
    const rids = [...this.deps.rooms.ridsOf(connId)];
    for (const rid of rids) this.dropLocalMember(rid, connId, true);
    // A join may be in flight (its script ran, its notice not yet here): Redis must forget it too.
    if (rids.length === 0 && !this.tails.has(connId)) return;
    this.deps.run('jsongleLeaveAll', [this.deps.prefix, connId, this.deps.nodeId])
      .catch((err: Error) => this.deps.markDirty(`leaveAll failed: ${err.message}`));
  }

  clear(): void {
    this.deps.rooms.clear();
    for (const [req, w] of this.waiters) {
      clearTimeout(w.timer);
      this.waiters.delete(req);
      w.reject(new ClusterUnavailable('server stopping'));
    }
  }

  /** Every operation waiting for its notice fails: the subscriber link dropped and may have lost it. */
  failWaiting(reason: string): void {
    for (const [req, w] of this.waiters) {
      clearTimeout(w.timer);
      this.waiters.delete(req);
      w.reject(new ClusterUnavailable(reason));
    }
  }

  /** Operations queued or running (a resync waits for them to finish). */
  get inFlight(): number {
    return this.tails.size;
  }

  /** Sends this node's memberships to Redis and applies the answer (notice R) to the mirror. */
  async resync(): Promise<number> {
    const entries: [string, RoomKind, string, string][] = [];
    for (const room of this.deps.rooms.all()) {
      for (const m of room.members.values()) if (m.node === undefined) entries.push([room.rid, room.kind, m.id, JSON.stringify(m.profile)]);
    }
    const req = `resync:${randomUUID()}`;
    const applied = this.expect(req, Math.max(this.deps.noticeTimeoutMs, 10_000));
    try {
      await this.deps.run('jsongleResync', [this.deps.prefix, this.deps.nodeId, this.deps.heartbeatTtlMs, req, JSON.stringify(entries)]);
    } catch (err) {
      this.cancel(req);
      throw err;
    }
    await applied;
    return entries.length;
  }

  /** A notice from this node's channel (the JSON after the 'm'). */
  onNotice(json: string): void {
    let n: Notice;
    try {
      n = JSON.parse(json) as Notice;
    } catch {
      this.deps.logger.error('unreadable membership notice', { notice: json.slice(0, 200) });
      return;
    }
    switch (n.t) {
      case 'J': return this.applyOwnJoin(n);
      case 'L': return this.applyOwnLeave(n);
      case 'j': return this.applyRemoteJoin(n.rid, n.kind, n.m, false);
      case 'y': return this.applyRemoteJoin(n.rid, n.kind, n.m, true);
      case 'l': return this.applyRemoteLeave(n.rid, n.m, false);
      case 'x': return this.applyRemoteLeave(n.rid, n.m, true);
      case 'R': return this.applyResync(n);
      case 'M': return this.applyMovedOut(n);
      case 'V': return this.applyMovedIn(n);
      case 'v': return this.applyMovedElsewhere(n.rid, n.m);
    }
  }

  // --- resume across nodes: a connection's memberships move to another node (scripts.ts MOVE) ---
  /** Set by the hand-over (src/cluster/resume-handover.ts). */
  moveHooks: MoveHooks | null = null;
  /** Requests of moves this node started, until their M notice. */
  private readonly moving = new Set<string>();

  /**
   * Moves every membership of a connection of this node to node `to` (after its operations under
   * way): resolves once this node has read its own M notice (moveHooks.movedOut ran in that turn).
   */
  move(connId: string, to: string): Promise<number> {
    if (!this.deps.isHealthy()) return Promise.reject(new ClusterUnavailable('redis unavailable'));
    return this.serially(connId, async () => {
      const req = `move:${randomUUID()}`;
      const own = this.expect(req, this.deps.noticeTimeoutMs);
      this.moving.add(req);
      try {
        const count = (await this.deps.run('jsongleMove', [this.deps.prefix, connId, this.deps.nodeId, to, req])) as number;
        await own;
        return count;
      } catch (err) {
        this.cancel(req);
        throw err;
      } finally {
        this.moving.delete(req);
      }
    });
  }

  /** Keeps a room channel subscribed while the hand-over forwards what arrives on it (the room may
   * leave this node's mirror meanwhile). */
  holdChannel(topic: string): void {
    this.deps.interest.acquire(topic).catch(() => undefined);
  }

  releaseChannel(topic: string): void {
    this.deps.interest.release(topic);
  }

  /** Old node: hand the session over, then the member is another node's in the mirror (no `left`). */
  private applyMovedOut(n: Extract<Notice, { t: 'M' }>): void {
    if (this.moving.has(n.req)) this.moveHooks?.movedOut(n.id, n.to);
    for (const [rid, , m] of n.rooms) this.applyMovedElsewhere(rid, m);
    this.take(n.req)?.resolve(n);
  }

  /** New node: the member is this node's in the mirror (no `joined`); rooms new here get their members. */
  private applyMovedIn(n: Extract<Notice, { t: 'V' }>): void {
    const { rooms } = this.deps;
    this.moveHooks?.arriving(n.id, n.from);
    for (const [rid, kind, m, all] of n.rooms) {
      for (const rec of all.sort((a, b) => a.s - b.s)) {
        if (rec.id !== m.id && rec.n !== this.deps.nodeId && !rooms.isMember(rid, rec.id)) rooms.add(rid, kind, { id: rec.id, profile: rec.p, node: rec.n });
      }
      // Recorded as the old node's first when new here, then made this node's: a change of Member.node,
      // which no lifecycle hook reports as a join (the member never left).
      if (!rooms.isMember(rid, m.id)) rooms.add(rid, kind, { id: m.id, profile: m.p, node: n.from });
      const room = rooms.add(rid, kind, { id: m.id, profile: m.p });
      this.deps.interest.acquire(room.topic).then(() => this.deps.interest.release(room.topic), () => undefined);
    }
  }

  /** Any node but the new one: the member now sits on node m.n (a change of Member.node, nothing announced). */
  private applyMovedElsewhere(rid: string, m: MemberRecord): void {
    const { rooms } = this.deps;
    const room = rooms.get(rid);
    const before = room?.members.get(m.id);
    if (room === undefined || before === undefined) return;
    rooms.add(rid, room.kind, { id: m.id, profile: before.profile, node: m.n });
    // Its last member here moved away: the room is no longer this node's to mirror.
    if (room.members.size === room.remoteMembers) this.prune(room);
  }
  // --- end resume across nodes ---

  private async runJoin(req: JoinRequest): Promise<JoinVerdict> {
    if (!this.deps.isHealthy()) throw new ClusterUnavailable('redis unavailable');
    const topic = this.deps.rooms.topicOf(req.rid, req.kind);
    await this.deps.interest.acquire(topic);
    try {
      // Closed while waiting: nothing to decide (the supervisor ignores the verdict of a gone requester).
      if (!this.deps.connections.has(req.connId)) return 'full';
      // A connection's operations run one after the other, so the mirror holds every earlier join of it.
      if (this.deps.rooms.ridsOf(req.connId).size >= req.maxRooms && !this.deps.rooms.isMember(req.rid, req.connId)) return 'tooManyRooms';
      const id = randomUUID();
      const own = this.expect(id, this.deps.noticeTimeoutMs);
      let verdict: JoinVerdict;
      try {
        verdict = (await this.deps.run('jsongleJoin', [
          this.deps.prefix, req.rid, req.kind, req.connId, this.deps.nodeId, JSON.stringify(req.profile),
          req.capacity, req.maxMultiRooms, id,
        ])) as JoinVerdict;
      } catch (err) {
        this.cancel(id);
        throw err;
      }
      if (verdict !== 'joined') {
        this.cancel(id);
        return verdict;
      }
      try {
        await own;
      } catch (err) {
        // The join happened in Redis but this node never saw it: undo it there, and re-synchronise.
        this.deps.run('jsongleLeave', [this.deps.prefix, req.rid, req.connId, this.deps.nodeId, 'undo']).catch(() => undefined);
        this.deps.markDirty('join notice lost');
        throw err;
      }
      return 'joined';
    } finally {
      this.deps.interest.release(topic);
    }
  }

  private async runLeave(connId: string, rid: string): Promise<LeaveResult> {
    if (!this.deps.isHealthy()) return this.leaveLocally(connId, rid);
    const id = randomUUID();
    const own = this.expect(id, this.deps.noticeTimeoutMs);
    try {
      const [verdict, kind] = (await this.deps.run('jsongleLeave', [this.deps.prefix, rid, connId, this.deps.nodeId, id])) as [string, RoomKind?];
      if (verdict !== 'left') {
        this.cancel(id);
        return { verdict: 'notMember' };
      }
      await own;
      return { verdict: 'left', kind };
    } catch {
      // A leave never fails: without Redis it is the mirror's, and Redis follows at the resync.
      this.cancel(id);
      this.deps.markDirty('leave failed');
      return this.leaveLocally(connId, rid);
    }
  }

  private leaveLocally(connId: string, rid: string): LeaveResult {
    const room = this.deps.rooms.get(rid);
    if (room === undefined || !room.members.has(connId)) return { verdict: 'notMember' };
    this.deps.markDirty('leave decided without redis');
    this.dropLocalMember(rid, connId, false);
    return { verdict: 'left', kind: room.kind };
  }

  /**
   * A member of this node leaves the mirror. When it was the room's last one here, the other
   * nodes' members are forgotten too (no notices come for the room any more) — after the
   * supervisor has told them (`now` false: on a later turn), or at once when it already has.
   */
  private dropLocalMember(rid: string, connId: string, now: boolean): void {
    const room = this.deps.rooms.remove(rid, connId);
    if (room === undefined) return;
    if (now) this.prune(room);
    else setImmediate(() => this.prune(room));
  }

  private prune(room: Room): void {
    const { rooms } = this.deps;
    if (rooms.get(room.rid) === room && room.members.size === room.remoteMembers) {
      for (const id of [...room.members.keys()]) rooms.remove(room.rid, id);
    }
    this.deps.interest.check(room.topic);
  }

  private applyOwnJoin(n: Extract<Notice, { t: 'J' }>): void {
    const waiter = this.take(n.req);
    const { rooms, connections } = this.deps;
    // Unknown request (given up) or a connection that closed meanwhile: Redis forgets it through
    // the undo or the leaveAll that followed; the mirror must not hold it.
    if (waiter !== undefined && connections.has(n.m.id)) {
      const inSnapshot = new Set<string>();
      for (const rec of n.all.sort((a, b) => a.s - b.s)) {
        inSnapshot.add(rec.id);
        if (rec.n !== this.deps.nodeId && !rooms.isMember(n.rid, rec.id)) rooms.add(n.rid, n.kind, { id: rec.id, profile: rec.p, node: rec.n });
      }
      // Frames for the new member may follow in the same read: the room owner subscribes it at once.
      const room = rooms.add(n.rid, n.kind, { id: n.m.id, profile: n.m.p });
      // Drift repair: a member of another node the mirror still holds but Redis no longer has.
      for (const m of [...room.members.values()]) if (m.node !== undefined && !inSnapshot.has(m.id)) rooms.remove(n.rid, m.id);
    }
    waiter?.resolve(n);
  }

  private applyOwnLeave(n: Extract<Notice, { t: 'L' }>): void {
    const waiter = this.take(n.req);
    this.dropLocalMember(n.rid, n.m.id, false);
    waiter?.resolve(n);
  }

  /** Another node's member joined (or, `announce`, was restored by a resync: no supervisor tells ours). */
  private applyRemoteJoin(rid: string, kind: RoomKind, m: MemberRecord, announce: boolean): void {
    const { rooms } = this.deps;
    const room = rooms.get(rid);
    // Not a room this node serves (any more): the notice was on its way when the last member left.
    if (room === undefined || room.kind !== kind || room.members.size === room.remoteMembers || room.members.has(m.id)) return;
    rooms.add(rid, kind, { id: m.id, profile: m.p, node: m.n });
    if (announce) rooms.announce(room, m.id, 'joined', m.p, true);
  }

  /** Another node's member left (or, `announce`, was removed by a crash clean-up or a resync). */
  private applyRemoteLeave(rid: string, m: MemberRecord, announce: boolean): void {
    const { rooms } = this.deps;
    const member = rooms.get(rid)?.members.get(m.id);
    if (member === undefined || member.node === undefined) return;
    const room = rooms.remove(rid, m.id);
    if (room !== undefined && announce) rooms.announce(room, m.id, 'left', member.profile, true);
  }

  /** After a resync: the mirror's members of other nodes become Redis's, and ours hear the difference. */
  private applyResync(n: Extract<Notice, { t: 'R' }>): void {
    const { rooms } = this.deps;
    for (const [rid, kind, records] of n.rooms) {
      const room = rooms.get(rid);
      if (room === undefined || room.kind !== kind) continue;
      const remote = new Map(records.filter((r) => r.n !== this.deps.nodeId).map((r) => [r.id, r]));
      for (const m of [...room.members.values()]) {
        if (m.node === undefined || remote.has(m.id)) continue;
        rooms.remove(rid, m.id);
        rooms.announce(room, m.id, 'left', m.profile, true);
      }
      for (const r of [...remote.values()].sort((a, b) => a.s - b.s)) {
        if (room.members.has(r.id)) continue;
        rooms.add(rid, kind, { id: r.id, profile: r.p, node: r.n });
        rooms.announce(room, r.id, 'joined', r.p, true);
      }
    }
    this.take(n.req)?.resolve(n);
  }

  private serially<T>(connId: string, op: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(connId) ?? Promise.resolve();
    const result = prev.then(op, op);
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(connId, tail);
    void tail.then(() => {
      if (this.tails.get(connId) === tail) this.tails.delete(connId);
    });
    return result;
  }

  private expect(req: string, timeoutMs: number): Promise<Notice> {
    const p = new Promise<Notice>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(req);
        reject(new ClusterUnavailable(`no answer from redis within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(req, { resolve, reject, timer });
    });
    // It may fail while its owner still awaits the script: not an unhandled rejection (the owner awaits it next).
    p.catch(() => undefined);
    return p;
  }

  private take(req: string): Waiter | undefined {
    const w = this.waiters.get(req);
    if (w === undefined) return undefined;
    clearTimeout(w.timer);
    this.waiters.delete(req);
    return w;
  }

  private cancel(req: string): void {
    const w = this.take(req);
    // Nobody awaits a cancelled waiter's promise any more: settle it quietly.
    w?.resolve({ t: 'R', req, rooms: [] });
  }
}
