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
}

/** The chart event each call action makes; the rest (transport-info, session-info…) is `party.other`. */
const STEP_OF: Record<string, DirectStep> = Object.assign(Object.create(null) as Record<string, DirectStep>, {
  'session-proceed': 'party.proceed',
  'session-decline': 'party.decline',
  'session-retract': 'party.retract',
  'session-initiate': 'party.initiate',
  'session-accept': 'party.accept',
  'session-terminate': 'party.terminate',
});
const RING_TIMEOUT: DirectCallEvent = { type: 'ring.timeout' };

export class DirectCalls implements DirectCallOwner {
  private readonly bySid = new Map<string, DirectCall>();
  /** The direct calls each connection of this node is a party to (caller or rung device): its end ends them. */
  private readonly byConnection = new Map<string, Set<DirectCall>>();
  private readonly machine: ProvidedDirectCallMachine;

  constructor(private readonly deps: DirectCallsDeps) {
    this.machine = provideDirectCallMachine(this);
  }

  get size(): number {
    return this.bySid.size;
  }

  get(sid: string): DirectCall | undefined {
    return this.bySid.get(sid);
  }

  /** Direct calls a connection placed and that are not over (users.maxDirectCallsPerConnection). */
  placedBy(connId: string): number {
    let n = 0;
    for (const call of this.byConnection.get(connId) ?? []) if (call.caller === connId) n++;
    return n;
  }

  /** The ring timeout of a direct call (the owner's shared ring clock holds sids of both kinds). */
  ringTimeout(sid: string): boolean {
    const call = this.bySid.get(sid);
    call?.actor.send(RING_TIMEOUT);
    return call !== undefined;
  }

  /**
   * A propose to a uid with reachable devices: the call starts and the propose rings every device.
   * A propose without a string sid (or with a sid already known) is forked without a call.
   */
  propose(callerId: string, callerUid: string, user: UserView, msg: RelayEnvelope): void {
    const j = msg.jsongle;
    const sid = j.sid;
    this.deps.stats.countDirectRelay(j.action);
    msg.from = callerUid;
    if (typeof sid !== 'string' || this.bySid.has(sid)) {
      for (const device of user.devices) this.write(device, msg);
      return;
    }
    const devices = new Map<string, Device>();
    for (const d of user.devices) devices.set(d.id, d);
    const call: DirectCall = {
      sid, caller: callerId, callee: '', devices, callerUid, calleeUid: user.uid,
      ids: { sid, initiator: j.initiator, responder: j.responder }, proposedAt: Date.now(), acceptedAt: 0,
      actor: createDirectCallActor(this.machine, { sid, caller: callerId, ringing: devices.size }, this.deps.parent()),
    };
    this.bySid.set(sid, call);
    this.index(callerId, call);
    for (const d of devices.values()) if (d.node === undefined) this.index(d.id, call);
    call.actor.start();
    for (const device of devices.values()) this.write(device, msg);
    this.deps.lifecycle?.callStarted?.(factsOf(call));
  }

  /** A party's frame (the caller's, or a rung device's): the chart routes it. */
  step(call: DirectCall, from: string, msg: RelayEnvelope): void {
    const j = msg.jsongle;
    this.deps.stats.countDirectRelay(j.action);
    const type: DirectStep = j.action === 'session-info' && j.reason === 'ringing' ? 'party.ringing' : STEP_OF[j.action] ?? 'party.other';
    const byCaller = from === call.caller;
    call.actor.send({ type, by: byCaller ? 'caller' : 'device', device: byCaller ? '' : from, frame: msg });
  }

  /** A connection's session ended: the calls it is a party to hear it. */
  connectionGone(connId: string): void {
    const calls = this.byConnection.get(connId);
    if (calls === undefined) return;
    for (const call of [...calls]) {
      const byCaller = connId === call.caller;
      if (!byCaller) call.devices.delete(connId);
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
    const call = this.bySid.get(context.sid);
    if (call === undefined) return;
    const msg = e.frame as RelayEnvelope;
    stamp(msg);
    msg.from = call.calleeUid;
    msg.to = call.caller;
    this.deps.send(call.caller, JSON.stringify(msg));
  }

  relayToCallee(context: DirectCallContext, e: DirectPartyEvent): void {
    const call = this.bySid.get(context.sid);
    const device = call?.devices.get(context.callee);
    if (call === undefined || device === undefined) return;
    const msg = e.frame as RelayEnvelope;
    stamp(msg);
    msg.from = call.callerUid;
    this.write(device, msg);
  }

  relayToRingingDevices(context: DirectCallContext, e: DirectPartyEvent): void {
    const call = this.bySid.get(context.sid);
    if (call === undefined) return;
    const msg = e.frame as RelayEnvelope;
    stamp(msg);
    msg.from = call.callerUid;
    for (const device of call.devices.values()) this.write(device, msg);
  }

  retractOtherDevices(context: DirectCallContext, reason: 'answered-elsewhere' | 'declined-elsewhere'): void {
    const call = this.bySid.get(context.sid);
    if (call === undefined) return;
    for (const device of call.devices.values()) {
      if (device.id !== context.callee) this.deps.sendToDevice(device, this.deps.builder.callRetract(device.id, call.ids, reason));
    }
  }

  refuse(context: DirectCallContext, e: DirectPartyEvent, why: 'late' | 'stranger'): void {
    const call = this.bySid.get(context.sid);
    const device = call?.devices.get(e.device);
    if (device === undefined) return;
    const code = why === 'late' ? ErrorCode.AnsweredElsewhere : ErrorCode.NotCallParty;
    this.deps.stats.countError(code);
    this.deps.sendToDevice(device, this.deps.builder.sessionError(device.id, code, context.sid));
  }

  tellCallerUnreachable(context: DirectCallContext, why: 'gone' | 'timeout'): void {
    const call = this.bySid.get(context.sid);
    if (call !== undefined) this.deps.send(call.caller, this.deps.builder.callUnreachable(call.caller, call.ids, why));
  }

  tellCalleeUnreachable(context: DirectCallContext, why: 'gone'): void {
    const call = this.bySid.get(context.sid);
    const device = call?.devices.get(context.callee);
    if (call !== undefined && device !== undefined) this.deps.sendToDevice(device, this.deps.builder.callUnreachable(device.id, call.ids, why));
  }

  retractForCallee(context: DirectCallContext, why: 'gone'): void {
    const call = this.bySid.get(context.sid);
    const device = call?.devices.get(context.callee);
    if (call !== undefined && device !== undefined) this.deps.sendToDevice(device, this.deps.builder.callRetract(device.id, call.ids, why));
  }

  retractRingingDevices(context: DirectCallContext, why: 'gone' | 'timeout'): void {
    const call = this.bySid.get(context.sid);
    if (call === undefined) return;
    for (const device of call.devices.values()) this.deps.sendToDevice(device, this.deps.builder.callRetract(device.id, call.ids, why));
  }

  activated(context: DirectCallContext): void {
    const call = this.bySid.get(context.sid);
    if (call === undefined) return;
    const { stats } = this.deps;
    call.acceptedAt = Date.now();
    stats.callsInProgress++;
    stats.callsAccepted++;
    stats.callSetupSeconds.observe((call.acceptedAt - call.proposedAt) / 1000);
    this.deps.lifecycle?.callAnswered?.(factsOf(call, context.callee));
  }

  deactivated(_sid: string): void {
    this.deps.stats.callsInProgress--;
  }

  /** The call reached `ended`: count it, write its call-detail record, forget it. */
  ended(context: DirectCallContext): void {
    const call = this.bySid.get(context.sid);
    if (call === undefined) return;
    this.forget(call);
    const { stats, logger } = this.deps;
    const reason = context.reason ?? 'terminate';
    stats.countCallEnded(reason);
    const durationSec = call.acceptedAt > 0 ? (Date.now() - call.acceptedAt) / 1000 : 0;
    if (call.acceptedAt > 0) stats.callDurationSeconds.observe(durationSec);
    const setupMs = call.acceptedAt > 0 ? call.acceptedAt - call.proposedAt : null;
    // The call-detail record: identifiers and times only (no SDP, no display names).
    logger.info('call ended', {
      sid: call.sid, direct: true, callerUid: call.callerUid, calleeUid: call.calleeUid, setupMs, durationSec, reason, endedBy: context.endedBy,
    });
    this.deps.lifecycle?.callEnded?.(factsOf(call, context.callee), { reason, endedBy: context.endedBy, setupMs, durationSec });
  }

  /** Calls whose actor failed (a bug in an action): logged and forgotten. */
  forgetFailed(): void {
    for (const call of [...this.bySid.values()]) {
      if (call.actor.getSnapshot().status !== 'error') continue;
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

  private index(connId: string, call: DirectCall): void {
    let calls = this.byConnection.get(connId);
    if (calls === undefined) this.byConnection.set(connId, (calls = new Set()));
    calls.add(call);
  }

  private forget(call: DirectCall): void {
    this.bySid.delete(call.sid);
    for (const connId of [call.caller, ...call.devices.keys()]) {
      const calls = this.byConnection.get(connId);
      calls?.delete(call);
      if (calls?.size === 0) this.byConnection.delete(connId);
    }
  }
}

/** What the lifecycle hooks report of a direct call (a copy); the callee is the pinned device once there is one. */
function factsOf(call: DirectCall, pinned = ''): CallFacts {
  return {
    sid: call.sid, rid: null, caller: { id: call.caller, uid: call.callerUid }, callee: { id: pinned, uid: call.calleeUid },
    proposedAt: call.proposedAt, acceptedAt: call.acceptedAt,
  };
}
