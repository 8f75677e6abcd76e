/**
 * The one owner of calls: sid → call actor. Call actors are created, looked up and forgotten only
 * here. A call is between two parties (connection ids); today both sit in one P2P room of two, but
 * nothing here needs the room beyond its id, so a direct call (keyed by sid, no room) fits the same
 * record later.
 *
 * The owner turns the call actions the connection actors relay into the call chart's `party.*`
 * events (prebuilt, no allocation), and does what the chart's actions ask: the ring clock, the
 * server-made endings (written through the connection owner), the metrics and the call-detail log.
 *
 * Redis engine: a call whose callee sits on another node is owned here (the caller's node) and
 * mirrored there (src/calls/call-bus.ts). This owner also keeps the mirrors of calls other nodes own
 * for this node's callees: their lookups answer 409002 and glare at the edge, their moving actions go
 * to the owner as one `step` notice, and the caller's departure (a leave, a disconnect, its node
 * reaped) ends them for the callee here.
 */
import type { AnyActorRef } from 'xstate';
import type { CallContext, CallEvent, Side } from '../../machines/call.js';
import type { CallView, RelayEvent, RoomView, UserView } from '../../machines/connection.js';
import { createCallActor, provideCallMachine, type CallActor, type CallOwner, type ProvidedCallMachine } from '../actors/call.js';
import { DeadlineClock } from '../timers/deadline-clock.js';
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';
import type { CallIds, MessageBuilder } from '../protocol/build.js';
import type { Jsongle } from '../protocol/types.js';
import type { Member, Room } from '../rooms/room.js';
import type { CallFacts, Lifecycle } from '../admin/lifecycle.js';
export type { CallsCluster } from './call-bus.js';
import { STEP_OF_ACTION, type CallNotice, type CallsCluster, type StepEvent } from './call-bus.js';
import { claimThenPropose } from './propose-arbiter.js';
import { countAnswered, countEnded } from './call-figures.js';
import { DirectCalls, type DirectCall } from './direct-calls.js';
import type { Device } from '../users/directory.js';
import type { RelayEnvelope } from '../protocol/types.js';
import type { HandedCall } from './call-handover.js';
import { createActor, type Snapshot } from 'xstate';

export interface CallsDeps {
  stats: Stats;
  builder: MessageBuilder;
  logger: Logger;
  /** One frame to one connection of this process (the connection owner's send). */
  send(connId: string, text: string): boolean;
  /** One frame to a device of a direct call, on this node or another (the connection owner's sendToMember). */
  sendToDevice?(device: Device, text: string): void;
  /** calls.ringTimeoutSec in ms; 0: no ring timeout. */
  ringTimeoutMs: number;
  /** The actor the call actors are created under (the supervisor: one actor system). */
  parent(): AnyActorRef;
  /** Lifecycle hooks (admin call index, webhooks): started, answered, ended. */
  lifecycle?: Pick<Lifecycle, 'callStarted' | 'callAnswered' | 'callEnded'>;
  /** Redis engine: calls whose parties sit on two nodes. Absent or null: one process. */
  cluster?: CallsCluster | null;
}

/** One call: what the chart's guards read (CallView), plus what the owner needs to end and report it. */
interface Call extends CallView {
  readonly mirror: false;
  readonly rid: string;
  /** The callee as the room holds it: `node` set when it sits on another node (Redis engine; changes when it resumes on another node). */
  calleeMember: Member;
  /** The room's glare claim was taken in Redis (callee on another node at the propose): released at the end. */
  readonly claimed: boolean;
  readonly callerUid: string;
  readonly calleeUid: string;
  /** The propose's identifiers, as sent: server-made endings copy them. */
  readonly ids: CallIds;
  readonly proposedAt: number;
  acceptedAt: number;
  readonly actor: CallActor;
}

/** A call another node owns, whose callee is here (Redis engine): no actor, just enough to answer at
 * the edge, forward what moves the call, and end it for the callee if the caller's node cannot. */
interface Mirror extends CallView {
  readonly mirror: true;
  readonly rid: string;
  /** The owner's node (changes when the caller resumes on another node). */
  owner: string;
  readonly ids: CallIds;
  /** The callee here sent session-accept (the chart takes it in every state before active). */
  accepted: boolean;
}

type Known = Call | Mirror;

/** Each such event as its sender side makes it (built once: no allocation per action). */
const partyEvents = (type: Exclude<CallEvent['type'], 'ring.timeout'>): Record<Side, CallEvent> =>
  ({ caller: { type, by: 'caller' }, callee: { type, by: 'callee' } });
const EVENTS: Record<StepEvent, Record<Side, CallEvent>> = {
  'party.ringing': partyEvents('party.ringing'),
  'party.proceed': partyEvents('party.proceed'),
  'party.decline': partyEvents('party.decline'),
  'party.retract': partyEvents('party.retract'),
  'party.initiate': partyEvents('party.initiate'),
  'party.accept': partyEvents('party.accept'),
  'party.terminate': partyEvents('party.terminate'),
};
const GONE = partyEvents('party.gone');
const RING_TIMEOUT: CallEvent = { type: 'ring.timeout' };
const OWNER_MOVED: CallEvent = { type: 'owner.moved' };

export class Calls implements CallOwner {
  private readonly bySid = new Map<string, Known>();
  /** The live call of each P2P room (a second propose there is glare). */
  private readonly byRoom = new Map<string, Known>();
  /** The calls each connection is a party to: its departure ends them. */
  private readonly byConnection = new Map<string, Set<Known>>();
  private readonly ringClock: DeadlineClock | null;
  private readonly machine: ProvidedCallMachine;
  /** Calls to a uid (no room): their records and the I/O of their chart, kept for this owner. */
  private readonly direct: DirectCalls;

  constructor(private readonly deps: CallsDeps) {
    // The hello clock's design (one interval, deadlines in insertion order, all the same length):
    // no XState `after` timer, whose scheduler entries every actor stop would scan.
    this.ringClock = deps.ringTimeoutMs > 0 ? new DeadlineClock(deps.ringTimeoutMs, (sid) => {
      const call = this.owned(sid);
      if (call !== undefined) call.actor.send(RING_TIMEOUT);
      else this.direct.ringTimeout(sid);
    }) : null;
    this.machine = provideCallMachine(this);
    this.direct = new DirectCalls({
      ...deps, ringClock: this.ringClock, sendToDevice: deps.sendToDevice ?? ((device, text) => void deps.send(device.id, text)),
      bus: deps.cluster?.bus ?? null,
    });
    if (deps.cluster) deps.cluster.bus.onNotice = (n) => this.onNotice(n);
  }

  get size(): number {
    return this.bySid.size + this.direct.size;
  }

  /** Connections indexed as parties of some call (room or direct): none once every call is over. */
  get partyIndexSize(): number {
    return this.byConnection.size + this.direct.partyIndexSize;
  }

  start(): void {
    this.ringClock?.start();
  }

  /** The server stops: every call ended through its parties' departures; drop what is left. */
  stop(): void {
    this.ringClock?.stop();
    this.bySid.clear();
    this.byRoom.clear();
    this.byConnection.clear();
    this.direct.clear();
  }

  // --- Lookups at the edge (src/protocol/classify.ts): one map read per call action ---

  /** The call a call action names by its sid. */
  ofSid(sid: unknown): CallView | undefined {
    return typeof sid === 'string' ? this.bySid.get(sid) ?? this.direct.get(sid) : undefined;
  }

  /** For a propose: the call of its sid, else the live call of the P2P room it is sent to (glare). */
  forPropose(sid: unknown, room: RoomView | undefined): CallView | undefined {
    const call = typeof sid === 'string' ? this.bySid.get(sid) ?? this.direct.get(sid) : undefined;
    if (call !== undefined || room === undefined || room.kind !== 'room') return call;
    return this.byRoom.get(room.rid);
  }

  // --- From the connection actors ---

  /** A propose is relayed to the peer of a P2P room of two: the call starts. A known sid (the
   * caller proposing again) or a propose without a string sid starts nothing. A callee on another
   * node gets the call's mirror there first (the `opened` notice precedes the relay on the bus). */
  propose(callerId: string, callerUid: string, room: Room, j: Jsongle): void {
    const sid = j.sid;
    // A sid another call holds (of either kind) starts nothing: one sid, one call.
    if (typeof sid !== 'string' || this.bySid.has(sid) || this.direct.get(sid) !== undefined) return;
    let callee: Member | undefined;
    for (const m of room.members.values()) if (m.id !== callerId) callee = m;
    const cluster = this.deps.cluster;
    if (callee === undefined || (callee.node !== undefined && !cluster)) return;
    const call: Call = {
      mirror: false, sid, rid: room.rid, caller: callerId, callee: callee.id, calleeMember: callee,
      callerUid, calleeUid: callee.profile.uid,
      ids: { sid, initiator: j.initiator, responder: j.responder },
      proposedAt: Date.now(), acceptedAt: 0, claimed: callee.node !== undefined,
      actor: createCallActor(this.machine, { sid, rid: room.rid, caller: callerId, callee: callee.id }, this.deps.parent()),
    };
    this.remember(call);
    if (callee.node !== undefined && cluster) {
      cluster.bus.tell(callee.node, {
        t: 'o', sid, rid: room.rid, caller: callerId, callee: callee.id, owner: cluster.bus.nodeId, initiator: j.initiator, responder: j.responder,
      });
    }
    call.actor.start();
    this.deps.lifecycle?.callStarted?.(factsOf(call));
  }

  /** Cross-node propose (the chart's claimCall): the arbiter decides, then the verdict comes back to
   * the proposer's actor as the same propose, `claimed` (src/calls/propose-arbiter.ts). */
  claim(connId: string, e: RelayEvent): void {
    const cluster = this.deps.cluster;
    if (cluster) claimThenPropose(cluster, this, connId, e);
  }

  /** Whether this node owns the call of a sid (the arbiter releases a claim nobody used). */
  owns(sid: string): boolean {
    return this.owned(sid) !== undefined;
  }

  /** A party's call action, relayed: the event it makes, if it moves the call. transport-info and
   * session-info other than `ringing` move nothing and never wake the call actor (nor the bus). */
  step(view: CallView | undefined, from: string, j: Jsongle): void {
    if (view === undefined) return;
    const type = j.action === 'session-info' ? (j.reason === 'ringing' ? 'party.ringing' : undefined) : STEP_OF_ACTION[j.action];
    if (type === undefined) return;
    const call = view as Known;
    const by: Side = from === call.caller ? 'caller' : 'callee';
    if (!call.mirror) {
      call.actor.send(EVENTS[type][by]);
      return;
    }
    if (type === 'party.accept' && by === 'callee') call.accepted = true;
    this.deps.cluster?.bus.tell(call.owner, { t: 's', sid: call.sid, e: type, by });
  }

  // --- Direct calls (to a uid): src/calls/direct-calls.ts ---

  /** A propose to a uid with reachable devices: every device rings (the chart's startDirectCall). */
  proposeDirect(callerId: string, callerUid: string, user: UserView, msg: RelayEnvelope): void {
    // A sid a room call holds starts no direct call (its propose is forked as sent): one sid, one call.
    this.direct.propose(callerId, callerUid, user, msg, typeof msg.jsongle.sid === 'string' && this.bySid.has(msg.jsongle.sid));
  }

  /** A party's frame of a direct call (the chart's tellDirectCall): the call's chart routes it. */
  stepDirect(view: CallView | undefined, from: string, msg: RelayEnvelope): void {
    if (view !== undefined && view.devices !== undefined) this.direct.step(view as DirectCall, from, msg);
  }

  /** Direct calls a connection placed that are not over. */
  directCallsPlacedBy(connId: string): number {
    return this.direct.placedBy(connId);
  }

  /** A connection's session ended: its direct calls hear it (room calls hear it from the room). */
  connectionGone(connId: string): void {
    this.direct.connectionGone(connId);
  }

  /** Another node is gone (Redis engine: its heartbeat expired): the direct calls with a party there
   * end for that party. (Room calls hear it through the room: the dead node's members leave.) */
  nodeGone(node: string): void {
    this.direct.nodeGone(node);
  }

  /** A propose refused because the room has another live call (glare): counted as a call ended so. */
  refusedBusy(): void {
    this.deps.stats.countCallEnded('glare');
  }

  // --- From the room owner: a member left a room (leave, disconnect, kick, a node gone) ---

  partyLeft(rid: string, connId: string): void {
    const calls = this.byConnection.get(connId);
    if (calls === undefined) return;
    for (const call of [...calls]) {
      if (call.rid !== rid) continue;
      if (!call.mirror) call.actor.send(GONE[connId === call.caller ? 'caller' : 'callee']);
      else this.mirrorPartyLeft(call, connId);
    }
  }

  // --- From the bus (Redis engine): another node's call owner ---

  onNotice(n: CallNotice): void {
    if (n.t === 'do' || n.t === 'df' || n.t === 'dg' || n.t === 'de' || n.t === 'dw' || n.t === 'dn') {
      this.direct.onNotice(n);
      return;
    }
    if (n.t === 's') {
      const call = this.owned(n.sid);
      if (call !== undefined) call.actor.send(EVENTS[n.e][n.by]);
      else this.forwardStep(n); // resume across nodes: the call moved on with its caller
      return;
    }
    if (n.t === 'w' || n.t === 'n') return this.onMovedNotice(n);
    const known = this.bySid.get(n.sid);
    if (n.t === 'e') {
      if (known?.mirror === true) this.forget(known);
      return;
    }
    // `opened`: a mirror for a callee of this node (gone already: nothing to keep, the owner hears it).
    if (known !== undefined || this.deps.cluster?.holdsLocally(n.rid, n.callee) !== true) return;
    this.remember({
      mirror: true, sid: n.sid, rid: n.rid, caller: n.caller, callee: n.callee, owner: n.owner,
      ids: { sid: n.sid, initiator: n.initiator, responder: n.responder }, accepted: false,
    });
  }

  /**
   * A party of a mirrored call left the room. The callee (here): the owner hears it and ends the
   * call; the mirror just goes. The caller (on the owner's node): this node tells the callee, in the
   * form its library accepts — whatever ended the caller's session, its own node going down
   * included, which is why the owner leaves this ending to the callee's node.
   */
  private mirrorPartyLeft(call: Mirror, connId: string): void {
    this.forget(call);
    if (connId !== call.caller) return;
    const { builder, logger } = this.deps;
    this.deps.send(call.callee, call.accepted ? builder.callUnreachable(call.callee, call.ids, 'gone') : builder.callRetract(call.callee, call.ids, 'gone'));
    logger.debug('mirrored call ended: its caller is gone', { sid: call.sid, rid: call.rid, owner: call.owner });
  }

  // --- CallOwner: what the call chart's actions ask ---

  startRinging(sid: string): void {
    this.ringClock?.add(sid);
  }

  stopRinging(sid: string): void {
    this.ringClock?.remove(sid);
  }

  tellUnreachable(sid: string, to: Side, condition: 'gone' | 'timeout'): void {
    const call = this.owned(sid);
    if (call !== undefined) this.endingTo(call, to, condition, this.deps.builder.callUnreachable(call[to], call.ids, condition));
  }

  retract(sid: string, to: Side, reason: 'gone' | 'timeout'): void {
    const call = this.owned(sid);
    if (call !== undefined) this.endingTo(call, to, reason, this.deps.builder.callRetract(call[to], call.ids, reason));
  }

  /** A server-made ending to one party. A callee on another node gets a timeout through its node;
   * a `gone` ending there (its caller left) is made by its node, which hears the departure too. */
  private endingTo(call: Call, to: Side, why: 'gone' | 'timeout', text: string): void {
    const member = call.calleeMember;
    if (to === 'caller' || member.node === undefined) this.deps.send(call[to], text);
    else if (why === 'timeout') this.deps.cluster?.sendToMember(member, text);
  }

  activated(sid: string): void {
    const call = this.owned(sid);
    if (call === undefined) return;
    call.acceptedAt = Date.now();
    countAnswered(this.deps.stats, factsOf(call), this.deps.lifecycle);
  }

  /** Calls whose actor failed (a bug in an action): logged and forgotten, so no map keeps them. */
  forgetFailed(): void {
    this.direct.forgetFailed();
    for (const call of [...this.bySid.values()]) {
      if (call.mirror || call.actor.getSnapshot().status !== 'error') continue;
      this.deps.logger.error('call actor failed', { sid: call.sid, rid: call.rid });
      this.ringClock?.remove(call.sid);
      this.forget(call);
    }
  }

  deactivated(_sid: string): void {
    this.deps.stats.callsInProgress--;
  }

  /** The call reached `ended`: count it, write its call-detail record, forget it. */
  ended(context: CallContext): void {
    const call = this.owned(context.sid);
    if (call === undefined) return;
    this.forget(call);
    const reason = context.reason ?? 'terminate';
    const node = call.calleeMember.node;
    const cluster = this.deps.cluster;
    if (cluster) {
      // The mirror goes with the call; after a `gone` the callee's node dropped it (its callee left)
      // or ends it itself (it hears the caller's departure), so nothing is sent then.
      if (node !== undefined && reason !== 'gone') cluster.bus.tell(node, { t: 'e', sid: call.sid });
      if (call.claimed || node !== undefined) cluster.bus.release(call.rid, call.sid);
    }
    countEnded(this.deps, factsOf(call), { reason, endedBy: context.endedBy });
  }

  // --- resume across nodes (src/calls/call-handover.ts) ---
  /** Calls that moved on with their caller: sid → the new owner's node, for resume.forwardSec. */
  private readonly movedCalls = new Map<string, string>();

  /**
   * Old node: the calls of a connection that moves to node `to`, as they travel. Its own calls (it
   * is the caller) stop here without ending; a callee here keeps a mirror of them. Calls it is the
   * callee of stay with their owner (told the new node here, or `n` below) and travel as mirrors.
   */
  handOut(connId: string, to: string, forwardMs: number): HandedCall[] {
    const out: HandedCall[] = this.direct.handOut(connId, to, forwardMs);
    const self = this.deps.cluster?.bus.nodeId ?? '';
    for (const call of [...(this.byConnection.get(connId) ?? [])]) {
      if (call.mirror) {
        out.push({ k: 'mirror', sid: call.sid, rid: call.rid, caller: call.caller, callee: call.callee, owner: call.owner, ids: call.ids, accepted: call.accepted });
        this.forget(call);
      } else if (call.caller === connId) {
        const snapshot = call.actor.getPersistedSnapshot();
        out.push({
          k: 'owned', sid: call.sid, rid: call.rid, caller: call.caller, callee: call.callee, callerUid: call.callerUid, calleeUid: call.calleeUid,
          ids: call.ids, proposedAt: call.proposedAt, acceptedAt: call.acceptedAt, claimed: call.claimed, snapshot,
        });
        // Its state's exit actions run (the ring clock stops, `active` uncounts here: the new owner
        // counts it again); it ends as `movedAway`, reporting nothing.
        this.forget(call);
        call.actor.send(OWNER_MOVED);
        this.movedCalls.set(call.sid, to);
        setTimeout(() => { if (this.movedCalls.get(call.sid) === to) this.movedCalls.delete(call.sid); }, forwardMs).unref();
        // Its callee is here: this node keeps the call's mirror (the new owner's `w` finds it already so).
        if (call.calleeMember.node === undefined) {
          this.remember({ mirror: true, sid: call.sid, rid: call.rid, caller: call.caller, callee: call.callee, owner: to, ids: call.ids, accepted: call.acceptedAt > 0 });
        }
      } else {
        // The callee moves, the call stays here: its callee is on node `to` now.
        call.calleeMember = { ...call.calleeMember, node: to };
        out.push({ k: 'mirror', sid: call.sid, rid: call.rid, caller: call.caller, callee: call.callee, owner: self, ids: call.ids, accepted: call.acceptedAt > 0 });
        this.unindex(connId, call);
      }
    }
    return out;
  }

  /** New node: the calls of a connection handed over here (its rooms are in the mirror already:
   * `memberOf` reads them). Owned calls get their actor back from its snapshot. */
  adopt(connId: string, handed: HandedCall[], memberOf: (rid: string, connId: string) => Member | undefined): void {
    const cluster = this.deps.cluster;
    const self = cluster?.bus.nodeId ?? '';
    for (const h of handed) {
      if (h.k === 'directOwned' || h.k === 'directMirror') {
        this.direct.adopt(connId, h);
        continue;
      }
      const known = this.bySid.get(h.sid);
      if (h.k === 'mirror') {
        if (h.owner === self) {
          // The owner is here: its callee is local again.
          const call = this.owned(h.sid);
          const member = memberOf(h.rid, connId);
          if (call !== undefined && member !== undefined) {
            call.calleeMember = member;
            this.index(connId, call);
          }
          continue;
        }
        if (known === undefined) this.remember({ mirror: true, sid: h.sid, rid: h.rid, caller: h.caller, callee: h.callee, owner: h.owner, ids: h.ids, accepted: h.accepted });
        cluster?.bus.tell(h.owner, { t: 'n', sid: h.sid, node: self });
        continue;
      }
      const calleeMember = memberOf(h.rid, h.callee);
      if (calleeMember === undefined) continue; // its callee left meanwhile: the departure ended it on its node
      if (known !== undefined) this.forget(known); // this node's mirror of it: the call itself is here now
      const call: Call = {
        mirror: false, sid: h.sid, rid: h.rid, caller: h.caller, callee: h.callee, calleeMember, callerUid: h.callerUid, calleeUid: h.calleeUid,
        ids: h.ids, proposedAt: h.proposedAt, acceptedAt: h.acceptedAt, claimed: h.claimed,
        actor: createActor(this.machine, {
          id: 'call', input: { sid: h.sid, rid: h.rid, caller: h.caller, callee: h.callee }, snapshot: h.snapshot as Snapshot<unknown>, parent: this.deps.parent(),
        }) as CallActor,
      };
      this.remember(call);
      call.actor.start();
      if (call.actor.getSnapshot().matches('active')) this.deps.stats.callsInProgress++;
      else if (call.actor.getSnapshot().matches('starting')) this.ringClock?.add(call.sid);
      if (calleeMember.node !== undefined) cluster?.bus.tell(calleeMember.node, { t: 'w', sid: call.sid, owner: self });
    }
  }

  /** A step for a call that moved on with its caller: to its new owner. */
  private forwardStep(n: Extract<CallNotice, { t: 's' }>): void {
    const to = this.movedCalls.get(n.sid);
    if (to !== undefined) this.deps.cluster?.bus.tell(to, n);
  }

  private onMovedNotice(n: Extract<CallNotice, { t: 'w' | 'n' }>): void {
    const known = this.bySid.get(n.sid);
    if (known === undefined) return;
    if (n.t === 'w' && known.mirror) known.owner = n.owner;
    if (n.t === 'n' && !known.mirror && known.calleeMember.node !== undefined) known.calleeMember = { ...known.calleeMember, node: n.node };
  }

  private unindex(connId: string, call: Known): void {
    const calls = this.byConnection.get(connId);
    calls?.delete(call);
    if (calls?.size === 0) this.byConnection.delete(connId);
  }
  // --- end resume across nodes ---

  /** The call of a sid this node owns (not a mirror). */
  private owned(sid: string): Call | undefined {
    const call = this.bySid.get(sid);
    return call === undefined || call.mirror ? undefined : call;
  }

  private remember(call: Known): void {
    this.bySid.set(call.sid, call);
    this.byRoom.set(call.rid, call);
    this.index(call.caller, call);
    this.index(call.callee, call);
  }

  private index(connId: string, call: Known): void {
    let calls = this.byConnection.get(connId);
    if (calls === undefined) this.byConnection.set(connId, (calls = new Set()));
    calls.add(call);
  }

  private forget(call: Known): void {
    this.bySid.delete(call.sid);
    if (this.byRoom.get(call.rid) === call) this.byRoom.delete(call.rid);
    for (const connId of [call.caller, call.callee]) {
      const calls = this.byConnection.get(connId);
      calls?.delete(call);
      if (calls?.size === 0) this.byConnection.delete(connId);
    }
  }
}

/** What the lifecycle hooks report of a call (a copy: the listeners keep it after the call is gone). */
function factsOf(call: Call): CallFacts {
  return {
    sid: call.sid, rid: call.rid, caller: { id: call.caller, uid: call.callerUid }, callee: { id: call.callee, uid: call.calleeUid },
    proposedAt: call.proposedAt, acceptedAt: call.acceptedAt,
  };
}
