/**
 * The fuzz oracle: a model of one fuzzed connection (hello done? which rooms, with whom?) that
 * predicts, from protocol.md alone, what the server must answer to a frame. The checks run in
 * the spec's order: JSON object (400003) → jsongle object (400002) → hello done (403002) →
 * action known (405001) → the action's parameters (400001) → room membership (404002) → room
 * state (unreachable / 404003). Calls (users-calls-sessions.md §3): F's live call in the pair room
 * (F is always its caller: P never answers) makes a propose with another sid glare (`busy`).
 */
import { isPlainObject } from './json.js';
import {
  CALL_ACTIONS, FORBIDDEN_IN_NAMES, MAX_DN_LENGTH, MAX_MEMBERS_MUC, MAX_MEMBERS_P2P, MAX_MUC_PER_USER, MAX_RID_LENGTH, MAX_UID_LENGTH, MESSAGE_ACTIONS,
} from './spec.js';

export type RoomKind = 'room' | 'muc';
/** Who is in a room: 'F' the fuzzed connection, 'P' its partner, anything else someone outside the lane. */
export type Who = string;

export interface ModelRoom {
  kind: RoomKind;
  members: Set<Who>;
}

export type Outcome =
  | { t: 'error'; code: number; iq: boolean }
  | { t: 'hello-ok' }
  | { t: 'hello-bad' }
  | { t: 'second-hello' }
  | { t: 'join'; rid: string; kind: RoomKind; already: boolean }
  | { t: 'leave'; rid: string }
  | { t: 'relay'; rid: string; toPeer: boolean; extra: 'trying' | 'ack' | null; call?: { starts: string } | { ends: string } }
  | { t: 'unreachable' }
  | { t: 'busy' }
  | { t: 'none' };

export class LaneModel {
  helloed = false;
  readonly rooms = new Map<string, ModelRoom>();
  /** The sid of F's call in the room it shares with P, from the propose to F's retract or terminate
   * (P never answers, so the call never leaves `starting`), or to F leaving that room. */
  call: { rid: string; sid: string } | null = null;

  constructor(readonly serverId: string, readonly helloTransaction: string) {}

  /** Rooms the fuzzed connection is in, of one kind. */
  countOf(kind: RoomKind): number {
    let n = 0;
    for (const r of this.rooms.values()) if (r.kind === kind && r.members.has('F')) n++;
    return n;
  }

  isIn(rid: string): boolean {
    return this.rooms.get(rid)?.members.has('F') ?? false;
  }

  /** The answer protocol.md requires for a frame (`value` is the parsed text, or `binary`). */
  predict(frame: { binary: true } | { binary: false; value: unknown; parsed: boolean }): Outcome {
    const err = (code: number, iq = false): Outcome => ({ t: 'error', code, iq });
    if (frame.binary || !frame.parsed || !isPlainObject(frame.value)) return err(400003);
    const msg = frame.value;
    const j = msg.jsongle;
    if (!isPlainObject(j)) return err(400002);
    const action = j.action;
    const isHello = action === 'iq-result' && j.query === 'session-hello';
    if (!this.helloed) {
      if (isHello) return this.helloIsValid(j) ? { t: 'hello-ok' } : { t: 'hello-bad' };
      return err(403002, action === 'iq-set');
    }
    if (isHello) return { t: 'second-hello' };
    if (typeof action !== 'string') return err(405001);
    const d = j.description;
    const badDescription = d !== undefined && !isPlainObject(d);

    if (CALL_ACTIONS.has(action) || MESSAGE_ACTIONS.has(action)) {
      const to = msg.to;
      if (typeof to !== 'string' || badDescription) return err(400001);
      const room = this.rooms.get(to);
      if (!room || !room.members.has('F')) return err(404002);
      if (room.kind === 'room' && room.members.size < 2) return CALL_ACTIONS.has(action) ? { t: 'unreachable' } : err(404003);
      const extra = action === 'session-propose' ? 'trying' : action === 'session-text' || action === 'session-custom' ? 'ack' : null;
      const toPeer = room.members.has('P');
      // A tracked call exists only in a P2P room of two with the peer.
      if (toPeer && room.kind === 'room' && room.members.size === 2 && CALL_ACTIONS.has(action)) {
        const sid = j.sid;
        const live = this.call !== null && this.call.rid === to ? this.call.sid : null;
        if (action === 'session-propose') {
          if (live !== null && sid !== live) return { t: 'busy' };
          if (live === null && typeof sid === 'string') return { t: 'relay', rid: to, toPeer, extra, call: { starts: sid } };
        } else if (live !== null && sid === live && (action === 'session-retract' || action === 'session-terminate')) {
          return { t: 'relay', rid: to, toPeer, extra, call: { ends: live } };
        }
      }
      return { t: 'relay', rid: to, toPeer, extra };
    }
    switch (action) {
      case 'iq-set': {
        const q = j.query;
        if (typeof q !== 'string' || q.length === 0 || badDescription) return err(400001, true);
        const rid = (d as { rid?: unknown } | undefined)?.rid;
        const join = q === 'session-join' || q === 'muc-join';
        const leave = q === 'session-leave' || q === 'muc-leave';
        if (!join && !leave) return err(404001, true);
        if (!this.isValidRid(rid)) return err(400001, true);
        const room = this.rooms.get(rid);
        if (leave) return room?.members.has('F') ? { t: 'leave', rid } : err(404002, true);
        const kind: RoomKind = q === 'muc-join' ? 'muc' : 'room';
        if (room && room.kind !== kind) return err(403004, true);
        if (room?.members.has('F')) return { t: 'join', rid, kind, already: true };
        if (room && room.members.size >= (kind === 'muc' ? MAX_MEMBERS_MUC : MAX_MEMBERS_P2P)) return err(403001, true);
        if (kind === 'muc' && this.countOf('muc') >= MAX_MUC_PER_USER) return err(403003, true);
        return { t: 'join', rid, kind, already: false };
      }
      case 'session-metrics':
        return badDescription ? err(400001) : { t: 'none' };
      default:
        // iq-result other than the hello answer, and every unknown action.
        return err(405001);
    }
  }

  /** Applies an outcome the server confirmed. */
  apply(o: Outcome): void {
    if (o.t === 'hello-ok') this.helloed = true;
    else if (o.t === 'join' && !o.already) {
      let room = this.rooms.get(o.rid);
      if (!room) this.rooms.set(o.rid, (room = { kind: o.kind, members: new Set() }));
      room.members.add('F');
    } else if (o.t === 'relay' && o.call) {
      this.call = 'starts' in o.call ? { rid: o.rid, sid: o.call.starts } : null;
    } else if (o.t === 'leave') {
      if (this.call?.rid === o.rid) this.call = null;
      const room = this.rooms.get(o.rid);
      room?.members.delete('F');
      if (room && room.members.size === 0) this.rooms.delete(o.rid);
    }
  }

  private isValidRid(rid: unknown): rid is string {
    return typeof rid === 'string' && rid.length > 0 && rid.length <= MAX_RID_LENGTH && rid !== this.serverId && !FORBIDDEN_IN_NAMES.test(rid);
  }

  private helloIsValid(j: Record<string, unknown>): boolean {
    if (j.transaction !== this.helloTransaction) return false;
    const d = j.description;
    if (!isPlainObject(d)) return false;
    if (typeof d.uid !== 'string' || d.uid.length === 0 || d.uid.length > MAX_UID_LENGTH) return false;
    if (FORBIDDEN_IN_NAMES.test(d.uid) || d.uid.includes('/')) return false;
    return d.dn === undefined || (typeof d.dn === 'string' && d.dn.length <= MAX_DN_LENGTH && !FORBIDDEN_IN_NAMES.test(d.dn));
  }
}
