/**
 * The connection machine as a pure transition table (xstate's `initialTransition`/`transition`):
 * each row is (state, rooms held, event, stubbed guards) → (next state, action types in order).
 * Nothing runs: the actions are returned, not executed. The two guards src supplies (isHelloValid,
 * the room limit is the membership authority's) are fixed true/false with `.provide()`; the relay guards are pure and read the
 * room carried by the event, so the rows build that room (a RoomView) instead of stubbing them.
 * The hello deadline is checked for real with the shared DeadlineClock ticked by hand.
 *
 * Note: `assign` actions (assignProfile, addRoom, removeRoom) are applied by xstate while it
 * computes the transition and never appear in the returned list, so rows check their effect on
 * the context instead (the rooms Set as a sorted array).
 */
import { expect } from 'chai';
import { createActor, initialTransition, transition, type StateValue } from 'xstate';
import { DeadlineClock } from '../../src/timers/deadline-clock.js';
import {
  connectionMachine,
  type ConnectionContext,
  type ConnectionEvent,
  type CallView,
  type RoomKind,
  type RoomView,
} from '../../machines/connection.js';
import { AFTER_RELAY, ALONE_REPLY, PEER_RELAY, type RelayType } from '../helpers/connection-rows.js';

/** The guards src/actors/connection.ts supplies; every other guard is pure. */
type StubGuard = 'isHelloValid';
type Guards = Partial<Record<StubGuard, boolean>>;

const INPUT = { id: 'c1', helloTransaction: 't1' };
const SERVER_ID = 'jsongle-server';
const HELLOED_OUT: StateValue = { helloed: { unregistered: 'outOfRoom' } };
const HELLOED_IN: StateValue = { helloed: { unregistered: 'inRoom' } };

function machineWith(guards: Guards = {}) {
  return connectionMachine.provide({
    guards: {
      isHelloValid: () => guards.isHelloValid ?? false,
    },
  });
}

/** A snapshot in `value` with a context that fits it (a profile once helloed, a fresh Set of rooms). */
function snapshotIn(machine: ReturnType<typeof machineWith>, value: StateValue, rooms: string[] = []) {
  const helloed = value !== 'connected' && value !== 'closing';
  const context: ConnectionContext = { ...INPUT, profile: helloed ? { uid: 'alice' } : null, rooms: new Set(rooms), identity: null };
  return machine.resolveState({ value, context });
}

function types(actions: ReadonlyArray<{ type: string }>): string[] {
  return actions.map((a) => a.type);
}

const sorted = (rooms: ReadonlySet<string>) => [...rooms].sort();

/** The room the edge looked up for a relay: only what the chart reads of it. */
const view = (rid: string, kind: RoomKind, size: number, beyondReach = false): RoomView => ({ rid, kind, members: { size }, beyondReach });
const PEER = view('r1', 'room', 2);
const ALONE = view('r1', 'room', 1);
/** A P2P room of two whose other member sits on another node (Redis engine). */
const REMOTE_PEER: RoomView = { ...view('r1', 'room', 2), remoteMembers: 1 };
const GROUP = view('r1', 'room', 3);
const MUC = view('r1', 'muc', 5);
const MUC_ALONE = view('r1', 'muc', 1);

// Event makers: the machine only routes on type, `to`, the room view and the hello's description.
const frame = (action: string, to: unknown = 'r1') => ({ to, jsongle: { action, description: {} } });
const hello = (): ConnectionEvent => ({
  type: 'client.hello',
  msg: { to: SERVER_ID, jsongle: { action: 'iq-result', query: 'session-hello', transaction: 't1', description: { uid: 'alice', dn: 'Alice', extra: 'dropped' } } },
});
const RELAY_ACTION: Record<RelayType, string> = {
  'client.propose': 'session-propose',
  'client.callAction': 'transport-info',
  'client.message': 'session-text',
  'client.roomEvent': 'session-event',
};
/** `room` has no default: undefined is a case of its own (no such room). */
const relay = (type: RelayType, room: RoomView | undefined, to = 'r1'): ConnectionEvent =>
  ({ type, msg: { to, jsongle: { action: RELAY_ACTION[type], description: {} } }, room, call: undefined });
/** A call action (sid `s1`) with the call the edge looked up for it. */
const callRelay = (type: 'client.propose' | 'client.callAction', room: RoomView | undefined, call: CallView | undefined, to = 'r1'): ConnectionEvent =>
  ({ type, msg: { to, jsongle: { action: RELAY_ACTION[type], sid: 's1', description: {} } }, room, call });
/** The same, as the cross-node arbiter's verdict sends it back (Redis engine). */
const claimedRelay = (type: 'client.propose' | 'client.callAction', room: RoomView | undefined, call: CallView | undefined): ConnectionEvent =>
  ({ type, msg: { to: 'r1', jsongle: { action: RELAY_ACTION[type], sid: 's1', description: {} } }, room, call, claimed: true });
/** A call between this connection (c1) and c2, or between two others. */
const OWN_CALL: CallView = { sid: 's1', caller: 'c1', callee: 'c2' };
const CALLEE_CALL: CallView = { sid: 's1', caller: 'c2', callee: 'c1' };
const FOREIGN_CALL: CallView = { sid: 's1', caller: 'c7', callee: 'c8' };
const OTHER_SID_CALL: CallView = { sid: 's0', caller: 'c2', callee: 'c1' };
const join = (kind: RoomKind = 'room'): ConnectionEvent => ({ type: 'client.join', kind, msg: frame('iq-set', SERVER_ID) });
const leave = (): ConnectionEvent => ({ type: 'client.leave', msg: frame('iq-set', SERVER_ID) });
const unknownQuery = (): ConnectionEvent => ({ type: 'client.unknownQuery', msg: frame('iq-set', SERVER_ID) });
const metrics = (): ConnectionEvent => ({ type: 'client.metrics', msg: frame('session-metrics', SERVER_ID) });
const invalid = (): ConnectionEvent => ({ type: 'client.invalid', msg: frame('session-dance'), code: 405001, param: 'session-dance' });
const malformed = (): ConnectionEvent => ({ type: 'client.malformed', code: 400003 });
const joined = (rid: string): ConnectionEvent => ({ type: 'room.joined', rid });
const left = (rid: string): ConnectionEvent => ({ type: 'room.left', rid });
const drain = (): ConnectionEvent => ({ type: 'server.drain' });
const closed = (): ConnectionEvent => ({ type: 'ws.closed' });
/** What the shared hello clock (a DeadlineClock, src/timers/deadline-clock.ts) sends when a connection's deadline passes. */
const helloTimeout = (): ConnectionEvent => ({ type: 'hello.timeout' });

const RELAY_TYPES: RelayType[] = ['client.propose', 'client.callAction', 'client.message', 'client.roomEvent'];

interface Row {
  does: string;
  from: StateValue;
  rooms?: string[];
  event: ConnectionEvent;
  guards?: Guards;
  to: StateValue;
  actions: string[];
  /** Context rooms after the transition (sorted), when the row is about them. */
  roomsAfter?: string[];
}

const CLIENT_EVENTS_BEFORE_HELLO: Array<[string, () => ConnectionEvent]> = [
  ['a join', () => join()],
  ['a muc join', () => join('muc')],
  ['a leave', leave],
  ['an unknown query', unknownQuery],
  ...RELAY_TYPES.map((type): [string, () => ConnectionEvent] => [`a ${type}`, () => relay(type, PEER)]),
  ['a session-metrics', metrics],
  ['an invalid message', invalid],
];

/** The guard chain of inRoom, row by row, for one relay event type. */
function relayChain(type: RelayType): Row[] {
  const after = AFTER_RELAY[type];
  const peer = PEER_RELAY[type];
  const inRoom = (does: string, rooms: string[], event: ConnectionEvent, actions: string[]): Row =>
    ({ does, from: HELLOED_IN, rooms, event, to: HELLOED_IN, actions, roomsAfter: rooms });
  return [
    // 1. the frequent case: a reachable P2P peer
    inRoom('relays to the one peer of a P2P room of two', ['r1'], relay(type, PEER), peer),
    inRoom('relays to the peer of the second of two rooms it is in', ['m1', 'r1'], relay(type, PEER), peer),
    // 2. a reachable multi-user room (alone in it too: a MUC has no "other member" check)
    inRoom('relays to a multi-user room', ['r1'], relay(type, MUC), ['relayToMultiRoom', ...after]),
    inRoom('relays to a multi-user room it is alone in', ['r1'], relay(type, MUC_ALONE), ['relayToMultiRoom', ...after]),
    // 3. not a member of the room `to` names
    inRoom('refuses a relay to a room it is not in (the room exists)', ['r1'], relay(type, view('r2', 'room', 2), 'r2'), ['replyNotInRoom']),
    inRoom('refuses a relay to a MUC it is not in', ['r1'], relay(type, view('m2', 'muc', 3), 'm2'), ['replyNotInRoom']),
    inRoom('refuses a relay to a room that does not exist', ['r1'], relay(type, undefined, 'r2'), ['replyNotInRoom']),
    inRoom('refuses a relay to a room it holds but the edge did not find (room gone meanwhile)', ['r1'], relay(type, undefined, 'r1'), ['replyNotInRoom']),
    inRoom('refuses a relay to __proto__ (no such room, not an inherited member)', ['r1'], relay(type, undefined, '__proto__'), ['replyNotInRoom']),
    inRoom('refuses a relay to constructor', ['r1'], relay(type, undefined, 'constructor'), ['replyNotInRoom']),
    inRoom('refuses a relay to the server id', ['r1'], relay(type, undefined, SERVER_ID), ['replyNotInRoom']),
    inRoom('refuses a non-member even when its room is beyond reach (membership first)', ['r1'], relay(type, view('r2', 'room', 2, true), 'r2'), ['replyNotInRoom']),
    inRoom('relays in a room actually named __proto__ once it is in it', ['__proto__'], relay(type, view('__proto__', 'muc', 2), '__proto__'), ['relayToMultiRoom', ...after]),
    // 4. alone in a P2P room
    inRoom(`answers ${ALONE_REPLY[type]} when alone in a P2P room`, ['r1'], relay(type, ALONE), [ALONE_REPLY[type]]),
    inRoom(`answers ${ALONE_REPLY[type]} when alone, before checking the reach`, ['r1'], relay(type, view('r1', 'room', 1, true)), [ALONE_REPLY[type]]),
    // 5. some members beyond reach (bus to their node down)
    inRoom('answers replyRoomUnavailable for a P2P room of two beyond reach', ['r1'], relay(type, view('r1', 'room', 2, true)), ['replyRoomUnavailable']),
    inRoom('answers replyRoomUnavailable for a MUC beyond reach', ['r1'], relay(type, view('r1', 'muc', 4, true)), ['replyRoomUnavailable']),
    inRoom('answers replyRoomUnavailable for a P2P group beyond reach', ['r1'], relay(type, view('r1', 'room', 3, true)), ['replyRoomUnavailable']),
    // 6. the rare P2P room configured for more than two
    inRoom('relays to each member of a P2P room of three', ['r1'], relay(type, GROUP), ['relayToEachMember', ...after]),
  ].map((row) => ({ ...row, does: `${type}: ${row.does}` }));
}

const rows: Row[] = [
  // connected
  { does: 'accepts a valid hello: stops the hello clock, then acknowledges', from: 'connected', event: hello(), guards: { isHelloValid: true }, to: HELLOED_OUT, actions: ['stopHelloClock', 'acknowledgeHello'], roomsAfter: [] },
  { does: 'rejects an invalid hello and stays connected without restarting the hello clock', from: 'connected', event: hello(), guards: { isHelloValid: false }, to: 'connected', actions: ['rejectHello'] },
  ...CLIENT_EVENTS_BEFORE_HELLO.map(([what, event]): Row => ({
    does: `answers ${what} before hello with replyHelloRequired`, from: 'connected', event: event(), to: 'connected', actions: ['replyHelloRequired'],
  })),
  { does: 'answers a malformed frame before hello with replyMalformed (the JSON checks come before the hello check)', from: 'connected', event: malformed(), to: 'connected', actions: ['replyMalformed'] },
  { does: 'ignores room.joined before hello', from: 'connected', event: joined('r1'), to: 'connected', actions: [], roomsAfter: [] },
  { does: 'ignores room.left before hello', from: 'connected', event: left('r1'), to: 'connected', actions: [], roomsAfter: [] },
  { does: 'stops the hello clock and closes for shutdown on server.drain before hello', from: 'connected', event: drain(), to: 'closing', actions: ['stopHelloClock', 'closeForShutdown'] },
  { does: 'stops the hello clock and goes closed on ws.closed before hello', from: 'connected', event: closed(), to: 'closed', actions: ['stopHelloClock'] },
  { does: 'stops the hello clock and closes when the hello clock says time is up', from: 'connected', event: helloTimeout(), to: 'closing', actions: ['stopHelloClock', 'closeForHelloTimeout'] },

  // helloed, in no room
  { does: 'rejects a second hello, valid or not', from: HELLOED_OUT, event: hello(), guards: { isHelloValid: true }, to: HELLOED_OUT, actions: ['rejectSecondHello'] },
  { does: 'rejects a second invalid hello the same way', from: HELLOED_OUT, event: hello(), guards: { isHelloValid: false }, to: HELLOED_OUT, actions: ['rejectSecondHello'] },
  { does: 'asks the supervisor for a P2P join', from: HELLOED_OUT, event: join(), to: HELLOED_OUT, actions: ['askSupervisorToJoin'], roomsAfter: [] },
  { does: 'asks the supervisor for a MUC join', from: HELLOED_OUT, event: join('muc'), to: HELLOED_OUT, actions: ['askSupervisorToJoin'] },
  { does: 'asks the supervisor for a leave even when in no room (it answers 404002)', from: HELLOED_OUT, event: leave(), to: HELLOED_OUT, actions: ['askSupervisorToLeave'] },
  { does: 'asks the supervisor for a leave', from: HELLOED_OUT, event: leave(), to: HELLOED_OUT, actions: ['askSupervisorToLeave'] },
  { does: 'answers an unknown query with replyQueryNotSupported', from: HELLOED_OUT, event: unknownQuery(), to: HELLOED_OUT, actions: ['replyQueryNotSupported'] },
  { does: 'records a session-metrics', from: HELLOED_OUT, event: metrics(), to: HELLOED_OUT, actions: ['recordCallMetrics'] },
  { does: 'answers an invalid message with replyInvalid', from: HELLOED_OUT, event: invalid(), to: HELLOED_OUT, actions: ['replyInvalid'] },
  { does: 'answers a malformed frame with replyMalformed', from: HELLOED_OUT, event: malformed(), to: HELLOED_OUT, actions: ['replyMalformed'] },
  ...RELAY_TYPES.flatMap((type): Row[] => [
    { does: `answers a ${type} with replyNotInRoom when in no room`, from: HELLOED_OUT, event: relay(type, PEER), to: HELLOED_OUT, actions: ['replyNotInRoom'] },
    { does: `answers a ${type} to a reachable MUC with replyNotInRoom when in no room`, from: HELLOED_OUT, event: relay(type, MUC), to: HELLOED_OUT, actions: ['replyNotInRoom'] },
    { does: `answers a ${type} to no room with replyNotInRoom when in no room`, from: HELLOED_OUT, event: relay(type, undefined, '__proto__'), to: HELLOED_OUT, actions: ['replyNotInRoom'] },
  ]),
  { does: 'moves to inRoom and records the room on room.joined', from: HELLOED_OUT, event: joined('r1'), to: HELLOED_IN, actions: [], roomsAfter: ['r1'] },
  { does: 'records a room named __proto__ on room.joined', from: HELLOED_OUT, event: joined('__proto__'), to: HELLOED_IN, actions: [], roomsAfter: ['__proto__'] },
  { does: 'ignores room.left when in no room', from: HELLOED_OUT, event: left('r1'), to: HELLOED_OUT, actions: [], roomsAfter: [] },
  { does: 'ignores a late hello.timeout (the clock was stopped by the hello)', from: HELLOED_OUT, event: helloTimeout(), to: HELLOED_OUT, actions: [] },
  { does: 'closes for shutdown on server.drain', from: HELLOED_OUT, event: drain(), to: 'closing', actions: ['closeForShutdown'] },
  { does: 'goes closed on ws.closed', from: HELLOED_OUT, event: closed(), to: 'closed', actions: [] },

  // helloed, in a room: the relay guard chain, in order, for each relay event type
  ...RELAY_TYPES.flatMap(relayChain),

  // helloed, in a room: call actions for a call the server knows (the call the edge looked up)
  ...(['client.propose', 'client.callAction'] as const).flatMap((type): Row[] => {
    const inRoom = (does: string, event: ConnectionEvent, actions: string[], rooms = ['r1']): Row =>
      ({ does: `${type}: ${does}`, from: HELLOED_IN, rooms, event, to: HELLOED_IN, actions });
    const peer = PEER_RELAY[type];
    return [
      inRoom("relays the caller's own call action", callRelay(type, PEER, OWN_CALL), peer),
      inRoom("relays the callee's call action", callRelay(type, PEER, CALLEE_CALL), peer),
      inRoom("relays a call action to a peer on another node like any other (only a propose is arbitrated)", claimedRelay(type, REMOTE_PEER, OWN_CALL), peer),
      inRoom('refuses a stranger to a known call with replyNotCallParty (409002), never relaying', callRelay(type, PEER, FOREIGN_CALL), ['replyNotCallParty']),
      inRoom('refuses a stranger in a MUC too', callRelay(type, MUC, FOREIGN_CALL), ['replyNotCallParty']),
      inRoom('answers a stranger outside the room it names with replyNotInRoom (membership first)', callRelay(type, view('r2', 'room', 2), FOREIGN_CALL, 'r2'), ['replyNotInRoom']),
    ];
  }),
  // Redis engine: a propose to a peer on another node asks the arbiter first; its verdict comes back claimed.
  { does: 'client.propose: asks the arbiter (claimCall) before relaying to a peer on another node', from: HELLOED_IN, rooms: ['r1'], event: callRelay('client.propose', REMOTE_PEER, undefined), to: HELLOED_IN, actions: ['claimCall'] },
  { does: "client.propose: asks the arbiter for the caller's own known call too (the arbiter says it holds the room)", from: HELLOED_IN, rooms: ['r1'], event: callRelay('client.propose', REMOTE_PEER, OWN_CALL), to: HELLOED_IN, actions: ['claimCall'] },
  { does: 'client.propose: relays a claimed propose to a peer on another node and starts its call', from: HELLOED_IN, rooms: ['r1'], event: claimedRelay('client.propose', REMOTE_PEER, undefined), to: HELLOED_IN, actions: ['startCall', 'relayToPeer', 'replyTrying'] },
  { does: 'client.propose: answers busy when the arbiter gave the room to another sid', from: HELLOED_IN, rooms: ['r1'], event: claimedRelay('client.propose', REMOTE_PEER, OTHER_SID_CALL), to: HELLOED_IN, actions: ['replyBusy'] },
  { does: 'client.propose: refuses glare the edge knows of (a mirror) without asking the arbiter', from: HELLOED_IN, rooms: ['r1'], event: callRelay('client.propose', REMOTE_PEER, OTHER_SID_CALL), to: HELLOED_IN, actions: ['replyBusy'] },
  { does: 'client.propose: answers a claimed propose whose proposer left the room meanwhile with replyNotInRoom', from: HELLOED_OUT, event: claimedRelay('client.propose', REMOTE_PEER, undefined), to: HELLOED_OUT, actions: ['replyNotInRoom'] },
  { does: 'client.propose: answers a claimed propose whose peer left meanwhile with replyUnreachable', from: HELLOED_IN, rooms: ['r1'], event: claimedRelay('client.propose', ALONE, undefined), to: HELLOED_IN, actions: ['replyUnreachable'] },
  { does: 'client.propose: does not ask the arbiter when the other node is beyond reach (replyRoomUnavailable)', from: HELLOED_IN, rooms: ['r1'], event: callRelay('client.propose', { ...REMOTE_PEER, beyondReach: true }, undefined), to: HELLOED_IN, actions: ['replyRoomUnavailable'] },
  { does: 'client.propose: refuses glare (the room has a live call with another sid) with replyBusy', from: HELLOED_IN, rooms: ['r1'], event: callRelay('client.propose', PEER, OTHER_SID_CALL), to: HELLOED_IN, actions: ['replyBusy'] },
  { does: 'client.propose: answers glare outside the room it names with replyNotInRoom', from: HELLOED_IN, rooms: ['r1'], event: callRelay('client.propose', view('r2', 'room', 2), OTHER_SID_CALL, 'r2'), to: HELLOED_IN, actions: ['replyNotInRoom'] },
  { does: 'client.propose: answers a propose with a known sid from before hello with replyHelloRequired', from: 'connected', event: callRelay('client.propose', PEER, FOREIGN_CALL), to: 'connected', actions: ['replyHelloRequired'] },
  { does: 'client.callAction: answers a stranger in no room with replyNotInRoom', from: HELLOED_OUT, event: callRelay('client.callAction', PEER, FOREIGN_CALL), to: HELLOED_OUT, actions: ['replyNotInRoom'] },

  // helloed, in a room: everything inherited from helloed
  { does: 'rejects a second hello while in a room', from: HELLOED_IN, rooms: ['r1'], event: hello(), guards: { isHelloValid: true }, to: HELLOED_IN, actions: ['rejectSecondHello'] },
  { does: 'asks the supervisor for a join while in a room', from: HELLOED_IN, rooms: ['r1'], event: join('muc'), to: HELLOED_IN, actions: ['askSupervisorToJoin'], roomsAfter: ['r1'] },
  { does: 'asks the supervisor for a leave while in a room, keeping the room until room.left', from: HELLOED_IN, rooms: ['r1'], event: leave(), to: HELLOED_IN, actions: ['askSupervisorToLeave'], roomsAfter: ['r1'] },
  { does: 'answers an unknown query while in a room', from: HELLOED_IN, rooms: ['r1'], event: unknownQuery(), to: HELLOED_IN, actions: ['replyQueryNotSupported'] },
  { does: 'records a session-metrics while in a room', from: HELLOED_IN, rooms: ['r1'], event: metrics(), to: HELLOED_IN, actions: ['recordCallMetrics'] },
  { does: 'answers an invalid message while in a room', from: HELLOED_IN, rooms: ['r1'], event: invalid(), to: HELLOED_IN, actions: ['replyInvalid'] },
  { does: 'answers a malformed frame while in a room', from: HELLOED_IN, rooms: ['r1'], event: malformed(), to: HELLOED_IN, actions: ['replyMalformed'] },
  { does: 'ignores a late hello.timeout while in a room', from: HELLOED_IN, rooms: ['r1'], event: helloTimeout(), to: HELLOED_IN, actions: [] },

  // helloed, in a room: membership changes (isLastRoom)
  { does: 'records a second room on room.joined', from: HELLOED_IN, rooms: ['r1'], event: joined('m1'), to: HELLOED_IN, actions: [], roomsAfter: ['m1', 'r1'] },
  { does: 'keeps one entry on room.joined for a room it holds already', from: HELLOED_IN, rooms: ['r1'], event: joined('r1'), to: HELLOED_IN, actions: [], roomsAfter: ['r1'] },
  { does: 'goes back to outOfRoom when it leaves its last room', from: HELLOED_IN, rooms: ['r1'], event: left('r1'), to: HELLOED_OUT, actions: [], roomsAfter: [] },
  { does: 'stays inRoom when it leaves one of two rooms', from: HELLOED_IN, rooms: ['r1', 'm1'], event: left('r1'), to: HELLOED_IN, actions: [], roomsAfter: ['m1'] },
  { does: 'stays inRoom, rooms unchanged, on room.left for a room it is not in', from: HELLOED_IN, rooms: ['r1'], event: left('r9'), to: HELLOED_IN, actions: [], roomsAfter: ['r1'] },
  { does: 'stays inRoom on room.left for __proto__ when not in a room of that name', from: HELLOED_IN, rooms: ['r1'], event: left('__proto__'), to: HELLOED_IN, actions: [], roomsAfter: ['r1'] },
  { does: 'goes back to outOfRoom when it leaves a last room named __proto__', from: HELLOED_IN, rooms: ['__proto__'], event: left('__proto__'), to: HELLOED_OUT, actions: [], roomsAfter: [] },
  { does: 'closes for shutdown on server.drain while in a room', from: HELLOED_IN, rooms: ['r1'], event: drain(), to: 'closing', actions: ['closeForShutdown'] },
  { does: 'goes closed on ws.closed while in a room', from: HELLOED_IN, rooms: ['r1'], event: closed(), to: 'closed', actions: [] },

  // closing: only ws.closed matters
  { does: 'does not close for shutdown twice', from: 'closing', event: drain(), to: 'closing', actions: [] },
  { does: 'ignores a malformed frame while closing', from: 'closing', event: malformed(), to: 'closing', actions: [] },
  { does: 'ignores a hello while closing', from: 'closing', event: hello(), guards: { isHelloValid: true }, to: 'closing', actions: [] },
  { does: 'ignores hello.timeout while closing', from: 'closing', event: helloTimeout(), to: 'closing', actions: [] },
  ...RELAY_TYPES.map((type): Row => ({ does: `ignores a ${type} while closing`, from: 'closing', rooms: ['r1'], event: relay(type, PEER), to: 'closing', actions: [] })),
  { does: 'ignores a join while closing', from: 'closing', event: join(), to: 'closing', actions: [] },
  { does: 'ignores a leave while closing', from: 'closing', event: leave(), to: 'closing', actions: [] },
  { does: 'ignores an unknown query while closing', from: 'closing', event: unknownQuery(), to: 'closing', actions: [] },
  { does: 'ignores an invalid message while closing', from: 'closing', event: invalid(), to: 'closing', actions: [] },
  { does: 'ignores a session-metrics while closing', from: 'closing', event: metrics(), to: 'closing', actions: [] },
  { does: 'ignores room.joined while closing', from: 'closing', event: joined('r1'), to: 'closing', actions: [], roomsAfter: [] },
  { does: 'ignores room.left while closing', from: 'closing', rooms: ['r1'], event: left('r1'), to: 'closing', actions: [], roomsAfter: ['r1'] },
  { does: 'goes closed on ws.closed while closing', from: 'closing', event: closed(), to: 'closed', actions: [] },
];

describe('connection machine', () => {
  describe('initial transition', () => {
    it('starts in connected, sends the hello request and starts the hello clock, with no timer of its own', () => {
      const [snapshot, actions] = initialTransition(connectionMachine, INPUT);
      expect(snapshot.value).to.equal('connected');
      expect(types(actions)).to.deep.equal(['sendHelloRequest', 'startHelloClock']);
      expect(snapshot.context.id).to.equal('c1');
      expect(snapshot.context.helloTransaction).to.equal('t1');
      expect(snapshot.context.profile).to.equal(null);
      expect(snapshot.context.rooms).to.be.instanceOf(Set);
      expect(sorted(snapshot.context.rooms)).to.deep.equal([]);
    });

    it('gives each connection its own rooms Set', () => {
      const [a] = initialTransition(connectionMachine, INPUT);
      const [b] = initialTransition(connectionMachine, { id: 'c2', helloTransaction: 't2' });
      expect(a.context.rooms).to.not.equal(b.context.rooms);
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
        if (row.roomsAfter) expect(sorted(next.context.rooms), 'rooms after').to.deep.equal(row.roomsAfter);
      });
    }
  });

  describe('action parameters', () => {
    it('hands every relay and reply action the event itself (msg and room, no copy)', () => {
      for (const type of RELAY_TYPES) {
        for (const room of [PEER, MUC, GROUP, ALONE, view('r1', 'muc', 3, true)]) {
          const m = machineWith();
          const event = relay(type, room);
          const [, actions] = transition(m, snapshotIn(m, HELLOED_IN, ['r1']), event);
          expect(actions.length, `${type} ${JSON.stringify(room)}`).to.be.above(0);
          for (const a of actions) expect(a.params, `${type} ${a.type}`).to.equal(event);
        }
      }
    });

    it('hands the join action the event, with its kind', () => {
      const m = machineWith();
      const event = join('muc');
      const [, actions] = transition(m, snapshotIn(m, HELLOED_OUT), event);
      expect(actions[0]!.params).to.equal(event);
    });

    it('hands replyMalformed the event with its code', () => {
      const m = machineWith();
      const event = malformed();
      const [, actions] = transition(m, snapshotIn(m, HELLOED_IN, ['r1']), event);
      expect(actions[0]!.params).to.deep.equal({ type: 'client.malformed', code: 400003 });
    });

    it('reads the room view only through the event: guards see the room passed, not one of their own', () => {
      // The same snapshot and message routed three ways by the room view alone.
      const m = machineWith();
      const route = (room: RoomView | undefined) => types(transition(m, snapshotIn(m, HELLOED_IN, ['r1']), relay('client.roomEvent', room))[1]);
      expect(route(PEER)).to.deep.equal(['relayToPeer']);
      expect(route(MUC)).to.deep.equal(['relayToMultiRoom']);
      expect(route(undefined)).to.deep.equal(['replyNotInRoom']);
    });
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
      expect(Object.keys(next.context.profile!)).to.deep.equal(['uid']);
    });

    it('does not change the profile on an invalid hello', () => {
      const m = machineWith({ isHelloValid: false });
      const [next] = transition(m, snapshotIn(m, 'connected'), hello());
      expect(next.context.profile).to.equal(null);
    });

    it('changes the rooms Set in place on join and leave: the same Set, never a copy', () => {
      const m = machineWith();
      const before = snapshotIn(m, HELLOED_IN, ['r1']);
      const set = before.context.rooms;
      const [afterJoin] = transition(m, before, joined('m1'));
      expect(afterJoin.context.rooms).to.equal(set);
      const [afterLeave] = transition(m, afterJoin, left('r1'));
      expect(afterLeave.context.rooms).to.equal(set);
      expect(sorted(set)).to.deep.equal(['m1']);
    });

    it('walks outOfRoom → inRoom → inRoom → inRoom → outOfRoom across two joins and two leaves', () => {
      const m = machineWith();
      let s = snapshotIn(m, HELLOED_OUT);
      const seen: StateValue[] = [];
      for (const event of [joined('r1'), joined('m1'), left('r1'), left('m1')]) {
        [s] = transition(m, s, event);
        seen.push(s.value);
      }
      expect(seen).to.deep.equal([HELLOED_IN, HELLOED_IN, HELLOED_IN, HELLOED_OUT]);
      expect(sorted(s.context.rooms)).to.deep.equal([]);
    });

    it('reaches a final state on ws.closed from every state', () => {
      const m = machineWith();
      for (const from of ['connected', HELLOED_OUT, HELLOED_IN, 'closing'] as StateValue[]) {
        const [next] = transition(m, snapshotIn(m, from, ['r1']), closed());
        expect(next.status, `from ${JSON.stringify(from)}`).to.equal('done');
      }
    });

    it('is done once closed: the actor stops, so no later event is handled (see the real actor below)', () => {
      const m = machineWith();
      const [done] = transition(m, snapshotIn(m, HELLOED_IN, ['r1']), closed());
      expect(done.status).to.equal('done');
      expect(done.value).to.equal('closed');
    });
  });

  describe('hello deadline with the shared DeadlineClock (real actor, clock ticked by hand)', () => {
    function start(guards: { valid: boolean }) {
      const calls: string[] = [];
      const record = (name: string) => () => { calls.push(name); };
      let actor: ReturnType<typeof createActor<typeof connectionMachine>> | null = null;
      const clock = new DeadlineClock(1000, () => actor?.send({ type: 'hello.timeout' }));
      const m = connectionMachine.provide({
        guards: { isHelloValid: () => guards.valid },
        actions: {
          sendHelloRequest: record('sendHelloRequest'),
          startHelloClock: ({ context }) => clock.add(context.id, 0),
          stopHelloClock: ({ context }) => clock.remove(context.id),
          acknowledgeHello: record('acknowledgeHello'),
          rejectHello: record('rejectHello'),
          closeForHelloTimeout: record('closeForHelloTimeout'),
          closeForShutdown: record('closeForShutdown'),
          replyMalformed: record('replyMalformed'),
          replyHelloRequired: record('replyHelloRequired'),
          replyNotInRoom: record('replyNotInRoom'),
        },
      });
      actor = createActor(m, { input: INPUT }).start();
      return { actor, clock, calls };
    }

    it('fires the hello timeout at the first tick at or after helloTimeout', () => {
      const { actor, clock, calls } = start({ valid: false });
      try {
        expect(clock.pending).to.equal(1);
        clock.tick(999);
        expect(actor.getSnapshot().value).to.equal('connected');
        expect(calls).to.deep.equal(['sendHelloRequest']);
        clock.tick(1000);
        expect(actor.getSnapshot().value).to.equal('closing');
        expect(calls).to.deep.equal(['sendHelloRequest', 'closeForHelloTimeout']);
        expect(clock.pending).to.equal(0);
      } finally {
        actor.stop();
      }
    });

    it('does not restart the deadline on an invalid hello or a frame before hello', () => {
      const { actor, clock, calls } = start({ valid: false });
      try {
        clock.tick(600);
        actor.send(hello());
        actor.send(relay('client.message', PEER));
        expect(clock.pending).to.equal(1);
        clock.tick(1000);
        expect(actor.getSnapshot().value).to.equal('closing');
        expect(calls).to.deep.equal(['sendHelloRequest', 'rejectHello', 'replyHelloRequired', 'closeForHelloTimeout']);
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
        expect(clock.pending).to.equal(0);
        clock.tick(5000);
        expect(actor.getSnapshot().value).to.equal('closing');
        expect(calls).to.deep.equal(['sendHelloRequest', 'closeForShutdown']);
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
      actor.send(relay('client.message', PEER));
      expect(actor.getSnapshot().value).to.equal('closed');
      expect(calls).to.deep.equal(['sendHelloRequest']);
    });
  });
});
