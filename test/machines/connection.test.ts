/**
 * The connection machine as a pure transition table (xstate's `initialTransition`/`transition`):
 * each row is (state, context, event, stubbed guards) → (next state, action types in order).
 * Nothing runs: the actions are returned, not executed. Guards the machine leaves as stubs are
 * fixed true/false with `.provide()`. Timers are checked twice: as the delayed raise the pure
 * functions return, and for real with the shared HelloClock ticked by hand.
 *
 * Note: `assign` actions (assignProfile, assignRoom, unassignRoom) are applied by xstate while it
 * computes the transition and never appear in the returned list, so rows check their effect on
 * the context instead.
 */
import { expect } from 'chai';
import { createActor, initialTransition, transition, type StateValue } from 'xstate';
import { HelloClock } from '../../src/actors/hello-clock.js';
import { connectionMachine, type ConnectionContext, type ConnectionEvent } from '../../machines/connection.js';

type RoomKind = 'room' | 'muc';
type StubGuard = 'isHelloValid' | 'isCallWithNobodyToReach' | 'isMessageWithNobodyToReach';
type Guards = Partial<Record<StubGuard, boolean>>;

const INPUT = { id: 'c1', helloTransaction: 't1' };
const HELLOED_OUT: StateValue = { helloed: 'outOfRoom' };
const HELLOED_IN: StateValue = { helloed: 'inRoom' };

function machineWith(guards: Guards = {}) {
  return connectionMachine.provide({
    guards: {
      isHelloValid: () => guards.isHelloValid ?? false,
      isCallWithNobodyToReach: () => guards.isCallWithNobodyToReach ?? false,
      isMessageWithNobodyToReach: () => guards.isMessageWithNobodyToReach ?? false,
    },
  });
}

/** A snapshot in `value` with a context that fits it (profile once helloed, the given rooms). */
function snapshotIn(machine: ReturnType<typeof machineWith>, value: StateValue, rooms: Record<string, RoomKind> = {}) {
  const helloed = value !== 'connected';
  const context: ConnectionContext = { ...INPUT, profile: helloed ? { uid: 'alice' } : null, rooms };
  return machine.resolveState({ value, context });
}

function types(actions: ReadonlyArray<{ type: string }>): string[] {
  return actions.map((a) => a.type);
}

// Event makers: the machine only routes on type, `to` and `jsongle.action`.
const frame = (action: string, to: unknown = 'r1') => ({ to, jsongle: { action, description: {} } });
const hello = (): ConnectionEvent => ({
  type: 'client.hello',
  msg: { to: 'jsongle-server', jsongle: { action: 'iq-result', query: 'session-hello', transaction: 't1', description: { uid: 'alice', dn: 'Alice', extra: 'dropped' } } },
});
const relay = (action: string, to: unknown = 'r1'): ConnectionEvent => ({ type: 'client.relay', msg: frame(action, to) });
const join = (kind: RoomKind = 'room'): ConnectionEvent => ({ type: 'client.join', kind, msg: frame('iq-set', 'jsongle-server') });
const leave = (): ConnectionEvent => ({ type: 'client.leave', msg: frame('iq-set', 'jsongle-server') });
const unknownQuery = (): ConnectionEvent => ({ type: 'client.unknownQuery', msg: frame('iq-set', 'jsongle-server') });
const metrics = (): ConnectionEvent => ({ type: 'client.metrics', msg: frame('session-metrics', 'jsongle-server') });
const invalid = (): ConnectionEvent => ({ type: 'client.invalid', msg: frame('session-dance'), code: 405001, param: 'session-dance' });
const malformed = (): ConnectionEvent => ({ type: 'client.malformed', code: 400003 });
const joined = (rid: string, kind: RoomKind = 'room'): ConnectionEvent => ({ type: 'room.joined', rid, kind });
const left = (rid: string): ConnectionEvent => ({ type: 'room.left', rid });
const drain = (): ConnectionEvent => ({ type: 'server.drain' });
const closed = (): ConnectionEvent => ({ type: 'ws.closed' });

/** What the shared hello clock (src/actors/hello-clock.ts) sends when a connection's deadline passes. */
const helloTimeout = (): ConnectionEvent => ({ type: 'hello.timeout' });

interface Row {
  does: string;
  from: StateValue;
  rooms?: Record<string, RoomKind>;
  event: ConnectionEvent;
  guards?: Guards;
  to: StateValue;
  actions: string[];
  /** Context rooms after the transition, when the row is about them. */
  roomsAfter?: Record<string, RoomKind>;
}

const CLIENT_EVENTS_BEFORE_HELLO: Array<[string, () => ConnectionEvent]> = [
  ['a join', () => join()],
  ['a muc join', () => join('muc')],
  ['a leave', leave],
  ['an unknown query', unknownQuery],
  ['a relay', () => relay('session-text')],
  ['a call relay', () => relay('session-propose')],
  ['a session-metrics', metrics],
  ['an invalid message', invalid],
];

const rows: Row[] = [
  // connected
  { does: 'accepts a valid hello: stops the hello clock, then acknowledges', from: 'connected', event: hello(), guards: { isHelloValid: true }, to: HELLOED_OUT, actions: ['stopHelloClock', 'acknowledgeHello'] },
  { does: 'rejects an invalid hello and stays connected without restarting the hello clock', from: 'connected', event: hello(), guards: { isHelloValid: false }, to: 'connected', actions: ['rejectHello'] },
  ...CLIENT_EVENTS_BEFORE_HELLO.map(([what, event]): Row => ({
    does: `answers ${what} before hello with replyHelloRequired`, from: 'connected', event: event(), to: 'connected', actions: ['replyHelloRequired'],
  })),
  { does: 'answers a malformed frame before hello with replyMalformed (the JSON checks come before the hello check)', from: 'connected', event: malformed(), to: 'connected', actions: ['replyMalformed'] },
  { does: 'ignores room.joined before hello', from: 'connected', event: joined('r1'), to: 'connected', actions: [], roomsAfter: {} },
  { does: 'ignores room.left before hello', from: 'connected', event: left('r1'), to: 'connected', actions: [] },
  { does: 'announces the shutdown and goes closing on server.drain before hello, stopping the hello clock', from: 'connected', event: drain(), to: 'closing', actions: ['stopHelloClock', 'announceShutdown'] },
  { does: 'goes closed on ws.closed before hello, stopping the hello clock', from: 'connected', event: closed(), to: 'closed', actions: ['stopHelloClock'] },
  { does: 'answers the hello timeout and closes the socket when the hello clock says so', from: 'connected', event: helloTimeout(), to: 'closing', actions: ['stopHelloClock', 'replyHelloTimeout', 'closeForHelloTimeout'] },

  // helloed, in no room
  { does: 'rejects a second hello, valid or not', from: HELLOED_OUT, event: hello(), guards: { isHelloValid: true }, to: HELLOED_OUT, actions: ['rejectSecondHello'] },
  { does: 'asks the supervisor for a P2P join', from: HELLOED_OUT, event: join(), to: HELLOED_OUT, actions: ['requestJoin'] },
  { does: 'asks the supervisor for a MUC join', from: HELLOED_OUT, event: join('muc'), to: HELLOED_OUT, actions: ['requestJoin'] },
  { does: 'asks the supervisor for a leave even when in no room (it answers 404002)', from: HELLOED_OUT, event: leave(), to: HELLOED_OUT, actions: ['requestLeave'] },
  { does: 'answers an unknown query with replyQueryNotSupported', from: HELLOED_OUT, event: unknownQuery(), to: HELLOED_OUT, actions: ['replyQueryNotSupported'] },
  { does: 'records a session-metrics', from: HELLOED_OUT, event: metrics(), to: HELLOED_OUT, actions: ['recordCallMetrics'] },
  { does: 'answers an invalid message with replyInvalid', from: HELLOED_OUT, event: invalid(), to: HELLOED_OUT, actions: ['replyInvalid'] },
  { does: 'answers a malformed frame with replyMalformed', from: HELLOED_OUT, event: malformed(), to: HELLOED_OUT, actions: ['replyMalformed'] },
  { does: 'answers a relay with replyNotInRoom when in no room', from: HELLOED_OUT, event: relay('session-text'), guards: { isMessageWithNobodyToReach: true }, to: HELLOED_OUT, actions: ['replyNotInRoom'] },
  { does: 'answers a call relay with replyNotInRoom when in no room', from: HELLOED_OUT, event: relay('session-propose'), guards: { isCallWithNobodyToReach: true }, to: HELLOED_OUT, actions: ['replyNotInRoom'] },
  { does: 'moves to inRoom and records the room on room.joined', from: HELLOED_OUT, event: joined('r1', 'muc'), to: HELLOED_IN, actions: [], roomsAfter: { r1: 'muc' } },
  { does: 'ignores room.left when in no room', from: HELLOED_OUT, event: left('r1'), to: HELLOED_OUT, actions: [], roomsAfter: {} },
  { does: 'announces the shutdown and goes closing on server.drain', from: HELLOED_OUT, event: drain(), to: 'closing', actions: ['announceShutdown'] },
  { does: 'goes closed on ws.closed', from: HELLOED_OUT, event: closed(), to: 'closed', actions: [] },

  // helloed, in a room: the relay guard chain, in order
  { does: 'answers a relay to a room it is not in with replyNotInRoom', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-text', 'r2'), to: HELLOED_IN, actions: ['replyNotInRoom'] },
  { does: 'checks membership before anything else in the relay chain', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-propose', 'r2'), guards: { isCallWithNobodyToReach: true, isMessageWithNobodyToReach: true }, to: HELLOED_IN, actions: ['replyNotInRoom'] },
  { does: 'answers a relay whose to is not a string with replyNotInRoom', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-text', 7), to: HELLOED_IN, actions: ['replyNotInRoom'] },
  { does: 'answers a relay to the server id with replyNotInRoom', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-text', 'jsongle-server'), to: HELLOED_IN, actions: ['replyNotInRoom'] },
  { does: 'does not count __proto__ as a room it is in', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-text', '__proto__'), to: HELLOED_IN, actions: ['replyNotInRoom'] },
  { does: 'does not count constructor as a room it is in', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-text', 'constructor'), to: HELLOED_IN, actions: ['replyNotInRoom'] },
  { does: 'does not count hasOwnProperty as a room it is in', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-text', 'hasOwnProperty'), to: HELLOED_IN, actions: ['replyNotInRoom'] },
  { does: 'relays to a room actually named __proto__ once it is in it', from: HELLOED_IN, rooms: JSON.parse('{"__proto__":"muc"}'), event: relay('session-text', '__proto__'), to: HELLOED_IN, actions: ['relayToRoom', 'acknowledgeMessage'] },
  { does: 'answers a call with nobody to reach with replyUnreachable and does not relay it', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-propose'), guards: { isCallWithNobodyToReach: true }, to: HELLOED_IN, actions: ['replyUnreachable'] },
  { does: 'checks the call guard before the message guard', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-initiate'), guards: { isCallWithNobodyToReach: true, isMessageWithNobodyToReach: true }, to: HELLOED_IN, actions: ['replyUnreachable'] },
  { does: 'answers a message with nobody to reach with replyNoOtherMember and does not relay it', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-text'), guards: { isMessageWithNobodyToReach: true }, to: HELLOED_IN, actions: ['replyNoOtherMember'] },
  { does: 'checks nobody-to-reach before sending trying for a propose', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-propose'), guards: { isMessageWithNobodyToReach: true }, to: HELLOED_IN, actions: ['replyNoOtherMember'] },
  { does: 'relays a session-propose and then replies trying', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-propose'), to: HELLOED_IN, actions: ['relayToRoom', 'replyTrying'] },
  { does: 'relays a session-text and then acknowledges it', from: HELLOED_IN, rooms: { r1: 'muc' }, event: relay('session-text'), to: HELLOED_IN, actions: ['relayToRoom', 'acknowledgeMessage'] },
  { does: 'relays a session-custom and then acknowledges it', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-custom'), to: HELLOED_IN, actions: ['relayToRoom', 'acknowledgeMessage'] },
  { does: 'relays a session-event without acknowledging it', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-event'), to: HELLOED_IN, actions: ['relayToRoom'] },
  { does: 'tracks the call state of a session-accept, then relays it (the relay rewrites to)', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-accept'), to: HELLOED_IN, actions: ['trackCallState', 'relayToRoom'] },
  { does: 'tracks the call state of a session-terminate, then relays it (the relay rewrites to)', from: HELLOED_IN, rooms: { r1: 'room' }, event: relay('session-terminate'), to: HELLOED_IN, actions: ['trackCallState', 'relayToRoom'] },
  ...['session-info', 'session-retract', 'session-decline', 'session-proceed', 'session-initiate', 'transport-info'].map((action): Row => ({
    does: `relays a ${action} and nothing else`, from: HELLOED_IN, rooms: { r1: 'room' }, event: relay(action), to: HELLOED_IN, actions: ['relayToRoom'],
  })),
  { does: 'relays to the second of two rooms it is in', from: HELLOED_IN, rooms: { r1: 'room', m1: 'muc' }, event: relay('session-info', 'm1'), to: HELLOED_IN, actions: ['relayToRoom'] },

  // helloed, in a room: everything inherited from helloed
  { does: 'rejects a second hello while in a room', from: HELLOED_IN, rooms: { r1: 'room' }, event: hello(), guards: { isHelloValid: true }, to: HELLOED_IN, actions: ['rejectSecondHello'] },
  { does: 'asks the supervisor for a join while in a room', from: HELLOED_IN, rooms: { r1: 'room' }, event: join('muc'), to: HELLOED_IN, actions: ['requestJoin'] },
  { does: 'asks the supervisor for a leave while in a room', from: HELLOED_IN, rooms: { r1: 'room' }, event: leave(), to: HELLOED_IN, actions: ['requestLeave'], roomsAfter: { r1: 'room' } },
  { does: 'answers an unknown query while in a room', from: HELLOED_IN, rooms: { r1: 'room' }, event: unknownQuery(), to: HELLOED_IN, actions: ['replyQueryNotSupported'] },
  { does: 'records a session-metrics while in a room', from: HELLOED_IN, rooms: { r1: 'room' }, event: metrics(), to: HELLOED_IN, actions: ['recordCallMetrics'] },
  { does: 'answers an invalid message while in a room', from: HELLOED_IN, rooms: { r1: 'room' }, event: invalid(), to: HELLOED_IN, actions: ['replyInvalid'] },
  { does: 'answers a malformed frame while in a room', from: HELLOED_IN, rooms: { r1: 'room' }, event: malformed(), to: HELLOED_IN, actions: ['replyMalformed'] },

  // helloed, in a room: membership changes
  { does: 'records a second room on room.joined', from: HELLOED_IN, rooms: { r1: 'room' }, event: joined('m1', 'muc'), to: HELLOED_IN, actions: [], roomsAfter: { r1: 'room', m1: 'muc' } },
  { does: 'goes back to outOfRoom when it leaves its last room', from: HELLOED_IN, rooms: { r1: 'room' }, event: left('r1'), to: HELLOED_OUT, actions: [], roomsAfter: {} },
  { does: 'stays inRoom when it leaves one of two rooms', from: HELLOED_IN, rooms: { r1: 'room', m1: 'muc' }, event: left('r1'), to: HELLOED_IN, actions: [], roomsAfter: { m1: 'muc' } },
  { does: 'stays inRoom, rooms unchanged, on room.left for a room it is not in', from: HELLOED_IN, rooms: { r1: 'room' }, event: left('r9'), to: HELLOED_IN, actions: [], roomsAfter: { r1: 'room' } },
  { does: 'stays inRoom on room.left for __proto__ when not in a room of that name', from: HELLOED_IN, rooms: { r1: 'room' }, event: left('__proto__'), to: HELLOED_IN, actions: [], roomsAfter: { r1: 'room' } },
  { does: 'goes back to outOfRoom when it leaves a last room named __proto__', from: HELLOED_IN, rooms: JSON.parse('{"__proto__":"room"}'), event: left('__proto__'), to: HELLOED_OUT, actions: [], roomsAfter: {} },
  { does: 'announces the shutdown and goes closing on server.drain while in a room', from: HELLOED_IN, rooms: { r1: 'room' }, event: drain(), to: 'closing', actions: ['announceShutdown'] },
  { does: 'goes closed on ws.closed while in a room', from: HELLOED_IN, rooms: { r1: 'room' }, event: closed(), to: 'closed', actions: [] },

  // closing
  { does: 'does not announce the shutdown twice', from: 'closing', event: drain(), to: 'closing', actions: [] },
  { does: 'ignores a malformed frame while closing', from: 'closing', event: malformed(), to: 'closing', actions: [] },
  { does: 'ignores a hello while closing', from: 'closing', event: hello(), guards: { isHelloValid: true }, to: 'closing', actions: [] },
  { does: 'ignores a relay while closing', from: 'closing', event: relay('session-text'), to: 'closing', actions: [] },
  { does: 'ignores a join while closing', from: 'closing', event: join(), to: 'closing', actions: [] },
  { does: 'ignores a leave while closing', from: 'closing', event: leave(), to: 'closing', actions: [] },
  { does: 'ignores an invalid message while closing', from: 'closing', event: invalid(), to: 'closing', actions: [] },
  { does: 'ignores a session-metrics while closing', from: 'closing', event: metrics(), to: 'closing', actions: [] },
  { does: 'ignores room.joined while closing', from: 'closing', event: joined('r1'), to: 'closing', actions: [], roomsAfter: {} },
  { does: 'goes closed on ws.closed while closing', from: 'closing', event: closed(), to: 'closed', actions: [] },
];

describe('connection machine', () => {
  describe('initial transition', () => {
    it('starts in connected, sends the hello request and starts the hello clock, with no timer of its own', () => {
      const [snapshot, actions] = initialTransition(connectionMachine, INPUT);
      expect(snapshot.value).to.equal('connected');
      expect(types(actions)).to.deep.equal(['sendHelloRequest', 'startHelloClock']);
      expect(snapshot.context).to.deep.equal({ id: 'c1', helloTransaction: 't1', profile: null, rooms: {} });
    });
  });

  describe('transition table', () => {
    for (const row of rows) {
      const guardNote = row.guards ? ` [${Object.entries(row.guards).map(([k, v]) => `${k}=${v}`).join(', ')}]` : '';
      it(`${JSON.stringify(row.from)} + ${row.event.type}${guardNote}: ${row.does}`, () => {
        const m = machineWith(row.guards);
        const [next, actions] = transition(m, snapshotIn(m, row.from, row.rooms), row.event);
        expect(next.value, 'next state').to.deep.equal(row.to);
        expect(types(actions), 'actions').to.deep.equal(row.actions);
        if (row.roomsAfter) {
          expect({ ...next.context.rooms }, 'rooms after').to.deep.equal(row.roomsAfter);
          expect(Object.keys(next.context.rooms).sort()).to.deep.equal(Object.keys(row.roomsAfter).sort());
        }
      });
    }
  });

  describe('context', () => {
    it('keeps only uid and dn of a valid hello as the profile', () => {
      const m = machineWith({ isHelloValid: true });
      const [next] = transition(m, snapshotIn(m, 'connected'), hello());
      expect(next.context.profile).to.deep.equal({ uid: 'alice', dn: 'Alice' });
    });

    it('keeps no dn when the hello had none', () => {
      const m = machineWith({ isHelloValid: true });
      const event: ConnectionEvent = { type: 'client.hello', msg: { jsongle: { action: 'iq-result', description: { uid: 'bob' } } } };
      const [next] = transition(m, snapshotIn(m, 'connected'), event);
      expect(next.context.profile).to.deep.equal({ uid: 'bob' });
    });

    it('does not change the profile on an invalid hello', () => {
      const m = machineWith({ isHelloValid: false });
      const [next] = transition(m, snapshotIn(m, 'connected'), hello());
      expect(next.context.profile).to.equal(null);
    });

    it('records a room named __proto__ as an own key without touching the prototype', () => {
      const m = machineWith();
      const [next] = transition(m, snapshotIn(m, HELLOED_OUT), joined('__proto__', 'muc'));
      expect(next.value).to.deep.equal(HELLOED_IN);
      expect(Object.hasOwn(next.context.rooms, '__proto__')).to.equal(true);
      expect(Object.keys(next.context.rooms)).to.deep.equal(['__proto__']);
      expect(Object.getPrototypeOf(next.context.rooms)).to.equal(Object.prototype);
    });

    it('does not mutate the previous snapshot when rooms change', () => {
      const m = machineWith();
      const before = snapshotIn(m, HELLOED_IN, { r1: 'room' });
      transition(m, before, joined('m1', 'muc'));
      transition(m, before, left('r1'));
      expect(before.context.rooms).to.deep.equal({ r1: 'room' });
    });

    it('walks outOfRoom → inRoom → inRoom → outOfRoom across two joins and two leaves', () => {
      const m = machineWith();
      let s = snapshotIn(m, HELLOED_OUT);
      const seen: StateValue[] = [];
      for (const event of [joined('r1'), joined('m1', 'muc'), left('r1'), left('m1')]) {
        [s] = transition(m, s, event);
        seen.push(s.value);
      }
      expect(seen).to.deep.equal([HELLOED_IN, HELLOED_IN, HELLOED_IN, HELLOED_OUT]);
      expect(s.context.rooms).to.deep.equal({});
    });

    it('reaches a final state on ws.closed', () => {
      const m = machineWith();
      for (const from of ['connected', HELLOED_OUT, HELLOED_IN, 'closing'] as StateValue[]) {
        const [next] = transition(m, snapshotIn(m, from, { r1: 'room' }), closed());
        expect(next.status, `from ${JSON.stringify(from)}`).to.equal('done');
      }
    });
  });

  describe('hello deadline with the shared HelloClock (real actor, clock ticked by hand)', () => {
    function start(guards: { valid: boolean }) {
      const calls: string[] = [];
      const record = (name: string) => () => { calls.push(name); };
      let actor: ReturnType<typeof createActor<typeof connectionMachine>> | null = null;
      const clock = new HelloClock(1000, () => actor?.send({ type: 'hello.timeout' }));
      const m = connectionMachine.provide({
        guards: { isHelloValid: () => guards.valid },
        actions: {
          sendHelloRequest: record('sendHelloRequest'),
          startHelloClock: ({ context }) => clock.add(context.id, 0),
          stopHelloClock: ({ context }) => clock.remove(context.id),
          acknowledgeHello: record('acknowledgeHello'),
          rejectHello: record('rejectHello'),
          replyHelloTimeout: record('replyHelloTimeout'),
          closeForHelloTimeout: record('closeForHelloTimeout'),
          announceShutdown: record('announceShutdown'),
          replyMalformed: record('replyMalformed'),
          replyHelloRequired: record('replyHelloRequired'),
        },
      });
      actor = createActor(m, { input: INPUT }).start();
      return { actor, clock, calls };
    }

    it('fires the hello timeout at the first tick at or after helloTimeout', () => {
      const { actor, clock, calls } = start({ valid: false });
      try {
        clock.tick(999);
        expect(actor.getSnapshot().value).to.equal('connected');
        expect(calls).to.deep.equal(['sendHelloRequest']);
        clock.tick(1000);
        expect(actor.getSnapshot().value).to.equal('closing');
        expect(calls).to.deep.equal(['sendHelloRequest', 'replyHelloTimeout', 'closeForHelloTimeout']);
        expect(clock.pending).to.equal(0);
      } finally {
        actor.stop();
      }
    });

    it('does not restart the deadline on an invalid hello', () => {
      const { actor, clock, calls } = start({ valid: false });
      try {
        clock.tick(600);
        actor.send(hello());
        clock.tick(1000);
        expect(actor.getSnapshot().value).to.equal('closing');
        expect(calls).to.deep.equal(['sendHelloRequest', 'rejectHello', 'replyHelloTimeout', 'closeForHelloTimeout']);
      } finally {
        actor.stop();
      }
    });

    it('never fires the timeout after a valid hello, and leaves no deadline behind', () => {
      const { actor, clock, calls } = start({ valid: true });
      try {
        actor.send(hello());
        expect(clock.pending).to.equal(0);
        clock.tick(5000);
        expect(actor.getSnapshot().value).to.deep.equal(HELLOED_OUT);
        expect(calls).to.deep.equal(['sendHelloRequest', 'acknowledgeHello']);
      } finally {
        actor.stop();
      }
    });

    it('never fires the timeout after a shutdown began', () => {
      const { actor, clock, calls } = start({ valid: false });
      try {
        actor.send(drain());
        clock.tick(5000);
        expect(actor.getSnapshot().value).to.equal('closing');
        expect(calls).to.deep.equal(['sendHelloRequest', 'announceShutdown']);
      } finally {
        actor.stop();
      }
    });

    it('never fires the timeout after the socket closed, and runs nothing for later events', () => {
      const { actor, clock, calls } = start({ valid: true });
      actor.send(closed());
      expect(actor.getSnapshot().status).to.equal('done');
      expect(clock.pending).to.equal(0);
      clock.tick(5000);
      actor.send(drain());
      actor.send(malformed());
      actor.send(hello());
      actor.send(relay('session-text'));
      expect(actor.getSnapshot().value).to.equal('closed');
      expect(calls).to.deep.equal(['sendHelloRequest']);
    });
  });
});
