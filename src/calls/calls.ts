/**
 * The one owner of calls: sid → call actor. Call actors are created, looked up and forgotten only
 * here. A call is between two parties (connection ids); today both sit in one P2P room of two, but
 * nothing here needs the room beyond its id, so a direct call (keyed by sid, no room) fits the same
 * record later.
 *
 * The owner turns the call actions the connection actors relay into the call chart's `party.*`
 * events (prebuilt, no allocation), and does what the chart's actions ask: the ring clock, the
 * server-made endings (written through the connection owner), the metrics and the call-detail log.
 */
import type { AnyActorRef } from 'xstate';
import type { CallContext, CallEvent, Side } from '../../machines/call.js';
import type { CallView, RoomView } from '../../machines/connection.js';
import { createCallActor, provideCallMachine, type CallActor, type CallOwner, type ProvidedCallMachine } from '../actors/call.js';
import { HelloClock } from '../connections/hello-clock.js';
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';
import type { CallIds, MessageBuilder } from '../protocol/build.js';
import type { Jsongle } from '../protocol/types.js';
import type { Member, Room } from '../rooms/room.js';
import type { CallFacts, Lifecycle } from '../admin/lifecycle.js';

export interface CallsDeps {
  stats: Stats;
  builder: MessageBuilder;
  logger: Logger;
  /** One frame to one connection of this process (the connection owner's send). */
  send(connId: string, text: string): boolean;
  /** calls.ringTimeoutSec in ms; 0: no ring timeout. */
  ringTimeoutMs: number;
  /** The actor the call actors are created under (the supervisor: one actor system). */
  parent(): AnyActorRef;
  /** Lifecycle hooks (admin call index, webhooks): started, answered, ended. */
  lifecycle?: Pick<Lifecycle, 'callStarted' | 'callAnswered' | 'callEnded'>;
}

/** One call: what the chart's guards read (CallView), plus what the owner needs to end and report it. */
interface Call extends CallView {
  readonly rid: string;
  readonly callerUid: string;
  readonly calleeUid: string;
  /** The propose's identifiers, as sent: server-made endings copy them. */
  readonly ids: CallIds;
  readonly proposedAt: number;
  acceptedAt: number;
  readonly actor: CallActor;
}

/** Each call action that can move a call, as the event its sender side makes (built once). */
const partyEvents = (type: Exclude<CallEvent['type'], 'ring.timeout'>): Record<Side, CallEvent> =>
  ({ caller: { type, by: 'caller' }, callee: { type, by: 'callee' } });
const STEP: Record<string, Record<Side, CallEvent>> = Object.assign(Object.create(null) as Record<string, Record<Side, CallEvent>>, {
  'session-proceed': partyEvents('party.proceed'),
  'session-decline': partyEvents('party.decline'),
  'session-retract': partyEvents('party.retract'),
  'session-initiate': partyEvents('party.initiate'),
  'session-accept': partyEvents('party.accept'),
  'session-terminate': partyEvents('party.terminate'),
});
const RINGING = partyEvents('party.ringing');
const GONE = partyEvents('party.gone');
const RING_TIMEOUT: CallEvent = { type: 'ring.timeout' };

export class Calls implements CallOwner {
  private readonly bySid = new Map<string, Call>();
  /** The live call of each P2P room (a second propose there is glare). */
  private readonly byRoom = new Map<string, Call>();
  /** The calls each connection is a party to: its departure ends them. */
  private readonly byConnection = new Map<string, Set<Call>>();
  private readonly ringClock: HelloClock | null;
  private readonly machine: ProvidedCallMachine;

  constructor(private readonly deps: CallsDeps) {
    // The hello clock's design (one interval, deadlines in insertion order, all the same length):
    // no XState `after` timer, whose scheduler entries every actor stop would scan.
    this.ringClock = deps.ringTimeoutMs > 0 ? new HelloClock(deps.ringTimeoutMs, (sid) => this.bySid.get(sid)?.actor.send(RING_TIMEOUT)) : null;
    this.machine = provideCallMachine(this);
  }

  get size(): number {
    return this.bySid.size;
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
  }

  // --- Lookups at the edge (src/protocol/classify.ts): one map read per call action ---

  /** The call a call action names by its sid. */
  ofSid(sid: unknown): CallView | undefined {
    return typeof sid === 'string' ? this.bySid.get(sid) : undefined;
  }

  /** For a propose: the call of its sid, else the live call of the P2P room it is sent to (glare). */
  forPropose(sid: unknown, room: RoomView | undefined): CallView | undefined {
    const call = typeof sid === 'string' ? this.bySid.get(sid) : undefined;
    if (call !== undefined || room === undefined || room.kind !== 'room') return call;
    return this.byRoom.get(room.rid);
  }

  // --- From the connection actors ---

  /** A propose was relayed to the peer of a P2P room of two: the call starts. A known sid (the
   * caller proposing again) or a propose without a string sid starts nothing. */
  propose(callerId: string, callerUid: string, room: Room, j: Jsongle): void {
    const sid = j.sid;
    if (typeof sid !== 'string' || this.bySid.has(sid)) return;
    let callee: Member | undefined;
    for (const m of room.members.values()) if (m.id !== callerId) callee = m;
    // A callee held by another node (Redis engine): its actions never pass through this node's
    // owner, so a call actor here would time out an answered call. Such calls stay plain relays.
    if (callee === undefined || callee.node !== undefined) return;
    const call: Call = {
      sid, rid: room.rid, caller: callerId, callee: callee.id,
      callerUid, calleeUid: callee.profile.uid,
      ids: { sid, initiator: j.initiator, responder: j.responder },
      proposedAt: Date.now(), acceptedAt: 0,
      actor: createCallActor(this.machine, { sid, rid: room.rid, caller: callerId, callee: callee.id }, this.deps.parent()),
    };
    this.bySid.set(sid, call);
    this.byRoom.set(room.rid, call);
    this.index(callerId, call);
    this.index(callee.id, call);
    call.actor.start();
    this.deps.lifecycle?.callStarted?.(factsOf(call));
  }

  /** A party's call action, relayed: the event it makes, if it moves the call. transport-info and
   * session-info other than `ringing` move nothing and never wake the call actor. */
  step(view: CallView | undefined, from: string, j: Jsongle): void {
    if (view === undefined) return;
    const events = j.action === 'session-info' ? (j.reason === 'ringing' ? RINGING : undefined) : STEP[j.action];
    if (events !== undefined) (view as Call).actor.send(events[from === view.caller ? 'caller' : 'callee']);
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
      if (call.rid === rid) call.actor.send(GONE[connId === call.caller ? 'caller' : 'callee']);
    }
  }

  // --- CallOwner: what the call chart's actions ask ---

  startRinging(sid: string): void {
    this.ringClock?.add(sid);
  }

  stopRinging(sid: string): void {
    this.ringClock?.remove(sid);
  }

  tellUnreachable(sid: string, to: Side, condition: 'gone' | 'timeout'): void {
    const call = this.bySid.get(sid);
    if (call !== undefined) this.deps.send(call[to], this.deps.builder.callUnreachable(call[to], call.ids, condition));
  }

  retract(sid: string, to: Side, reason: 'gone' | 'timeout'): void {
    const call = this.bySid.get(sid);
    if (call !== undefined) this.deps.send(call[to], this.deps.builder.callRetract(call[to], call.ids, reason));
  }

  activated(sid: string): void {
    const call = this.bySid.get(sid);
    if (call === undefined) return;
    const { stats } = this.deps;
    call.acceptedAt = Date.now();
    stats.callsInProgress++;
    stats.callsAccepted++;
    stats.callSetupSeconds.observe((call.acceptedAt - call.proposedAt) / 1000);
    this.deps.lifecycle?.callAnswered?.(factsOf(call));
  }

  /** Calls whose actor failed (a bug in an action): logged and forgotten, so no map keeps them. */
  forgetFailed(): void {
    for (const call of [...this.bySid.values()]) {
      if (call.actor.getSnapshot().status !== 'error') continue;
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
    const call = this.bySid.get(context.sid);
    if (call === undefined) return;
    this.forget(call);
    const { stats, logger } = this.deps;
    const now = Date.now();
    const reason = context.reason ?? 'terminate';
    stats.countCallEnded(reason);
    const durationSec = call.acceptedAt > 0 ? (now - call.acceptedAt) / 1000 : 0;
    if (call.acceptedAt > 0) stats.callDurationSeconds.observe(durationSec);
    // The call-detail record: identifiers and times only (no SDP, no display names).
    logger.info('call ended', {
      sid: call.sid, rid: call.rid, callerUid: call.callerUid, calleeUid: call.calleeUid,
      setupMs: call.acceptedAt > 0 ? call.acceptedAt - call.proposedAt : null,
      durationSec, reason, endedBy: context.endedBy,
    });
    this.deps.lifecycle?.callEnded?.(factsOf(call), {
      reason, endedBy: context.endedBy, setupMs: call.acceptedAt > 0 ? call.acceptedAt - call.proposedAt : null, durationSec,
    });
  }

  private index(connId: string, call: Call): void {
    let calls = this.byConnection.get(connId);
    if (calls === undefined) this.byConnection.set(connId, (calls = new Set()));
    calls.add(call);
  }

  private forget(call: Call): void {
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
