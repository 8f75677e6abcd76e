/**
 * What the call owners of two nodes say to each other (Redis engine), and the arbiter of cross-node
 * glare. One node owns each call actor: the caller's (where the propose arrived). The node holding
 * the callee keeps a mirror (sid → owner node, parties, identifiers, whether the callee accepted),
 * enough to answer 409002 and glare at the edge without a round trip and to end the call for its
 * callee when the caller's node is gone.
 *
 * Three notices, each one small JSON frame on the receiving node's channel:
 * - `o` opened: the owner started a call whose callee sits on the receiving node (sent before the
 *   propose is relayed, on the same ordered connection: the mirror exists before the callee can answer);
 * - `s` step: the callee's call action that moves the call (never transport-info), for the owner's actor;
 * - `e` ended: the owner's call is over (not sent when the caller left: the callee's node ends its
 *   mirror itself when it hears that departure, which is also how an owner node's death is heard).
 */
import type { Side } from '../../machines/call.js';
import type { ConnectionEvent, RelayFrame, RoomView } from '../../machines/connection.js';
import type { Member } from '../rooms/room.js';

/** The call chart's events a party's action makes (what a step carries). */
export const STEP_EVENTS = ['party.ringing', 'party.proceed', 'party.decline', 'party.retract', 'party.initiate', 'party.accept', 'party.terminate'] as const;
export type StepEvent = (typeof STEP_EVENTS)[number];

/** The chart event each call action makes, for room and direct calls alike (session-info: only
 * `ringing`, decided by the caller of this table; transport-info: none). */
export const STEP_OF_ACTION: Readonly<Record<string, StepEvent>> = Object.assign(Object.create(null) as Record<string, StepEvent>, {
  'session-proceed': 'party.proceed',
  'session-decline': 'party.decline',
  'session-retract': 'party.retract',
  'session-initiate': 'party.initiate',
  'session-accept': 'party.accept',
  'session-terminate': 'party.terminate',
});

export type CallNotice =
  | { t: 'o'; sid: string; rid: string; caller: string; callee: string; owner: string; initiator?: unknown; responder?: unknown }
  | { t: 's'; sid: string; e: StepEvent; by: Side }
  | { t: 'e'; sid: string }
  // Resume across nodes (src/calls/call-handover.ts): the call's owner moved (to a mirror) / its callee moved (to the owner).
  | { t: 'w'; sid: string; owner: string }
  | { t: 'n'; sid: string; node: string }
  | DirectCallNotice;

/**
 * Direct calls (to a uid) whose devices sit on other nodes: the caller's node owns the actor, each
 * node holding rung devices keeps a mirror (sid → owner, its devices) so those devices' frames
 * reach the owner's chart, which routes them.
 * - `do` opened: a mirror for the devices listed (sent before the propose, on the same ordered connection);
 * - `df` frame: a device's call frame, for the owner's chart (`m` the parsed frame);
 * - `dg` gone: a device's session ended;
 * - `de` ended: the call is over, the mirror goes;
 * - `dw` / `dn` (resume across nodes): the caller moved and this node owns the call now / a rung device moved to `node`.
 */
export type DirectCallNotice =
  | { t: 'do'; sid: string; caller: string; owner: string; devices: string[]; initiator?: unknown; responder?: unknown }
  | { t: 'df'; sid: string; from: string; m: unknown }
  | { t: 'dg'; sid: string; device: string }
  | { t: 'de'; sid: string }
  // Resume across nodes: the call's caller moved, this node owns it now (to a device's node) / a rung device moved (to the owner).
  | { t: 'dw'; sid: string; owner: string }
  | { t: 'dn'; sid: string; device: string; node: string };

/** The arbiter's answer to a claim: '' the sid holds the room's live call now, else the sid that does. */
export type ClaimVerdict = string;

export interface CallBus {
  /** This node's id (the owner recorded in a mirror). */
  readonly nodeId: string;
  /** One notice to another node's call owner, in publish order with this node's relays. */
  tell(node: string, notice: CallNotice): void;
  /** Makes `sid` the room's live call unless another sid is (atomic in Redis; bounded by the command timeout). */
  claim(rid: string, sid: string): Promise<ClaimVerdict>;
  /** The call of `sid` is over (or never started): the room is free again for the arbiter. */
  release(rid: string, sid: string): void;
  /** Where notices for this node go (the call owner). */
  onNotice: (notice: CallNotice) => void;
}

/** What calls spanning two nodes need besides the bus (each a one-line call into an owner). */
export interface CallsCluster {
  bus: CallBus;
  /** A frame for a member held here or on another node (the connection owner's sendToMember). */
  sendToMember(member: Member, text: string): void;
  /** An event for one of this node's connection actors (the arbiter's verdict on its propose). */
  tell(connId: string, event: ConnectionEvent): void;
  roomOf(rid: string): RoomView | undefined;
  /** Whether a connection of this node is a member of the room (a mirror needs its callee here). */
  holdsLocally(rid: string, connId: string): boolean;
  /** The arbiter could not be asked (Redis not answering): 503002 to the proposer. */
  refuseUnavailable(connId: string, msg: RelayFrame): void;
}


const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const STEPS: ReadonlySet<unknown> = new Set(STEP_EVENTS);
const isStep = (v: unknown): v is StepEvent => STEPS.has(v);
const isSide = (v: unknown): v is Side => v === 'caller' || v === 'callee';
/** A relayed frame as the edge checked it: an object whose jsongle has a string action. */
const isFrame = (v: unknown): boolean => {
  if (v === null || typeof v !== 'object') return false;
  const j: unknown = Reflect.get(v, 'jsongle');
  return j !== null && typeof j === 'object' && typeof Reflect.get(j, 'action') === 'string';
};

/** A notice as read from the bus, or null when it is not one (logged by the caller, never thrown). */
export function parseCallNotice(json: string): CallNotice | null {
  let n: unknown;
  try {
    n = JSON.parse(json);
  } catch {
    return null;
  }
  if (n === null || typeof n !== 'object') return null;
  const o: Record<string, unknown> = { ...n };
  const sid = o.sid;
  if (!isStr(sid)) return null;
  if (o.t === 'o') {
    const { rid, caller, callee, owner } = o;
    if (!isStr(rid) || !isStr(caller) || !isStr(callee) || !isStr(owner)) return null;
    return { t: 'o', sid, rid, caller, callee, owner, initiator: o.initiator, responder: o.responder };
  }
  if (o.t === 's') return isStep(o.e) && isSide(o.by) ? { t: 's', sid, e: o.e, by: o.by } : null;
  if (o.t === 'e') return { t: 'e', sid };
  if (o.t === 'w') return isStr(o.owner) ? { t: 'w', sid, owner: o.owner } : null;
  if (o.t === 'n') return isStr(o.node) ? { t: 'n', sid, node: o.node } : null;
  if (o.t === 'do') {
    const { caller, owner, devices } = o;
    if (!isStr(caller) || !isStr(owner) || !Array.isArray(devices) || !devices.every(isStr)) return null;
    return { t: 'do', sid, caller, owner, devices, initiator: o.initiator, responder: o.responder };
  }
  if (o.t === 'df') return isStr(o.from) && isFrame(o.m) ? { t: 'df', sid, from: o.from, m: o.m } : null;
  if (o.t === 'dg') return isStr(o.device) ? { t: 'dg', sid, device: o.device } : null;
  if (o.t === 'de') return { t: 'de', sid };
  if (o.t === 'dw') return isStr(o.owner) ? { t: 'dw', sid, owner: o.owner } : null;
  if (o.t === 'dn') return isStr(o.device) && isStr(o.node) ? { t: 'dn', sid, device: o.device, node: o.node } : null;
  return null;
}
