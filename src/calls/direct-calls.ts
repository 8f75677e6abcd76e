/**
 * Direct calls (a session-propose addressed to a uid): the records and the I/O of the direct-call
 * chart (machines/direct-call.ts), held for the one owner of calls (src/calls/calls.ts), which
 * answers every lookup by sid and creates, tells and forgets these through this table.
 *
 * A direct call has no room to route its frames, so the chart routes them and this table writes
 * them: `from` the sender's uid, `to` the recipient's connection id, stamped as a P2P relay. A
 * device on another node (Redis engine) is written to through its node (the connection owner's
 * sendToMember); the frames such a device sends come here as notices from its node.
 */
import type { AnyActorRef } from 'xstate';
import type { CallView, UserView } from '../../machines/connection.js';
import type { DirectCallContext, DirectCallEvent, DirectPartyEvent, DirectStep } from '../../machines/direct-call.js';
import {
  createDirectCallActor, provideDirectCallMachine, type DirectCallActor, type DirectCallOwner, type ProvidedDirectCallMachine,
} from '../actors/direct-call.js';
import type { CallFacts, Lifecycle } from '../admin/lifecycle.js';
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';
import type { CallIds, MessageBuilder } from '../protocol/build.js';
import { ErrorCode } from '../protocol/codes.js';
import { stamp } from '../protocol/relay-stamp.js';
import type { RelayEnvelope } from '../protocol/types.js';
import type { DeadlineClock } from '../timers/deadline-clock.js';
import type { Device } from '../users/directory.js';
import { countAnswered, countEnded } from './call-figures.js';
import { STEP_OF_ACTION, type CallBus, type DirectCallNotice } from './call-bus.js';
import type { HandedDirectCall } from './call-handover.js';
import { createActor, type Snapshot } from 'xstate';

export interface DirectCallsDeps {
  stats: Stats;
  builder: MessageBuilder;
  logger: Logger;
  /** A frame to a connection of this node, or to a device on any node. */
  send(connId: string, text: string): boolean;
  sendToDevice(device: Device, text: string): void;
  parent(): AnyActorRef;
  ringClock: DeadlineClock | null;
  lifecycle?: Pick<Lifecycle, 'callStarted' | 'callAnswered' | 'callEnded'>;
  /** Redis engine: the call bus to the nodes holding rung devices; null: one process. */
  bus: CallBus | null;
}

/** One direct call: what the connection chart reads (CallView with its devices), and the record. */
export interface DirectCall extends CallView {
  readonly sid: string;
  readonly caller: string;
  /** The view's callee is never read for a direct call (the chart pins in its own context). */
  readonly callee: '';
  /** Every device the propose rang (answered or retracted), minus those whose session ended. */
  readonly devices: Map<string, Device>;
  readonly callerUid: string;
  readonly calleeUid: string;
  readonly ids: CallIds;
  readonly proposedAt: number;
  acceptedAt: number;
  readonly actor: DirectCallActor;
  readonly mirror: false;
}

/** A direct call another node owns, rung on devices of this node (Redis engine): enough to answer
 * at the edge, forward its devices' frames to the owner, and end it for them if the owner's node dies. */
export interface DirectMirror extends CallView {
  readonly mirror: true;
  readonly sid: string;
  readonly caller: string;
  readonly callee: '';
  /** This node's devices the propose rang (whose session has not ended). */
  readonly devices: Set<string>;
  /** The owner's node (changes when the caller's session moves to another node). */
  owner: string;
  readonly ids: CallIds;
  /** A device here sent session-accept: the call is (about to be) active for it. */
  accepted: boolean;
}

type Known = DirectCall | DirectMirror;

const RING_TIMEOUT: DirectCallEvent = { type: 'ring.timeout' };
const OWNER_MOVED: DirectCallEvent = { type: 'owner.moved' };

export class DirectCalls implements DirectCallOwner {
  private readonly bySid = new Map<string, Known>();
  /** The direct calls each connection of this node is a party to (caller or rung device): its end ends them. */
  private readonly byConnection = new Map<string, Set<Known>>();
  private readonly machine: ProvidedDirectCallMachine;
  /** Resume across nodes: calls that moved on with their caller, sid → the new owner's node (for resume.forwardSec). */
  private readonly moved = new Map<string, string>();

  constructor(private readonly deps: DirectCallsDeps) {
    this.machine = provideDirectCallMachine(this);
  }

  get size(): number {
    return this.bySid.size;
  }

  /** Connections indexed as parties (callers, rung devices): none once every call is over. */
  get partyIndexSize(): number {
    return this.byConnection.size;
  }

  get(sid: string): Known | undefined {
    return this.bySid.get(sid);
  }

  /** The call of a sid this node owns (not a mirror). */
  private owned(sid: string): DirectCall | undefined {
    const call = this.bySid.get(sid);
    return call === undefined || call.mirror ? undefined : call;
  }

  /** Direct calls a connection placed and that are not over (users.maxDirectCallsPerConnection). */
  placedBy(connId: string): number {
    let n = 0;
    for (const call of this.byConnection.get(connId) ?? []) if (!call.mirror && call.caller === connId) n++;
    return n;
  }

  /** The ring timeout of a direct call (the owner's shared ring clock holds sids of both kinds). */
  ringTimeout(sid: string): boolean {
    const call = this.owned(sid);
    call?.actor.send(RING_TIMEOUT);
    return call !== undefined;
  }

  /**
   * A propose to a uid with reachable devices: the call starts and the propose rings every device.
   * A propose without a string sid (or with a sid already known) is forked without a call.
   */
  propose(callerId: string, callerUid: string, user: UserView, msg: RelayEnvelope, sidTaken = false): void {
    const j = msg.jsongle;
    const sid = j.sid;
    this.deps.stats.countDirectRelay(j.action);
    msg.from = callerUid;
    if (typeof sid !== 'string' || sidTaken || this.bySid.has(sid)) {
      for (const device of user.devices) this.write(device, msg);
      return;
    }
    const devices = new Map<string, Device>();
    for (const d of user.devices) devices.set(d.id, d);
    const call: DirectCall = {
      sid, caller: callerId, callee: '', devices, callerUid, calleeUid: user.uid,
      ids: { sid, initiator: j.initiator, responder: j.responder }, proposedAt: Date.now(), acceptedAt: 0, mirror: false,
      actor: createDirectCallActor(this.machine, { sid, caller: callerId, ringing: devices.size }, this.deps.parent()),
    };
    this.bySid.set(sid, call);
    this.index(callerId, call);
    for (const d of devices.values()) if (d.node === undefined) this.index(d.id, call);
    // Each node holding rung devices gets the call's mirror before the propose (one ordered connection).
    const bus = this.deps.bus;
    if (bus !== null) {
      for (const [node, ids] of nodesOf(devices)) {
        bus.tell(node, { t: 'do', sid, caller: callerId, owner: bus.nodeId, devices: ids, initiator: j.initiator, responder: j.responder });
      }
    }
    call.actor.start();
    for (const device of devices.values()) this.write(device, msg);
    this.deps.lifecycle?.callStarted?.(factsOf(call));
  }

  /** A party's frame (the caller's, or a rung device's): the chart routes it. */
  step(call: Known, from: string, msg: RelayEnvelope): void {
    const j = msg.jsongle;
    this.deps.stats.countDirectRelay(j.action);
    if (call.mirror) {
      // A device here: the owner's chart decides (its node writes any refusal back through this node).
      if (j.action === 'session-accept') call.accepted = true;
      this.deps.bus?.tell(call.owner, { t: 'df', sid: call.sid, from, m: msg });
      return;
    }
    const type: DirectStep = j.action === 'session-info' && j.reason === 'ringing' ? 'party.ringing' : STEP_OF_ACTION[j.action] ?? 'party.other';
    const byCaller = from === call.caller;
    call.actor.send({ type, by: byCaller ? 'caller' : 'device', device: byCaller ? '' : from, frame: msg });
  }

  /** A connection's session ended: the calls it is a party to hear it. */
  connectionGone(connId: string): void {
    const calls = this.byConnection.get(connId);
    if (calls === undefined) return;
    for (const call of [...calls]) {
      if (call.mirror) {
        this.unindex(connId, call);
        call.devices.delete(connId);
        this.deps.bus?.tell(call.owner, { t: 'dg', sid: call.sid, device: connId });
        if (call.devices.size === 0) this.forget(call);
        continue;
      }
      const byCaller = connId === call.caller;
      if (!byCaller) {
        // Out of the call's devices, so the call's end would not unindex it: unindexed here.
        call.devices.delete(connId);
        this.unindex(connId, call);
      }
      call.actor.send({ type: 'party.gone', by: byCaller ? 'caller' : 'device', device: byCaller ? '' : connId });
    }
  }

  // --- DirectCallOwner: what the chart's actions ask ---

  startRinging(sid: string): void {
    this.deps.ringClock?.add(sid);
  }

  stopRinging(sid: string): void {
    this.deps.ringClock?.remove(sid);
  }

  relayToCaller(context: DirectCallContext, e: DirectPartyEvent): void {
    const call = this.owned(context.sid);
    if (call === undefined) return;
    const msg = stampedFrom(e, call.calleeUid);
    msg.to = call.caller;
    this.deps.send(call.caller, JSON.stringify(msg));
  }

  relayToCallee(context: DirectCallContext, e: DirectPartyEvent): void {
    const call = this.owned(context.sid);
    const device = call?.devices.get(context.callee);
    if (call === undefined || device === undefined) return;
    this.write(device, stampedFrom(e, call.callerUid));
  }

  relayToRingingDevices(context: DirectCallContext, e: DirectPartyEvent): void {
    const call = this.owned(context.sid);
    if (call === undefined) return;
    const msg = stampedFrom(e, call.callerUid);
    for (const device of call.devices.values()) this.write(device, msg);
  }

  retractOtherDevices(context: DirectCallContext, reason: 'answered-elsewhere' | 'declined-elsewhere'): void {
    const call = this.owned(context.sid);
    if (call === undefined) return;
    for (const device of call.devices.values()) {
      if (device.id !== context.callee) this.deps.sendToDevice(device, this.deps.builder.callRetract(device.id, call.ids, reason));
    }
  }

  refuse(context: DirectCallContext, e: DirectPartyEvent, why: 'late' | 'stranger'): void {
    const call = this.owned(context.sid);
    const device = call?.devices.get(e.device);
    if (device === undefined) return;
    const code = why === 'late' ? ErrorCode.AnsweredElsewhere : ErrorCode.NotCallParty;
    this.deps.stats.countError(code);
    this.deps.sendToDevice(device, this.deps.builder.sessionError(device.id, code, context.sid));
  }

  tellCallerUnreachable(context: DirectCallContext, why: 'gone' | 'timeout'): void {
    const call = this.owned(context.sid);
    if (call !== undefined) this.deps.send(call.caller, this.deps.builder.callUnreachable(call.caller, call.ids, why));
  }

  tellCalleeUnreachable(context: DirectCallContext, why: 'gone'): void {
    const call = this.owned(context.sid);
    const device = call?.devices.get(context.callee);
    if (call !== undefined && device !== undefined) this.deps.sendToDevice(device, this.deps.builder.callUnreachable(device.id, call.ids, why));
  }

  retractForCallee(context: DirectCallContext, why: 'gone'): void {
    const call = this.owned(context.sid);
    const device = call?.devices.get(context.callee);
    if (call !== undefined && device !== undefined) this.deps.sendToDevice(device, this.deps.builder.callRetract(device.id, call.ids, why));
  }

  retractRingingDevices(context: DirectCallContext, why: 'gone' | 'timeout'): void {
    const call = this.owned(context.sid);
    if (call === undefined) return;
    for (const device of call.devices.values()) this.deps.sendToDevice(device, this.deps.builder.callRetract(device.id, call.ids, why));
  }

  activated(context: DirectCallContext): void {
    const call = this.owned(context.sid);
    if (call === undefined) return;
    call.acceptedAt = Date.now();
    countAnswered(this.deps.stats, factsOf(call, context.callee), this.deps.lifecycle);
  }

  deactivated(_sid: string): void {
    this.deps.stats.callsInProgress--;
  }

  /** The call reached `ended`: count it, write its call-detail record, forget it. */
  ended(context: DirectCallContext): void {
    const call = this.owned(context.sid);
    if (call === undefined) return;
    this.forget(call);
    const bus = this.deps.bus;
    // The mirrors go with the call (after any retract or ending this call wrote: same ordered connection).
    if (bus !== null) for (const node of nodesOf(call.devices).keys()) bus.tell(node, { t: 'de', sid: call.sid });
    countEnded(this.deps, factsOf(call, context.callee), { reason: context.reason ?? 'terminate', endedBy: context.endedBy });
  }

  /** Calls whose actor failed (a bug in an action): logged and forgotten. */
  forgetFailed(): void {
    for (const call of [...this.bySid.values()]) {
      if (call.mirror || call.actor.getSnapshot().status !== 'error') continue;
      this.deps.logger.error('direct call actor failed', { sid: call.sid });
      this.deps.ringClock?.remove(call.sid);
      this.forget(call);
    }
  }

  clear(): void {
    this.bySid.clear();
    this.byConnection.clear();
  }

  /** One copy of a frame to one device: `to` its connection id. */
  private write(device: Device, msg: RelayEnvelope): void {
    msg.to = device.id;
    this.deps.sendToDevice(device, JSON.stringify(msg));
  }

  // --- Redis engine: what the other nodes' call owners say ---

  onNotice(n: DirectCallNotice): void {
    const known = this.bySid.get(n.sid);
    // A device's frame or departure for a call that moved on with its caller: to its new owner.
    const movedTo = known === undefined && (n.t === 'df' || n.t === 'dg') ? this.moved.get(n.sid) : undefined;
    if (movedTo !== undefined) {
      this.deps.bus?.tell(movedTo, n);
      return;
    }
    switch (n.t) {
      case 'do': {
        if (known !== undefined) return;
        const mirror: DirectMirror = {
          mirror: true, sid: n.sid, caller: n.caller, callee: '', devices: new Set(n.devices), owner: n.owner,
          ids: { sid: n.sid, initiator: n.initiator, responder: n.responder }, accepted: false,
        };
        this.bySid.set(n.sid, mirror);
        for (const id of n.devices) this.index(id, mirror);
        return;
      }
      case 'df':
        // A device of another node: the owner's chart routes its frame (a stranger's is refused there).
        if (known !== undefined && !known.mirror && known.devices.has(n.from)) this.step(known, n.from, n.m as RelayEnvelope);
        return;
      case 'dg':
        if (known !== undefined && !known.mirror && known.devices.delete(n.device)) {
          known.actor.send({ type: 'party.gone', by: 'device', device: n.device });
        }
        return;
      case 'de':
        if (known?.mirror === true) this.forget(known);
        return;
      case 'dw':
        if (known?.mirror === true) known.owner = n.owner;
        return;
      case 'dn': {
        if (known === undefined || known.mirror || !known.devices.has(n.device)) return;
        const here = n.node === this.deps.bus?.nodeId;
        known.devices.set(n.device, here ? { id: n.device } : { id: n.device, node: n.node });
        if (here) this.index(n.device, known);
        return;
      }
    }
  }

  // --- Resume across nodes (src/calls/call-handover.ts): a party's session moves to node `to` ---

  /** Old node: the direct calls of a connection that moves, as they travel (see HandedDirectCall). */
  handOut(connId: string, to: string, forwardMs: number): HandedDirectCall[] {
    const out: HandedDirectCall[] = [];
    const self = this.deps.bus?.nodeId ?? '';
    for (const call of [...(this.byConnection.get(connId) ?? [])]) {
      if (call.mirror) {
        // A device of a call another node owns: the new node keeps its mirror, the owner learns where it is.
        out.push({ k: 'directMirror', sid: call.sid, caller: call.caller, owner: call.owner, device: connId, ids: call.ids, accepted: call.accepted });
        this.unindex(connId, call);
        call.devices.delete(connId);
        if (call.devices.size === 0) this.forget(call);
        this.deps.bus?.tell(call.owner, { t: 'dn', sid: call.sid, device: connId, node: to });
      } else if (call.caller === connId) {
        const pinned = call.actor.getSnapshot().context.callee;
        out.push({
          k: 'directOwned', sid: call.sid, caller: call.caller, callerUid: call.callerUid, calleeUid: call.calleeUid,
          devices: [...call.devices.values()].map((d) => ({ id: d.id, node: d.node ?? self })),
          ids: call.ids, proposedAt: call.proposedAt, acceptedAt: call.acceptedAt, snapshot: call.actor.getPersistedSnapshot(),
        });
        // Its state's exit actions run (the ring clock stops, `active` uncounts here: the new owner
        // counts it again); it ends as `movedAway`, reporting nothing.
        this.forget(call);
        call.actor.send(OWNER_MOVED);
        this.moved.set(call.sid, to);
        setTimeout(() => { if (this.moved.get(call.sid) === to) this.moved.delete(call.sid); }, forwardMs).unref();
        // Its devices here: this node keeps the call's mirror for them, owned by the new node.
        const local = [...call.devices.values()].filter((d) => d.node === undefined).map((d) => d.id);
        if (local.length > 0) {
          const mirror: DirectMirror = {
            mirror: true, sid: call.sid, caller: call.caller, callee: '', devices: new Set(local), owner: to, ids: call.ids,
            accepted: call.acceptedAt > 0 && local.includes(pinned),
          };
          this.bySid.set(call.sid, mirror);
          for (const id of local) this.index(id, mirror);
        }
      } else {
        // A device of a call owned here: the call stays, the device is on node `to` now.
        call.devices.set(connId, { id: connId, node: to });
        this.unindex(connId, call);
        const accepted = call.acceptedAt > 0 && call.actor.getSnapshot().context.callee === connId;
        out.push({ k: 'directMirror', sid: call.sid, caller: call.caller, owner: self, device: connId, ids: call.ids, accepted });
      }
    }
    return out;
  }

  /** New node: a direct call of a connection handed over here. */
  adopt(connId: string, h: HandedDirectCall): void {
    const self = this.deps.bus?.nodeId ?? '';
    const known = this.bySid.get(h.sid);
    if (h.k === 'directMirror') {
      if (h.owner === self) {
        // The owner is here: the device is local again.
        if (known !== undefined && !known.mirror && known.devices.has(connId)) {
          known.devices.set(connId, { id: connId });
          this.index(connId, known);
        }
        return;
      }
      if (known !== undefined && !known.mirror) return;
      const mirror: DirectMirror = known ?? {
        mirror: true, sid: h.sid, caller: h.caller, callee: '', devices: new Set(), owner: h.owner, ids: h.ids, accepted: false,
      };
      mirror.devices.add(connId);
      if (h.accepted) mirror.accepted = true;
      this.bySid.set(h.sid, mirror);
      this.index(connId, mirror);
      return;
    }
    // The caller moved here: this node owns the call now (a mirror it kept for local devices folds into it).
    if (known !== undefined) this.forget(known);
    const devices = new Map<string, Device>();
    for (const d of h.devices) devices.set(d.id, d.node === self ? { id: d.id } : { id: d.id, node: d.node });
    const call: DirectCall = {
      sid: h.sid, caller: h.caller, callee: '', devices, callerUid: h.callerUid, calleeUid: h.calleeUid, ids: h.ids,
      proposedAt: h.proposedAt, acceptedAt: h.acceptedAt, mirror: false,
      actor: createActor(this.machine, {
        id: 'directCall', input: { sid: h.sid, caller: h.caller, ringing: devices.size }, snapshot: h.snapshot as Snapshot<unknown>, parent: this.deps.parent(),
      }) as DirectCallActor,
    };
    this.bySid.set(h.sid, call);
    this.index(h.caller, call);
    for (const d of devices.values()) if (d.node === undefined) this.index(d.id, call);
    call.actor.start();
    const state = call.actor.getSnapshot();
    if (state.matches({ answered: 'active' })) this.deps.stats.callsInProgress++;
    else if (state.matches('starting')) this.deps.ringClock?.add(call.sid);
    const bus = this.deps.bus;
    if (bus !== null) for (const node of nodesOf(devices).keys()) bus.tell(node, { t: 'dw', sid: h.sid, owner: self });
  }

  /**
   * A node is gone. Calls owned here: its devices are gone (each heard by the chart). Mirrors of
   * calls it owned: this node ends them for its devices, in the form their library accepts.
   */
  nodeGone(node: string): void {
    for (const call of [...this.bySid.values()]) {
      if (!call.mirror) {
        for (const device of [...call.devices.values()]) {
          if (device.node !== node || !call.devices.delete(device.id)) continue;
          call.actor.send({ type: 'party.gone', by: 'device', device: device.id });
        }
        continue;
      }
      if (call.owner !== node) continue;
      this.forget(call);
      const { builder } = this.deps;
      for (const id of call.devices) {
        this.deps.send(id, call.accepted ? builder.callUnreachable(id, call.ids, 'gone') : builder.callRetract(id, call.ids, 'gone'));
      }
    }
  }

  private index(connId: string, call: Known): void {
    let calls = this.byConnection.get(connId);
    if (calls === undefined) this.byConnection.set(connId, (calls = new Set()));
    calls.add(call);
  }

  private unindex(connId: string, call: Known): void {
    const calls = this.byConnection.get(connId);
    calls?.delete(call);
    if (calls?.size === 0) this.byConnection.delete(connId);
  }

  private forget(call: Known): void {
    this.bySid.delete(call.sid);
    if (!call.mirror) this.unindex(call.caller, call);
    for (const connId of call.devices.keys()) this.unindex(connId, call);
  }
}

/** A party's frame as the chart routes it: stamped as a P2P relay, `from` the sender's uid. */
function stampedFrom(e: DirectPartyEvent, uid: string): RelayEnvelope {
  const msg = e.frame as RelayEnvelope;
  stamp(msg);
  msg.from = uid;
  return msg;
}

/** The devices held by other nodes, by node. */
function nodesOf(devices: Map<string, Device>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of devices.values()) {
    if (d.node === undefined) continue;
    const ids = out.get(d.node);
    if (ids === undefined) out.set(d.node, [d.id]);
    else ids.push(d.id);
  }
  return out;
}

/** What the lifecycle hooks report of a direct call (a copy); the callee is the pinned device once there is one. */
function factsOf(call: DirectCall, pinned = ''): CallFacts {
  return {
    sid: call.sid, rid: null, caller: { id: call.caller, uid: call.callerUid }, callee: { id: pinned, uid: call.calleeUid },
    proposedAt: call.proposedAt, acceptedAt: call.acceptedAt,
  };
}
