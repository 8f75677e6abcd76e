/**
 * The call machine as a pure transition table (xstate's `initialTransition`/`transition`): each row is
 * (state, event) → (next state, action types in order, the reason and who ended it). Nothing runs:
 * the actions are returned, not executed. Every transition and guard of machines/call.ts has a row,
 * and so has each party action the chart deliberately ignores in a state (sent by the wrong side, or
 * out of order): the relay of such an action is the connection actor's business, the call stays put.
 */
import { expect } from 'chai';
import { createActor, initialTransition, transition, type StateValue } from 'xstate';
import { callMachine, type CallEvent, type CallContext, type Side } from '../../machines/call.js';

const INPUT = { sid: 's1', rid: 'r1', caller: 'c1', callee: 'c2' };

const by = (type: Exclude<CallEvent['type'], 'ring.timeout'>, side: Side): CallEvent => ({ type, by: side });
const timeout: CallEvent = { type: 'ring.timeout' };
const moved: CallEvent = { type: 'owner.moved' };

function snapshotIn(value: StateValue) {
  const context: CallContext = { ...INPUT, reason: null, endedBy: null };
  return callMachine.resolveState({ value, context });
}

interface Row {
  from: StateValue;
  event: CallEvent;
  to: StateValue;
  actions: string[];
  ended?: [CallContext['reason'], CallContext['endedBy']];
}

const PROPOSED: StateValue = { starting: 'proposed' };
const RINGING: StateValue = { starting: 'ringing' };
const PROCEEDED: StateValue = { pending: 'proceeded' };
const INITIATED: StateValue = { pending: 'initiated' };

/** Leaving `starting` stops the ring clock; entering `active` records it, leaving it un-records it. */
const rows: Row[] = [
  // starting.proposed
  { from: PROPOSED, event: by('party.ringing', 'callee'), to: RINGING, actions: [] },
  { from: PROPOSED, event: by('party.ringing', 'caller'), to: PROPOSED, actions: [] },
  { from: PROPOSED, event: by('party.proceed', 'callee'), to: PROCEEDED, actions: ['stopRingClock'] },
  { from: PROPOSED, event: by('party.accept', 'callee'), to: 'active', actions: ['stopRingClock', 'recordActive'] },
  { from: PROPOSED, event: by('party.decline', 'callee'), to: 'ended', actions: ['stopRingClock', 'reportEnded'], ended: ['decline', 'callee'] },
  { from: PROPOSED, event: by('party.retract', 'caller'), to: 'ended', actions: ['stopRingClock', 'reportEnded'], ended: ['retract', 'caller'] },
  { from: PROPOSED, event: by('party.gone', 'caller'), to: 'ended', actions: ['stopRingClock', 'retractForCallee', 'reportEnded'], ended: ['gone', 'caller'] },
  { from: PROPOSED, event: by('party.gone', 'callee'), to: 'ended', actions: ['stopRingClock', 'tellCallerUnreachable', 'reportEnded'], ended: ['gone', 'callee'] },
  { from: PROPOSED, event: timeout, to: 'ended', actions: ['stopRingClock', 'tellCallerUnreachable', 'retractForCallee', 'reportEnded'], ended: ['timeout', 'server'] },
  { from: PROPOSED, event: by('party.terminate', 'caller'), to: 'ended', actions: ['stopRingClock', 'reportEnded'], ended: ['terminate', 'caller'] },
  // the wrong side: ignored
  { from: PROPOSED, event: by('party.proceed', 'caller'), to: PROPOSED, actions: [] },
  { from: PROPOSED, event: by('party.accept', 'caller'), to: PROPOSED, actions: [] },
  { from: PROPOSED, event: by('party.decline', 'caller'), to: PROPOSED, actions: [] },
  { from: PROPOSED, event: by('party.retract', 'callee'), to: PROPOSED, actions: [] },
  { from: PROPOSED, event: by('party.initiate', 'caller'), to: PROPOSED, actions: [] },

  // starting.ringing: the handlers of starting apply
  { from: RINGING, event: by('party.ringing', 'callee'), to: RINGING, actions: [] },
  { from: RINGING, event: by('party.proceed', 'callee'), to: PROCEEDED, actions: ['stopRingClock'] },
  { from: RINGING, event: by('party.decline', 'callee'), to: 'ended', actions: ['stopRingClock', 'reportEnded'], ended: ['decline', 'callee'] },
  { from: RINGING, event: by('party.retract', 'caller'), to: 'ended', actions: ['stopRingClock', 'reportEnded'], ended: ['retract', 'caller'] },
  { from: RINGING, event: by('party.gone', 'caller'), to: 'ended', actions: ['stopRingClock', 'retractForCallee', 'reportEnded'], ended: ['gone', 'caller'] },
  { from: RINGING, event: by('party.gone', 'callee'), to: 'ended', actions: ['stopRingClock', 'tellCallerUnreachable', 'reportEnded'], ended: ['gone', 'callee'] },
  { from: RINGING, event: timeout, to: 'ended', actions: ['stopRingClock', 'tellCallerUnreachable', 'retractForCallee', 'reportEnded'], ended: ['timeout', 'server'] },

  // pending.proceeded
  { from: PROCEEDED, event: by('party.initiate', 'caller'), to: INITIATED, actions: [] },
  { from: PROCEEDED, event: by('party.initiate', 'callee'), to: PROCEEDED, actions: [] },
  { from: PROCEEDED, event: by('party.accept', 'callee'), to: 'active', actions: ['recordActive'] },
  { from: PROCEEDED, event: by('party.retract', 'caller'), to: 'ended', actions: ['reportEnded'], ended: ['retract', 'caller'] },
  { from: PROCEEDED, event: by('party.gone', 'caller'), to: 'ended', actions: ['retractForCallee', 'reportEnded'], ended: ['gone', 'caller'] },
  { from: PROCEEDED, event: by('party.gone', 'callee'), to: 'ended', actions: ['tellCallerUnreachable', 'reportEnded'], ended: ['gone', 'callee'] },
  { from: PROCEEDED, event: timeout, to: PROCEEDED, actions: [] },
  { from: PROCEEDED, event: by('party.decline', 'callee'), to: PROCEEDED, actions: [] },

  // pending.initiated
  { from: INITIATED, event: by('party.accept', 'callee'), to: 'active', actions: ['recordActive'] },
  { from: INITIATED, event: by('party.accept', 'caller'), to: INITIATED, actions: [] },
  { from: INITIATED, event: by('party.retract', 'callee'), to: INITIATED, actions: [] },
  { from: INITIATED, event: by('party.terminate', 'callee'), to: 'ended', actions: ['reportEnded'], ended: ['terminate', 'callee'] },
  { from: INITIATED, event: by('party.gone', 'callee'), to: 'ended', actions: ['tellCallerUnreachable', 'reportEnded'], ended: ['gone', 'callee'] },

  // active
  { from: 'active', event: by('party.terminate', 'caller'), to: 'ended', actions: ['recordInactive', 'reportEnded'], ended: ['terminate', 'caller'] },
  { from: 'active', event: by('party.terminate', 'callee'), to: 'ended', actions: ['recordInactive', 'reportEnded'], ended: ['terminate', 'callee'] },
  { from: 'active', event: by('party.gone', 'caller'), to: 'ended', actions: ['recordInactive', 'tellCalleeUnreachable', 'reportEnded'], ended: ['gone', 'caller'] },
  { from: 'active', event: by('party.gone', 'callee'), to: 'ended', actions: ['recordInactive', 'tellCallerUnreachable', 'reportEnded'], ended: ['gone', 'callee'] },
  { from: 'active', event: timeout, to: 'active', actions: [] },
  { from: 'active', event: by('party.retract', 'caller'), to: 'active', actions: [] },
  { from: 'active', event: by('party.accept', 'callee'), to: 'active', actions: [] },
  { from: 'active', event: by('party.decline', 'callee'), to: 'active', actions: [] },

  // resume across nodes: the caller's session moved, the call goes on at its new node; nothing ends or is reported here
  { from: PROPOSED, event: moved, to: 'movedAway', actions: ['stopRingClock'] },
  { from: RINGING, event: moved, to: 'movedAway', actions: ['stopRingClock'] },
  { from: PROCEEDED, event: moved, to: 'movedAway', actions: [] },
  { from: INITIATED, event: moved, to: 'movedAway', actions: [] },
  { from: 'active', event: moved, to: 'movedAway', actions: ['recordInactive'] },
];

describe('call machine', () => {
  it('starts in starting.proposed with the ring clock running and nothing ended', () => {
    const [snapshot, actions] = initialTransition(callMachine, INPUT);
    expect(snapshot.value).to.deep.equal(PROPOSED);
    expect(actions.map((a) => a.type)).to.deep.equal(['startRingClock']);
    expect(snapshot.context).to.deep.equal({ ...INPUT, reason: null, endedBy: null });
  });

  describe('transition table', () => {
    for (const row of rows) {
      const name = 'by' in row.event ? `${row.event.type} by ${row.event.by}` : row.event.type;
      it(`${JSON.stringify(row.from)} + ${name} → ${JSON.stringify(row.to)} / ${row.actions.join(', ') || '(nothing)'}`, () => {
        const [next, actions] = transition(callMachine, snapshotIn(row.from), row.event);
        expect(next.value, 'next state').to.deep.equal(row.to);
        expect(actions.map((a) => a.type), 'actions').to.deep.equal(row.actions);
        const [reason, endedBy] = row.ended ?? [null, null];
        expect([next.context.reason, next.context.endedBy], 'reason, ended by').to.deep.equal([reason, endedBy]);
        expect(next.status, 'status').to.equal(row.to === 'ended' || row.to === 'movedAway' ? 'done' : 'active');
      });
    }
  });

  it('hands each server-made ending the condition it carries', () => {
    const [, gone] = transition(callMachine, snapshotIn('active'), by('party.gone', 'caller'));
    expect(gone.find((a) => a.type === 'tellCalleeUnreachable')?.params).to.deep.equal({ why: 'gone' });
    const [, timedOut] = transition(callMachine, snapshotIn(RINGING), timeout);
    expect(timedOut.filter((a) => a.type !== 'stopRingClock' && a.type !== 'reportEnded').map((a) => a.params))
      .to.deep.equal([{ why: 'timeout' }, { why: 'timeout' }]);
  });

  it('runs a whole call as an actor, each provided action called once, and stops itself at ended', () => {
    const calls: string[] = [];
    const log = (name: string) => () => { calls.push(name); };
    const machine = callMachine.provide({
      actions: {
        startRingClock: log('startRingClock'), stopRingClock: log('stopRingClock'),
        tellCallerUnreachable: log('tellCallerUnreachable'), tellCalleeUnreachable: log('tellCalleeUnreachable'),
        retractForCallee: log('retractForCallee'), recordActive: log('recordActive'), recordInactive: log('recordInactive'),
        reportEnded: log('reportEnded'),
      },
    });
    const actor = createActor(machine, { input: INPUT }).start();
    for (const e of [by('party.ringing', 'callee'), by('party.proceed', 'callee'), by('party.initiate', 'caller'), by('party.accept', 'callee'), by('party.terminate', 'callee')]) actor.send(e);
    expect(calls).to.deep.equal(['startRingClock', 'stopRingClock', 'recordActive', 'recordInactive', 'reportEnded']);
    expect(actor.getSnapshot().status).to.equal('done');
    expect(actor.getSnapshot().context).to.include({ reason: 'terminate', endedBy: 'callee' });
  });
});
