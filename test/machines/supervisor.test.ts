/**
 * The supervisor machine as a pure transition table: (state, event, stubbed guards) → (next state,
 * action types in order). Every guard here is a stub that src/actors/supervisor.ts supplies, so
 * each row fixes them true/false with `.provide()`; the join and leave chains are checked in
 * order by making every later guard true as well. The drain deadline is checked as the delayed
 * raise the pure functions return and for real with a SimulatedClock.
 */
import { expect } from 'chai';
import { createActor, initialTransition, SimulatedClock, transition, type StateValue } from 'xstate';
import { supervisorMachine, type SupervisorEvent } from '../../machines/supervisor.js';

/** The guards src/actors/supervisor.ts supplies; the verdict guards are pure and read the event. */
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
const join = (kind: 'room' | 'muc' = 'room'): SupervisorEvent => ({ type: 'conn.join', id: 'c1', kind, msg: frame });
const leave = (): SupervisorEvent => ({ type: 'conn.leave', id: 'c1', msg: frame });
const drain = (): SupervisorEvent => ({ type: 'server.drain' });
type JoinVerdict = Extract<SupervisorEvent, { type: 'join.decided' }>['verdict'];
type LeaveVerdict = Extract<SupervisorEvent, { type: 'leave.decided' }>['verdict'];
const joinDecided = (verdict: JoinVerdict, kind: 'room' | 'muc' = 'room'): SupervisorEvent => ({ type: 'join.decided', id: 'c1', kind, msg: frame, verdict });
const leaveDecided = (verdict: LeaveVerdict): SupervisorEvent => ({ type: 'leave.decided', id: 'c1', msg: frame, verdict, kind: 'room' });
const membershipFailed = (): SupervisorEvent => ({ type: 'membership.failed', id: 'c1', msg: frame });

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

const JOINED = ['notifyMemberJoined', 'subscribeToRoom', 'confirmJoin'];
const LEFT = ['notifyMemberLeft', 'unsubscribeFromRoom', 'confirmLeave'];

/** A join: the room id is checked here, then the membership authority decides. */
const joinRequest: Array<[string, Guards, string[]]> = [
  ['rejects an invalid room id without asking the membership authority', { isRoomIdInvalid: true }, ['rejectInvalidRoomId']],
  ['otherwise asks the membership authority to decide', {}, ['decideJoin']],
];

/** The authority's verdict, each answered by its own action. */
const joinVerdicts: Array<[string, SupervisorEvent, Guards, string[]]> = [
  ['drops the verdict when the requester disconnected meanwhile', joinDecided('joined'), { isRequesterGone: true }, []],
  ['rejects a kind conflict', joinDecided('kindConflict'), {}, ['rejectKindConflict']],
  ['confirms an existing membership (idempotent rejoin)', joinDecided('alreadyMember'), {}, ['confirmExistingMembership']],
  ['rejects a full room', joinDecided('full'), {}, ['rejectRoomFull']],
  ['rejects too many MUC rooms', joinDecided('tooManyMultiRooms', 'muc'), {}, ['rejectTooManyMultiRooms']],
  ['notifies the members, subscribes the joiner and confirms, in that order', joinDecided('joined'), {}, JOINED],
];

const leaveRequest: Array<[string, Guards, string[]]> = [
  ['rejects an invalid room id without asking the membership authority', { isRoomIdInvalid: true }, ['rejectInvalidRoomId']],
  ['otherwise asks the membership authority to decide', {}, ['decideLeave']],
];

const leaveVerdicts: Array<[string, SupervisorEvent, Guards, string[]]> = [
  ['drops the verdict when the requester disconnected meanwhile', leaveDecided('left'), { isRequesterGone: true }, []],
  ['rejects a non-member', leaveDecided('notMember'), {}, ['rejectNotMember']],
  ['notifies the others, unsubscribes the leaver and confirms, in that order', leaveDecided('left'), {}, LEFT],
];

const rows: Row[] = [
  // accepting
  { does: 'spawns a connection actor for an opened socket', from: 'accepting', event: opened(), to: 'accepting', actions: ['spawnConnection'] },
  { does: 'tells the rooms about a departure, then releases the connection', from: 'accepting', event: closed(), to: 'accepting', actions: ['notifyRoomsOfDeparture', 'releaseConnection'] },
  { does: 'stays accepting after a close even with no connection left', from: 'accepting', event: closed(), guards: { hasNoConnections: true }, to: 'accepting', actions: ['notifyRoomsOfDeparture', 'releaseConnection'] },
  { does: 'starts draining: stops accepting, drains the connections and arms the drain deadline', from: 'accepting', event: drain(), to: 'draining', actions: ['stopAccepting', 'drainConnections', 'xstate.raise'] },
  { does: 'stops at once when draining with no connection, cancelling the deadline', from: 'accepting', event: drain(), guards: { hasNoConnections: true }, to: 'stopped', actions: ['stopAccepting', 'drainConnections', 'xstate.raise', 'xstate.cancel', 'notifyStopped'] },
  ...joinRequest.map(([does, guards, actions]): Row => ({ does: `join: ${does}`, from: 'accepting', event: join(), guards, to: 'accepting', actions })),
  { does: 'join: asks the authority for a MUC join too', from: 'accepting', event: join('muc'), to: 'accepting', actions: ['decideJoin'] },
  ...joinVerdicts.map(([does, event, guards, actions]): Row => ({ does: `join verdict: ${does}`, from: 'accepting', event, guards, to: 'accepting', actions })),
  ...leaveRequest.map(([does, guards, actions]): Row => ({ does: `leave: ${does}`, from: 'accepting', event: leave(), guards, to: 'accepting', actions })),
  ...leaveVerdicts.map(([does, event, guards, actions]): Row => ({ does: `leave verdict: ${does}`, from: 'accepting', event, guards, to: 'accepting', actions })),
  { does: 'answers 503002 when the membership authority failed', from: 'accepting', event: membershipFailed(), to: 'accepting', actions: ['rejectMembershipUnavailable'] },
  { does: 'closes a connection whose actor failed, and keeps accepting', from: 'accepting', event: { type: 'xstate.error.actor.c1', error: new Error('x'), actorId: 'c1' } as unknown as SupervisorEvent, to: 'accepting', actions: ['closeFailedConnection'] },
  { does: 'closes a connection whose actor failed while draining', from: 'draining', event: { type: 'xstate.error.actor.c1', error: new Error('x'), actorId: 'c1' } as unknown as SupervisorEvent, to: 'draining', actions: ['closeFailedConnection'] },

  // draining
  { does: 'refuses a socket that opens while draining', from: 'draining', event: opened(), to: 'draining', actions: ['refuseConnection'] },
  { does: 'handles a close while draining and keeps draining while connections remain', from: 'draining', event: closed(), to: 'draining', actions: ['notifyRoomsOfDeparture', 'releaseConnection'] },
  { does: 'stops once the last connection closed, cancelling the deadline', from: 'draining', event: closed(), guards: { hasNoConnections: true }, to: 'stopped', actions: ['notifyRoomsOfDeparture', 'releaseConnection', 'xstate.cancel', 'notifyStopped'] },
  { does: 'ignores a second drain request', from: 'draining', event: drain(), to: 'draining', actions: [] },
  { does: 'closes the remaining connections and stops when the drain deadline passes', from: 'draining', event: drainTimeoutEvent(), to: 'stopped', actions: ['xstate.cancel', 'closeRemainingConnections', 'notifyStopped'] },
  ...joinRequest.map(([does, guards, actions]): Row => ({ does: `join while draining: ${does}`, from: 'draining', event: join(), guards, to: 'draining', actions })),
  ...joinVerdicts.map(([does, event, guards, actions]): Row => ({ does: `join verdict while draining: ${does}`, from: 'draining', event, guards, to: 'draining', actions })),
  ...leaveVerdicts.map(([does, event, guards, actions]): Row => ({ does: `leave verdict while draining: ${does}`, from: 'draining', event, guards, to: 'draining', actions })),
  { does: 'stops after a leave verdict that left no connection (the eventless check runs after every event)', from: 'draining', event: leaveDecided('left'), guards: { hasNoConnections: true }, to: 'stopped', actions: [...LEFT, 'xstate.cancel', 'notifyStopped'] },
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

    it('reaches a final state once stopped', () => {
      const m = machineWith({ hasNoConnections: true });
      const [start] = initialTransition(m);
      const [next] = transition(m, start, drain());
      expect(next.status).to.equal('done');
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
