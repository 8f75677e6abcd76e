/**
 * The supervisor machine as a pure transition table: (state, event, stubbed guards) → (next state,
 * action types in order). Every guard here is a stub that src/actors/supervisor.ts supplies, so
 * each row fixes them true/false with `.provide()`. The membership authority's verdicts arrive as
 * events of their own, each a row here in every state that handles it. The drain deadline is
 * checked as the delayed raise the pure functions return and for real with a SimulatedClock.
 */
import { expect } from 'chai';
import { createActor, initialTransition, SimulatedClock, transition, type StateValue } from 'xstate';
import { supervisorMachine, type SupervisorEvent } from '../../machines/supervisor.js';

/** The guards src/actors/supervisor.ts supplies. */
type GuardName = 'isRoomIdInvalid' | 'isRequesterGone' | 'hasNoConnections';
type Guards = Partial<Record<GuardName, boolean>>;

function machineWith(g: Guards = {}) {
  return supervisorMachine.provide({
    guards: {
      isRoomIdInvalid: () => g.isRoomIdInvalid ?? false,
      isRequesterGone: () => g.isRequesterGone ?? false,
      hasNoConnections: () => g.hasNoConnections ?? false,
    },
  });
}

function types(actions: ReadonlyArray<{ type: string }>): string[] {
  return actions.map((a) => a.type);
}

const frame = { jsongle: { action: 'iq-set', query: 'session-join', description: { rid: 'r1' } } };
// The socket is opaque to the machine: only src/actors/supervisor.ts reads it.
const opened = (): SupervisorEvent => ({ type: 'ws.opened', id: 'c1', socket: null });
const closed = (): SupervisorEvent => ({ type: 'ws.closed', id: 'c1' });
const join = (kind: 'room' | 'muc' = 'room', rid: unknown = 'r1'): SupervisorEvent => ({ type: 'conn.join', id: 'c1', kind, msg: frame, rid });
const leave = (rid: unknown = 'r1'): SupervisorEvent => ({ type: 'conn.leave', id: 'c1', msg: frame, rid });
const drain = (): SupervisorEvent => ({ type: 'server.drain' });

type VerdictType =
  | 'join.accepted' | 'join.alreadyMember' | 'join.kindConflict' | 'join.roomFull' | 'join.tooManyMultiRooms' | 'join.tooManyRooms'
  | 'leave.accepted' | 'leave.notMember';
const verdict = (type: VerdictType, kind: 'room' | 'muc' = 'room'): SupervisorEvent => ({ type, id: 'c1', msg: frame, rid: 'r1', kind });
const membershipFailed = (): SupervisorEvent => ({ type: 'membership.failed', id: 'c1', msg: frame, rid: 'r1' });
const actorFailed = (): SupervisorEvent => ({ type: 'xstate.error.actor.connection', error: new Error('x'), actorId: 'connection' }) as unknown as SupervisorEvent;
const callFailed = (): SupervisorEvent => ({ type: 'xstate.error.actor.call', error: new Error('x'), actorId: 'call' }) as unknown as SupervisorEvent;

/** The event xstate raises when drainTimeout ends, read from the transition into draining. */
function drainTimeoutEvent(): SupervisorEvent {
  const m = machineWith();
  const [start] = initialTransition(m);
  const [, actions] = transition(m, start, drain());
  const raise = actions.find((a) => a.type === 'xstate.raise') as unknown as { params: { event: SupervisorEvent } };
  return raise.params.event;
}

interface Row {
  does: string;
  from: StateValue;
  event: SupervisorEvent;
  guards?: Guards;
  to: StateValue;
  actions: string[];
}

const JOINED = ['announceJoin', 'confirmJoin', 'tellConnectionJoined'];
const LEFT = ['announceLeave', 'confirmLeave', 'tellConnectionLeft'];

/** A join or leave request: the room id is checked here, then the membership authority decides. */
const requests: Array<[string, SupervisorEvent, Guards, string[]]> = [
  ['join: rejects an invalid room id without asking the membership authority', join('room', ''), { isRoomIdInvalid: true }, ['rejectInvalidRoomId']],
  ['join: checks the room id even when the requester is gone', join('room', 7), { isRoomIdInvalid: true, isRequesterGone: true }, ['rejectInvalidRoomId']],
  ['join: otherwise asks the membership authority to decide a P2P join', join(), {}, ['decideJoin']],
  ['join: otherwise asks the membership authority to decide a MUC join', join('muc'), {}, ['decideJoin']],
  ['leave: rejects an invalid room id without asking the membership authority', leave(''), { isRoomIdInvalid: true }, ['rejectInvalidRoomId']],
  ['leave: otherwise asks the membership authority to decide', leave(), {}, ['decideLeave']],
];

/** The authority's verdicts: each answered by its own actions, or dropped when the requester left meanwhile. */
const verdicts: Array<[string, SupervisorEvent, string[]]> = [
  ['announces the join to the members, confirms it, then tells the connection', verdict('join.accepted'), JOINED],
  ['confirms an existing membership (idempotent rejoin), announcing nothing', verdict('join.alreadyMember'), ['confirmJoin']],
  ['rejects a kind conflict', verdict('join.kindConflict', 'muc'), ['rejectKindConflict']],
  ['rejects a full room', verdict('join.roomFull'), ['rejectRoomFull']],
  ['rejects a full MUC', verdict('join.roomFull', 'muc'), ['rejectRoomFull']],
  ['rejects too many MUCs', verdict('join.tooManyMultiRooms', 'muc'), ['rejectTooManyMultiRooms']],
  ['rejects too many rooms of both kinds', verdict('join.tooManyRooms'), ['rejectTooManyRooms']],
  ['announces the leave to the others, confirms it, then tells the connection', verdict('leave.accepted'), LEFT],
  ['rejects a leave of a room it is not in', verdict('leave.notMember'), ['rejectNotMember']],
  ['answers 503002 when the membership authority failed', membershipFailed(), ['rejectMembershipUnavailable']],
];

/** Rows for every request and verdict in one state (they are handled at the root, the same everywhere). */
function membershipRows(state: 'accepting' | 'draining'): Row[] {
  return [
    ...requests.map(([does, event, guards, actions]): Row => ({ does, from: state, event, guards, to: state, actions })),
    ...verdicts.flatMap(([does, event, actions]): Row[] => [
      { does: `verdict: ${does}`, from: state, event, to: state, actions },
      { does: 'verdict: drops it when the requester disconnected meanwhile (its departure was announced already)', from: state, event, guards: { isRequesterGone: true }, to: state, actions: [] },
    ]),
  ];
}

const rows: Row[] = [
  // accepting
  { does: 'spawns a connection actor for an opened socket', from: 'accepting', event: opened(), to: 'accepting', actions: ['spawnConnection'] },
  { does: 'releases a closed connection', from: 'accepting', event: closed(), to: 'accepting', actions: ['releaseConnection'] },
  { does: 'stays accepting after a close even with no connection left', from: 'accepting', event: closed(), guards: { hasNoConnections: true }, to: 'accepting', actions: ['releaseConnection'] },
  { does: 'starts draining: stops accepting, drains the connections and arms the drain deadline', from: 'accepting', event: drain(), to: 'draining', actions: ['stopAccepting', 'drainConnections', 'xstate.raise'] },
  { does: 'stops at once when draining with no connection, cancelling the deadline', from: 'accepting', event: drain(), guards: { hasNoConnections: true }, to: 'stopped', actions: ['stopAccepting', 'drainConnections', 'xstate.raise', 'xstate.cancel', 'notifyStopped'] },
  { does: 'closes a connection whose actor failed, and keeps accepting', from: 'accepting', event: actorFailed(), to: 'accepting', actions: ['closeFailedConnection'] },
  { does: 'forgets a call whose actor failed, and keeps accepting', from: 'accepting', event: callFailed(), to: 'accepting', actions: ['forgetFailedCall'] },
  ...membershipRows('accepting'),

  // draining
  { does: 'refuses a socket that opens while draining', from: 'draining', event: opened(), to: 'draining', actions: ['refuseConnection'] },
  { does: 'releases a closed connection and keeps draining while connections remain', from: 'draining', event: closed(), to: 'draining', actions: ['releaseConnection'] },
  { does: 'stops once the last connection closed, cancelling the deadline', from: 'draining', event: closed(), guards: { hasNoConnections: true }, to: 'stopped', actions: ['releaseConnection', 'xstate.cancel', 'notifyStopped'] },
  { does: 'ignores a second drain request', from: 'draining', event: drain(), to: 'draining', actions: [] },
  { does: 'closes the remaining connections and stops when the drain deadline passes', from: 'draining', event: drainTimeoutEvent(), to: 'stopped', actions: ['xstate.cancel', 'closeRemainingConnections', 'notifyStopped'] },
  { does: 'closes a connection whose actor failed while draining', from: 'draining', event: actorFailed(), to: 'draining', actions: ['closeFailedConnection'] },
  ...membershipRows('draining'),
  // The eventless check runs after every event: whatever emptied the server, it stops right after.
  { does: 'stops after a refused socket once no connection remains', from: 'draining', event: opened(), guards: { hasNoConnections: true }, to: 'stopped', actions: ['refuseConnection', 'xstate.cancel', 'notifyStopped'] },
  { does: 'stops after a leave verdict once no connection remains', from: 'draining', event: verdict('leave.accepted'), guards: { hasNoConnections: true }, to: 'stopped', actions: [...LEFT, 'xstate.cancel', 'notifyStopped'] },
  { does: 'stops after a dropped verdict once no connection remains', from: 'draining', event: verdict('join.accepted'), guards: { hasNoConnections: true, isRequesterGone: true }, to: 'stopped', actions: ['xstate.cancel', 'notifyStopped'] },
  { does: 'stops after a join request once no connection remains', from: 'draining', event: join(), guards: { hasNoConnections: true }, to: 'stopped', actions: ['decideJoin', 'xstate.cancel', 'notifyStopped'] },
  { does: 'stops after a second drain request once no connection remains', from: 'draining', event: drain(), guards: { hasNoConnections: true }, to: 'stopped', actions: ['xstate.cancel', 'notifyStopped'] },
];

describe('supervisor machine', () => {
  describe('initial transition', () => {
    it('starts accepting with no action', () => {
      const [snapshot, actions] = initialTransition(supervisorMachine);
      expect(snapshot.value).to.equal('accepting');
      expect(actions).to.deep.equal([]);
    });
  });

  describe('transition table', () => {
    for (const row of rows) {
      const guardNote = row.guards && Object.keys(row.guards).length
        ? ` [${Object.entries(row.guards).filter(([, v]) => v).map(([k]) => k).join(', ')}]`
        : '';
      it(`${row.from} + ${row.event.type}${guardNote}: ${row.does}`, () => {
        const m = machineWith(row.guards);
        const [next, actions] = transition(m, m.resolveState({ value: row.from }), row.event);
        expect(next.value, 'next state').to.equal(row.to);
        expect(types(actions), 'actions').to.deep.equal(row.actions);
      });
    }
  });

  describe('action and guard parameters', () => {
    it('hands the request and verdict actions the event itself (id, msg, rid, kind)', () => {
      const m = machineWith();
      for (const event of [join('muc'), leave(), ...verdicts.map(([, e]) => e)]) {
        const [, actions] = transition(m, m.resolveState({ value: 'accepting' }), event);
        for (const a of actions) expect(a.params, `${event.type} ${a.type}`).to.equal(event);
      }
    });

    it('asks isRoomIdInvalid and isRequesterGone about the event (the rid and the requester id)', () => {
      const seen: Array<[string, unknown]> = [];
      const m = supervisorMachine.provide({
        guards: {
          isRoomIdInvalid: (_, p) => { seen.push(['isRoomIdInvalid', p]); return false; },
          isRequesterGone: (_, p) => { seen.push(['isRequesterGone', p]); return false; },
        },
      });
      const request = join('room', 'r9');
      const accepted = verdict('join.accepted');
      transition(m, m.resolveState({ value: 'accepting' }), request);
      transition(m, m.resolveState({ value: 'accepting' }), accepted);
      expect(seen).to.have.lengthOf(2);
      expect(seen[0]![0]).to.equal('isRoomIdInvalid');
      expect(seen[0]![1]).to.equal(request);
      expect(seen[1]![0]).to.equal('isRequesterGone');
      expect(seen[1]![1]).to.equal(accepted);
    });

    it('hands spawnConnection and refuseConnection the id and the socket', () => {
      const socket = { fake: true };
      const event: SupervisorEvent = { type: 'ws.opened', id: 'c9', socket };
      const m = machineWith();
      for (const state of ['accepting', 'draining']) {
        const [, actions] = transition(m, m.resolveState({ value: state }), event);
        expect(actions[0]!.params, state).to.equal(event);
      }
    });
  });

  describe('drain deadline', () => {
    it('arms the deadline as a raise delayed by drainTimeout (10 s unless provided)', () => {
      const m = machineWith();
      const [start] = initialTransition(m);
      const [, actions] = transition(m, start, drain());
      const raise = actions.find((a) => a.type === 'xstate.raise') as unknown as { params: { delay: number; event: { type: string } } };
      expect(raise.params.delay).to.equal(10_000);
      expect(raise.params.event.type).to.match(/drainTimeout/);
    });

    it('takes the deadline from the drainTimeout delay the server provides', () => {
      const m = machineWith().provide({ delays: { drainTimeout: 250 } });
      const [start] = initialTransition(m);
      const [, actions] = transition(m, start, drain());
      const raise = actions.find((a) => a.type === 'xstate.raise') as unknown as { params: { delay: number } };
      expect(raise.params.delay).to.equal(250);
    });

    it('ignores the deadline event while accepting (it only means something while draining)', () => {
      const m = machineWith();
      const [next, actions] = transition(m, m.resolveState({ value: 'accepting' }), drainTimeoutEvent());
      expect(next.value).to.equal('accepting');
      expect(types(actions)).to.deep.equal([]);
    });

    it('reaches a final state once stopped (the real actor then ignores every event: see below)', () => {
      const m = machineWith({ hasNoConnections: true });
      const [start] = initialTransition(m);
      const [stopped] = transition(m, start, drain());
      expect(stopped.status).to.equal('done');
      expect(stopped.value).to.equal('stopped');
    });
  });

  describe('with a SimulatedClock (real actor)', () => {
    function start(state: { connections: number }) {
      const clock = new SimulatedClock();
      const calls: string[] = [];
      const record = (name: string) => () => { calls.push(name); };
      const m = supervisorMachine.provide({
        delays: { drainTimeout: 100 },
        guards: { hasNoConnections: () => state.connections === 0 },
        actions: {
          spawnConnection: () => { state.connections++; calls.push('spawnConnection'); },
          releaseConnection: () => { state.connections--; calls.push('releaseConnection'); },
          refuseConnection: record('refuseConnection'),
          stopAccepting: record('stopAccepting'),
          drainConnections: record('drainConnections'),
          closeRemainingConnections: record('closeRemainingConnections'),
          notifyStopped: record('notifyStopped'),
        },
      });
      const actor = createActor(m, { clock }).start();
      return { actor, clock, calls };
    }

    it('closes the remaining connections exactly at drainTimeout', () => {
      const { actor, clock, calls } = start({ connections: 0 });
      try {
        actor.send(opened());
        actor.send(drain());
        clock.increment(99);
        expect(actor.getSnapshot().value).to.equal('draining');
        clock.increment(1);
        expect(actor.getSnapshot().value).to.equal('stopped');
        expect(calls).to.deep.equal(['spawnConnection', 'stopAccepting', 'drainConnections', 'closeRemainingConnections', 'notifyStopped']);
      } finally {
        actor.stop();
      }
    });

    it('stops as soon as the last connection closes, and the deadline never fires', () => {
      const { actor, clock, calls } = start({ connections: 0 });
      try {
        actor.send(opened());
        actor.send(opened());
        actor.send(drain());
        actor.send(closed());
        expect(actor.getSnapshot().value).to.equal('draining');
        actor.send(closed());
        expect(actor.getSnapshot().value).to.equal('stopped');
        clock.increment(1000);
        expect(calls.filter((c) => c === 'closeRemainingConnections')).to.deep.equal([]);
        expect(calls.filter((c) => c === 'notifyStopped')).to.deep.equal(['notifyStopped']);
      } finally {
        actor.stop();
      }
    });

    it('refuses sockets opened while draining', () => {
      const { actor, calls } = start({ connections: 0 });
      try {
        actor.send(opened());
        actor.send(drain());
        actor.send(opened());
        expect(calls).to.deep.equal(['spawnConnection', 'stopAccepting', 'drainConnections', 'refuseConnection']);
      } finally {
        actor.stop();
      }
    });

    it('runs nothing for events after it stopped', () => {
      const { actor, clock, calls } = start({ connections: 0 });
      actor.send(drain());
      expect(actor.getSnapshot().status).to.equal('done');
      const before = [...calls];
      actor.send(opened());
      actor.send(drain());
      clock.increment(1000);
      expect(calls).to.deep.equal(before);
    });
  });
});
