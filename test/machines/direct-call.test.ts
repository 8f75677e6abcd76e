/**
 * The direct-call chart (machines/direct-call.ts): one actor per call to a uid, forked to every
 * device of it, pinned to the first device that proceeds, accepts or declines.
 *
 * First as a pure transition table (xstate's `transition`): each row is (state, context, event) →
 * (next state, action types in order, the pinned device, the devices still ringing, the reason and who
 * ended it). Nothing runs: the actions are returned. `assign` actions (pinDevice, dropRingingDevice,
 * endAs) never appear in that list, so rows check their effect on the context instead. Exit actions
 * come before a transition's own, entry actions after (stopRingClock leaving `starting`,
 * recordInactive leaving `active`, reportEnded entering `ended`).
 *
 * Then as real actors with `.provide()` stubs that record each action's name and params: a fork to
 * three devices and the pin, a decline, the ringing devices going one by one.
 *
 * Devices: c5, c6, c7 are the callee's connections; '' is the caller's `device` (the chart routes on `by`).
 */
import { expect } from 'chai';
import { createActor, initialTransition, transition, type StateValue } from 'xstate';
import {
  directCallMachine,
  type DirectCallContext,
  type DirectCallEvent,
  type DirectStep,
} from '../../machines/direct-call.js';

const INPUT = { sid: 's1', caller: 'c1', ringing: 3 };

const fromCaller = (type: DirectStep): DirectCallEvent => ({ type, by: 'caller', device: '', frame: { action: type } });
const fromDevice = (type: DirectStep, device: string): DirectCallEvent => ({ type, by: 'device', device, frame: { action: type } });
const callerGone: DirectCallEvent = { type: 'party.gone', by: 'caller', device: '' };
const deviceGone = (device: string): DirectCallEvent => ({ type: 'party.gone', by: 'device', device });
const timeout: DirectCallEvent = { type: 'ring.timeout' };

const PROPOSED: StateValue = { starting: 'proposed' };
const RINGING: StateValue = { starting: 'ringing' };
const PROCEEDED: StateValue = { answered: { pending: 'proceeded' } };
const INITIATED: StateValue = { answered: { pending: 'initiated' } };
const ACTIVE: StateValue = { answered: 'active' };

/** A snapshot in `value`: before the pin every device rings; after it, c5 is pinned. */
function snapshotIn(value: StateValue, ringing = 3) {
  const pinned = typeof value === 'object' && 'answered' in value;
  const context: DirectCallContext = { ...INPUT, ringing, callee: pinned ? 'c5' : '', reason: null, endedBy: null };
  return directCallMachine.resolveState({ value, context });
}

interface Row {
  from: StateValue;
  ringing?: number;
  event: DirectCallEvent;
  to: StateValue;
  actions: string[];
  /** The pinned device after the row (default: as before it). */
  callee?: string;
  ringingAfter?: number;
  ended?: [DirectCallContext['reason'], DirectCallContext['endedBy']];
}

const rows: Row[] = [
  // --- starting: every device rings ---
  { from: PROPOSED, event: fromDevice('party.ringing', 'c5'), to: RINGING, actions: ['relayToCaller'] },
  { from: RINGING, event: fromDevice('party.ringing', 'c6'), to: RINGING, actions: ['relayToCaller'] },
  { from: PROPOSED, event: fromCaller('party.ringing'), to: PROPOSED, actions: [] },
  // The first answer pins its device and retracts the others.
  { from: PROPOSED, event: fromDevice('party.proceed', 'c6'), to: PROCEEDED, actions: ['stopRingClock', 'relayToCaller', 'retractOtherDevices'], callee: 'c6' },
  { from: RINGING, event: fromDevice('party.proceed', 'c5'), to: PROCEEDED, actions: ['stopRingClock', 'relayToCaller', 'retractOtherDevices'], callee: 'c5' },
  { from: RINGING, event: fromDevice('party.accept', 'c7'), to: ACTIVE, actions: ['stopRingClock', 'relayToCaller', 'retractOtherDevices', 'recordActive'], callee: 'c7' },
  { from: RINGING, event: fromDevice('party.decline', 'c6'), to: 'ended', actions: ['stopRingClock', 'relayToCaller', 'retractOtherDevices', 'reportEnded'], callee: 'c6', ended: ['decline', 'callee'] },
  { from: RINGING, event: fromDevice('party.terminate', 'c6'), to: 'ended', actions: ['stopRingClock', 'relayToCaller', 'retractOtherDevices', 'reportEnded'], callee: 'c6', ended: ['terminate', 'callee'] },
  // The caller's answers to its own call move nothing.
  { from: RINGING, event: fromCaller('party.proceed'), to: RINGING, actions: [] },
  { from: RINGING, event: fromCaller('party.accept'), to: RINGING, actions: [] },
  { from: RINGING, event: fromCaller('party.decline'), to: RINGING, actions: [] },
  { from: RINGING, event: fromDevice('party.retract', 'c5'), to: RINGING, actions: [] },
  // The caller ends it before any answer.
  { from: RINGING, event: fromCaller('party.retract'), to: 'ended', actions: ['stopRingClock', 'relayToRingingDevices', 'reportEnded'], ended: ['retract', 'caller'] },
  { from: PROPOSED, event: fromCaller('party.terminate'), to: 'ended', actions: ['stopRingClock', 'relayToRingingDevices', 'reportEnded'], ended: ['terminate', 'caller'] },
  // Before the pin: the caller's frames to every ringing device, a device's to the caller.
  { from: RINGING, event: fromCaller('party.other'), to: RINGING, actions: ['relayToRingingDevices'] },
  { from: RINGING, event: fromCaller('party.initiate'), to: RINGING, actions: ['relayToRingingDevices'] },
  { from: RINGING, event: fromDevice('party.other', 'c6'), to: RINGING, actions: ['relayToCaller'] },
  { from: RINGING, event: fromDevice('party.initiate', 'c6'), to: RINGING, actions: ['relayToCaller'] },
  // party.gone while ringing
  { from: RINGING, event: callerGone, to: 'ended', actions: ['stopRingClock', 'retractRingingDevices', 'reportEnded'], ended: ['gone', 'caller'] },
  { from: RINGING, ringing: 2, event: deviceGone('c5'), to: RINGING, actions: [], ringingAfter: 1 },
  { from: PROPOSED, ringing: 3, event: deviceGone('c7'), to: PROPOSED, actions: [], ringingAfter: 2 },
  { from: RINGING, ringing: 1, event: deviceGone('c6'), to: 'ended', actions: ['stopRingClock', 'tellCallerUnreachable', 'reportEnded'], ringingAfter: 1, ended: ['gone', 'callee'] },
  // Nobody answered in time.
  { from: RINGING, event: timeout, to: 'ended', actions: ['stopRingClock', 'tellCallerUnreachable', 'retractRingingDevices', 'reportEnded'], ended: ['timeout', 'server'] },
  { from: PROPOSED, event: timeout, to: 'ended', actions: ['stopRingClock', 'tellCallerUnreachable', 'retractRingingDevices', 'reportEnded'], ended: ['timeout', 'server'] },

  // --- answered.pending.proceeded: pinned to c5 ---
  { from: PROCEEDED, event: fromDevice('party.proceed', 'c5'), to: PROCEEDED, actions: ['relayToCaller'] },
  { from: PROCEEDED, event: fromDevice('party.proceed', 'c6'), to: PROCEEDED, actions: ['refuseLateAnswer'] },
  { from: PROCEEDED, event: fromDevice('party.accept', 'c6'), to: PROCEEDED, actions: ['refuseLateAnswer'] },
  { from: PROCEEDED, event: fromDevice('party.decline', 'c7'), to: PROCEEDED, actions: ['refuseLateAnswer'] },
  { from: PROCEEDED, event: fromDevice('party.ringing', 'c5'), to: PROCEEDED, actions: ['relayToCaller'] },
  { from: PROCEEDED, event: fromDevice('party.ringing', 'c6'), to: PROCEEDED, actions: ['refuseStranger'] },
  // The caller is a party: its own session-ringing is ignored as before the pin, never refused as a stranger's (409002).
  { from: PROCEEDED, event: fromCaller('party.ringing'), to: PROCEEDED, actions: [] },
  { from: PROCEEDED, event: fromCaller('party.proceed'), to: PROCEEDED, actions: [] },
  // After the pin: the caller's frames go to the pinned device only; another device's are refused.
  { from: PROCEEDED, event: fromCaller('party.initiate'), to: INITIATED, actions: ['relayToCallee'] },
  { from: PROCEEDED, event: fromDevice('party.initiate', 'c5'), to: PROCEEDED, actions: ['relayToCaller'] },
  { from: PROCEEDED, event: fromDevice('party.initiate', 'c6'), to: PROCEEDED, actions: ['refuseStranger'] },
  { from: PROCEEDED, event: fromCaller('party.other'), to: PROCEEDED, actions: ['relayToCallee'] },
  { from: PROCEEDED, event: fromDevice('party.other', 'c5'), to: PROCEEDED, actions: ['relayToCaller'] },
  { from: PROCEEDED, event: fromDevice('party.other', 'c6'), to: PROCEEDED, actions: ['refuseStranger'] },
  { from: PROCEEDED, event: fromDevice('party.accept', 'c5'), to: ACTIVE, actions: ['relayToCaller', 'recordActive'] },
  { from: PROCEEDED, event: fromDevice('party.decline', 'c5'), to: 'ended', actions: ['relayToCaller', 'reportEnded'], ended: ['decline', 'callee'] },
  { from: PROCEEDED, event: fromCaller('party.retract'), to: 'ended', actions: ['relayToCallee', 'reportEnded'], ended: ['retract', 'caller'] },
  { from: PROCEEDED, event: fromDevice('party.retract', 'c5'), to: PROCEEDED, actions: ['relayToCaller'] },
  { from: PROCEEDED, event: fromDevice('party.retract', 'c6'), to: PROCEEDED, actions: ['refuseStranger'] },
  { from: PROCEEDED, event: fromCaller('party.terminate'), to: 'ended', actions: ['relayToCallee', 'reportEnded'], ended: ['terminate', 'caller'] },
  { from: PROCEEDED, event: fromDevice('party.terminate', 'c5'), to: 'ended', actions: ['relayToCaller', 'reportEnded'], ended: ['terminate', 'callee'] },
  { from: PROCEEDED, event: fromDevice('party.terminate', 'c6'), to: PROCEEDED, actions: ['refuseStranger'] },
  // party.gone while pending
  { from: PROCEEDED, event: callerGone, to: 'ended', actions: ['retractForCallee', 'reportEnded'], ended: ['gone', 'caller'] },
  { from: PROCEEDED, event: deviceGone('c5'), to: 'ended', actions: ['tellCallerUnreachable', 'reportEnded'], ended: ['gone', 'callee'] },
  { from: PROCEEDED, event: deviceGone('c6'), to: PROCEEDED, actions: [] },
  { from: PROCEEDED, event: timeout, to: PROCEEDED, actions: [] },

  // --- answered.pending.initiated ---
  { from: INITIATED, event: fromCaller('party.initiate'), to: INITIATED, actions: ['relayToCallee'] },
  { from: INITIATED, event: fromDevice('party.accept', 'c5'), to: ACTIVE, actions: ['relayToCaller', 'recordActive'] },
  { from: INITIATED, event: fromDevice('party.accept', 'c6'), to: INITIATED, actions: ['refuseLateAnswer'] },
  { from: INITIATED, event: callerGone, to: 'ended', actions: ['retractForCallee', 'reportEnded'], ended: ['gone', 'caller'] },
  { from: INITIATED, event: deviceGone('c5'), to: 'ended', actions: ['tellCallerUnreachable', 'reportEnded'], ended: ['gone', 'callee'] },

  // --- answered.active ---
  { from: ACTIVE, event: fromCaller('party.other'), to: ACTIVE, actions: ['relayToCallee'] },
  { from: ACTIVE, event: fromDevice('party.other', 'c5'), to: ACTIVE, actions: ['relayToCaller'] },
  { from: ACTIVE, event: fromDevice('party.other', 'c6'), to: ACTIVE, actions: ['refuseStranger'] },
  { from: ACTIVE, event: fromDevice('party.accept', 'c5'), to: ACTIVE, actions: ['relayToCaller'] },
  { from: ACTIVE, event: fromDevice('party.ringing', 'c6'), to: ACTIVE, actions: ['refuseStranger'] },
  // The caller is a party: its own session-ringing is ignored as before the pin, never refused as a stranger's (409002).
  { from: ACTIVE, event: fromCaller('party.ringing'), to: ACTIVE, actions: [] },
  { from: ACTIVE, event: fromDevice('party.accept', 'c6'), to: ACTIVE, actions: ['refuseLateAnswer'] },
  { from: ACTIVE, event: fromDevice('party.proceed', 'c7'), to: ACTIVE, actions: ['refuseLateAnswer'] },
  { from: ACTIVE, event: fromDevice('party.decline', 'c6'), to: ACTIVE, actions: ['refuseLateAnswer'] },
  { from: ACTIVE, event: fromCaller('party.retract'), to: ACTIVE, actions: ['relayToCallee'] },
  { from: ACTIVE, event: fromDevice('party.retract', 'c6'), to: ACTIVE, actions: ['refuseStranger'] },
  { from: ACTIVE, event: fromCaller('party.terminate'), to: 'ended', actions: ['recordInactive', 'relayToCallee', 'reportEnded'], ended: ['terminate', 'caller'] },
  { from: ACTIVE, event: fromDevice('party.terminate', 'c5'), to: 'ended', actions: ['recordInactive', 'relayToCaller', 'reportEnded'], ended: ['terminate', 'callee'] },
  { from: ACTIVE, event: fromDevice('party.terminate', 'c6'), to: ACTIVE, actions: ['refuseStranger'] },
  // party.gone while active: neither library accepts a retract here, each side gets session-info unreachable.
  { from: ACTIVE, event: callerGone, to: 'ended', actions: ['recordInactive', 'tellCalleeUnreachable', 'reportEnded'], ended: ['gone', 'caller'] },
  { from: ACTIVE, event: deviceGone('c5'), to: 'ended', actions: ['recordInactive', 'tellCallerUnreachable', 'reportEnded'], ended: ['gone', 'callee'] },
  { from: ACTIVE, event: deviceGone('c6'), to: ACTIVE, actions: [] },
  { from: ACTIVE, event: timeout, to: ACTIVE, actions: [] },
  // Resume across nodes: the caller's session moved; the call goes on from this snapshot on its new node.
  { from: ACTIVE, event: { type: 'owner.moved' }, to: 'movedAway', actions: ['recordInactive'] },
];

const describeEvent = (e: DirectCallEvent): string => (e.type === 'ring.timeout' || e.type === 'owner.moved' ? e.type : `${e.type} by ${e.by === 'caller' ? 'caller' : e.device}`);

/** Record every provided action: its name and its params (the chart's stubs replaced one by one). */
function recorder() {
  const ran: Array<{ name: string; params: unknown }> = [];
  const log = (name: string) => (_: unknown, params: unknown) => { ran.push({ name, params }); };
  const names = [
    'startRingClock', 'stopRingClock', 'relayToCaller', 'relayToCallee', 'relayToRingingDevices', 'retractOtherDevices',
    'refuseLateAnswer', 'refuseStranger', 'tellCallerUnreachable', 'tellCalleeUnreachable', 'retractForCallee',
    'retractRingingDevices', 'recordActive', 'recordInactive', 'reportEnded',
  ] as const;
  const actions = Object.fromEntries(names.map((n) => [n, log(n)]));
  const machine = directCallMachine.provide({ actions });
  return { ran, machine, names: () => ran.map((r) => r.name) };
}

describe('direct-call machine', () => {
  it('starts in starting.proposed, the ring clock running, nobody pinned, every device ringing', () => {
    const [snapshot, actions] = initialTransition(directCallMachine, INPUT);
    expect(snapshot.value).to.deep.equal(PROPOSED);
    expect(actions.map((a) => a.type)).to.deep.equal(['startRingClock']);
    expect(snapshot.context).to.deep.equal({ ...INPUT, callee: '', reason: null, endedBy: null });
  });

  describe('transition table', () => {
    for (const row of rows) {
      const ringing = row.ringing ?? 3;
      it(`${JSON.stringify(row.from)} (${ringing} ringing) + ${describeEvent(row.event)} → ${JSON.stringify(row.to)} / ${row.actions.join(', ') || '(nothing)'}`, () => {
        const before = snapshotIn(row.from, ringing);
        const [next, actions] = transition(directCallMachine, before, row.event);
        expect(next.value, 'next state').to.deep.equal(row.to);
        expect(actions.map((a) => a.type), 'actions').to.deep.equal(row.actions);
        expect(next.context.callee, 'pinned device').to.equal(row.callee ?? before.context.callee);
        expect(next.context.ringing, 'devices ringing').to.equal(row.ringingAfter ?? ringing);
        const [reason, endedBy] = row.ended ?? [null, null];
        expect([next.context.reason, next.context.endedBy], 'reason, ended by').to.deep.equal([reason, endedBy]);
        expect(next.status, 'status').to.equal(row.to === 'ended' || row.to === 'movedAway' ? 'done' : 'active');
      });
    }
  });

  describe('action parameters', () => {
    it('retracts the other devices answered-elsewhere on a proceed or an accept, declined-elsewhere on a decline or a terminate', () => {
      const reasonOf = (event: DirectCallEvent) =>
        transition(directCallMachine, snapshotIn(RINGING), event)[1].find((a) => a.type === 'retractOtherDevices')?.params;
      expect(reasonOf(fromDevice('party.proceed', 'c5'))).to.deep.equal({ reason: 'answered-elsewhere' });
      expect(reasonOf(fromDevice('party.accept', 'c5'))).to.deep.equal({ reason: 'answered-elsewhere' });
      expect(reasonOf(fromDevice('party.decline', 'c5'))).to.deep.equal({ reason: 'declined-elsewhere' });
      expect(reasonOf(fromDevice('party.terminate', 'c5'))).to.deep.equal({ reason: 'declined-elsewhere' });
    });
    it('hands each server-made ending its condition (gone, timeout)', () => {
      const paramsOf = (value: StateValue, event: DirectCallEvent, ringing = 3) =>
        transition(directCallMachine, snapshotIn(value, ringing), event)[1]
          .filter((a) => !['stopRingClock', 'recordInactive', 'reportEnded'].includes(a.type))
          .map((a) => [a.type, a.params]);
      expect(paramsOf(RINGING, callerGone)).to.deep.equal([['retractRingingDevices', { why: 'gone' }]]);
      expect(paramsOf(RINGING, deviceGone('c5'), 1)).to.deep.equal([['tellCallerUnreachable', { why: 'gone' }]]);
      expect(paramsOf(RINGING, timeout)).to.deep.equal([['tellCallerUnreachable', { why: 'timeout' }], ['retractRingingDevices', { why: 'timeout' }]]);
      expect(paramsOf(PROCEEDED, callerGone)).to.deep.equal([['retractForCallee', { why: 'gone' }]]);
      expect(paramsOf(PROCEEDED, deviceGone('c5'))).to.deep.equal([['tellCallerUnreachable', { why: 'gone' }]]);
      expect(paramsOf(ACTIVE, callerGone)).to.deep.equal([['tellCalleeUnreachable', { why: 'gone' }]]);
      expect(paramsOf(ACTIVE, deviceGone('c5'))).to.deep.equal([['tellCallerUnreachable', { why: 'gone' }]]);
    });
    it('hands the routing and refusal actions the party event itself (by, device, frame)', () => {
      for (const [value, event] of [
        [RINGING, fromCaller('party.other')], [RINGING, fromDevice('party.ringing', 'c6')],
        [PROCEEDED, fromCaller('party.other')], [PROCEEDED, fromDevice('party.accept', 'c6')], [ACTIVE, fromDevice('party.other', 'c7')],
      ] as const) {
        const [, actions] = transition(directCallMachine, snapshotIn(value), event);
        expect(actions).to.have.length(1);
        expect(actions[0]?.params, `${JSON.stringify(value)} ${describeEvent(event)}`).to.equal(event);
      }
    });
  });

  describe('real actors (provided actions record what ran)', () => {
    it('forks to three devices, pins the first to proceed, refuses the others, routes between the two parties, ends on the caller\'s terminate', () => {
      const { ran, machine, names } = recorder();
      const actor = createActor(machine, { input: INPUT }).start();
      const ringing5 = fromDevice('party.ringing', 'c5');
      actor.send(ringing5);
      actor.send(fromDevice('party.ringing', 'c6'));
      // Before the pin: the caller's transport-info reaches every ringing device.
      const earlyCandidate = fromCaller('party.other');
      actor.send(earlyCandidate);
      actor.send(fromDevice('party.proceed', 'c6'));
      expect(actor.getSnapshot().context.callee, 'pinned').to.equal('c6');
      expect(actor.getSnapshot().value).to.deep.equal(PROCEEDED);
      // Too late: c5 and c7 answer after the pin; c7's transport-info is a stranger's.
      const lateAccept = fromDevice('party.accept', 'c5');
      actor.send(lateAccept);
      actor.send(fromDevice('party.decline', 'c7'));
      actor.send(fromDevice('party.proceed', 'c5'));
      const strangerCandidate = fromDevice('party.other', 'c7');
      actor.send(strangerCandidate);
      // After the pin: the caller's frames go to c6 only, c6's to the caller.
      const lateCandidate = fromCaller('party.other');
      actor.send(lateCandidate);
      actor.send(fromCaller('party.initiate'));
      actor.send(fromDevice('party.accept', 'c6'));
      expect(actor.getSnapshot().value).to.deep.equal(ACTIVE);
      actor.send(fromDevice('party.other', 'c6'));
      actor.send(fromCaller('party.terminate'));

      expect(names()).to.deep.equal([
        'startRingClock',
        'relayToCaller', 'relayToCaller',
        'relayToRingingDevices',
        'stopRingClock', 'relayToCaller', 'retractOtherDevices',
        'refuseLateAnswer', 'refuseLateAnswer', 'refuseLateAnswer',
        'refuseStranger',
        'relayToCallee',
        'relayToCallee',
        'relayToCaller', 'recordActive',
        'relayToCaller',
        'recordInactive', 'relayToCallee', 'reportEnded',
      ]);
      expect(ran[1]?.params, 'relay params: the event').to.equal(ringing5);
      expect(ran[3]?.params).to.equal(earlyCandidate);
      expect(ran[6]?.params).to.deep.equal({ reason: 'answered-elsewhere' });
      expect(ran[7]?.params).to.equal(lateAccept);
      expect(ran[10]?.params).to.equal(strangerCandidate);
      expect(ran[11]?.params).to.equal(lateCandidate);
      const end = actor.getSnapshot();
      expect(end.status).to.equal('done');
      expect(end.context).to.include({ callee: 'c6', reason: 'terminate', endedBy: 'caller' });
      // Done: a later frame runs nothing.
      actor.send(fromDevice('party.other', 'c6'));
      expect(ran).to.have.length(19);
    });

    it('a decline from one device pins it, retracts the others declined-elsewhere and ends the call declined by the callee', () => {
      const { ran, machine, names } = recorder();
      const actor = createActor(machine, { input: INPUT }).start();
      actor.send(fromDevice('party.ringing', 'c7'));
      actor.send(fromDevice('party.decline', 'c7'));
      expect(names()).to.deep.equal(['startRingClock', 'relayToCaller', 'stopRingClock', 'relayToCaller', 'retractOtherDevices', 'reportEnded']);
      expect(ran[4]?.params).to.deep.equal({ reason: 'declined-elsewhere' });
      expect(actor.getSnapshot().status).to.equal('done');
      expect(actor.getSnapshot().context).to.include({ callee: 'c7', reason: 'decline', endedBy: 'callee' });
    });

    it('the ringing devices going one by one: each drops out silently, the last tells the caller unreachable (gone)', () => {
      const { ran, machine, names } = recorder();
      const actor = createActor(machine, { input: INPUT }).start();
      actor.send(deviceGone('c5'));
      expect(actor.getSnapshot().context.ringing).to.equal(2);
      actor.send(deviceGone('c6'));
      expect(actor.getSnapshot().context.ringing).to.equal(1);
      expect(names()).to.deep.equal(['startRingClock']);
      actor.send(deviceGone('c7'));
      expect(names()).to.deep.equal(['startRingClock', 'stopRingClock', 'tellCallerUnreachable', 'reportEnded']);
      expect(ran[2]?.params).to.deep.equal({ why: 'gone' });
      expect(actor.getSnapshot().context).to.include({ callee: '', reason: 'gone', endedBy: 'callee' });
    });

    it('the ring clock runs out: the caller is told unreachable (timeout), every ringing device retracted (timeout)', () => {
      const { ran, machine, names } = recorder();
      const actor = createActor(machine, { input: INPUT }).start();
      actor.send(fromDevice('party.ringing', 'c5'));
      actor.send(timeout);
      expect(names()).to.deep.equal(['startRingClock', 'relayToCaller', 'stopRingClock', 'tellCallerUnreachable', 'retractRingingDevices', 'reportEnded']);
      expect([ran[3]?.params, ran[4]?.params]).to.deep.equal([{ why: 'timeout' }, { why: 'timeout' }]);
      expect(actor.getSnapshot().context).to.include({ reason: 'timeout', endedBy: 'server' });
    });

    it('records the call active once, inactive once, however many frames go by while active', () => {
      const { machine, names } = recorder();
      const actor = createActor(machine, { input: { ...INPUT, ringing: 1 } }).start();
      actor.send(fromDevice('party.accept', 'c5'));
      for (let i = 0; i < 3; i++) {
        actor.send(fromCaller('party.other'));
        actor.send(fromDevice('party.other', 'c5'));
      }
      actor.send(deviceGone('c5'));
      const recorded = names().filter((n) => n === 'recordActive' || n === 'recordInactive');
      expect(recorded).to.deep.equal(['recordActive', 'recordInactive']);
      expect(names().slice(-3)).to.deep.equal(['recordInactive', 'tellCallerUnreachable', 'reportEnded']);
      expect(actor.getSnapshot().context).to.include({ callee: 'c5', reason: 'gone', endedBy: 'callee' });
    });
  });
});
