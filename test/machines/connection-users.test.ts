/**
 * The connection chart's registration states (users-calls-sessions.md §2–3) as a pure transition table:
 * each row is (state, rooms held, event, isOverDirectCallLimit) → (next state, action types in order).
 * Nothing runs: xstate's `transition` returns the actions. The relay guards of both regions are pure
 * and read the room, call and user verdict carried by the event; isOverDirectCallLimit is src's and
 * fixed true/false with `.provide()` (isHelloValid too, for the rows that say hello).
 *
 * `helloed` holds `unregistered` and `registered`, each with the same `outOfRoom ⇄ inRoom` (the "rooms"
 * rows): those take a relay addressed to one of the sender's rooms (one it holds and the edge found);
 * the registration state itself (the "user" rows) takes every other relay, XState consulting a parent's
 * rows only when its child has none that apply. The partition is checked on its own below with
 * `machine.getTransitionData`, which names the state each selected transition belongs to: for every
 * combination of state, target, room, call, user verdict and limit, exactly one transition is selected,
 * from the rows the target says.
 */
import { expect } from 'chai';
import { initialTransition, transition, type StateValue } from 'xstate';
import {
  connectionMachine,
  type CallView,
  type ConnectionContext,
  type ConnectionEvent,
  type RoomKind,
  type RoomView,
  type UserView,
} from '../../machines/connection.js';
import { AFTER_RELAY, ALONE_REPLY, PEER_RELAY, type RelayType } from '../helpers/connection-rows.js';

const INPUT = { id: 'c1', helloTransaction: 't1' };
const SERVER_ID = 'jsongle-server';

const at = (rooms: 'outOfRoom' | 'inRoom', user: 'unregistered' | 'registered'): StateValue => ({ helloed: { [user]: rooms } });
const OUT_UNREG = at('outOfRoom', 'unregistered');
const OUT_REG = at('outOfRoom', 'registered');
const IN_UNREG = at('inRoom', 'unregistered');
const IN_REG = at('inRoom', 'registered');

function machineWith(overLimit = false) {
  return connectionMachine.provide({ guards: { isHelloValid: () => true, isOverDirectCallLimit: () => overLimit } });
}
type Machine = ReturnType<typeof machineWith>;

function snapshotIn(machine: Machine, value: StateValue, rooms: string[] = []) {
  const context: ConnectionContext = { ...INPUT, helloTransaction: value === 'connected' ? 't1' : '', profile: value === 'connected' ? null : { uid: 'alice' }, rooms: new Set(rooms), identity: null };
  return machine.resolveState({ value, context });
}
const types = (actions: ReadonlyArray<{ type: string }>): string[] => actions.map((a) => a.type);

// --- Event makers ---
const iq = (query: string) => ({ to: SERVER_ID, jsongle: { action: 'iq-set', query, transaction: 'q1', description: {} } });
const register = (): ConnectionEvent => ({ type: 'client.register', msg: iq('session-register') });
const unregister = (): ConnectionEvent => ({ type: 'client.unregister', msg: iq('session-unregister') });
const registered = (devices = 1): ConnectionEvent => ({ type: 'user.registered', msg: iq('session-register'), devices });
const refused = (why: 'full' | 'unavailable' = 'full'): ConnectionEvent => ({ type: 'user.registerRefused', msg: iq('session-register'), why });
const hello = (): ConnectionEvent => ({
  type: 'client.hello', msg: { to: SERVER_ID, jsongle: { action: 'iq-result', query: 'session-hello', transaction: 't1', description: { uid: 'alice' } } },
});

const RELAY_TYPES: RelayType[] = ['client.propose', 'client.callAction', 'client.message', 'client.roomEvent'];
const CALL_TYPES = ['client.propose', 'client.callAction'] as const;
const RELAY_ACTION: Record<RelayType, string> = {
  'client.propose': 'session-propose',
  'client.callAction': 'transport-info',
  'client.message': 'session-text',
  'client.roomEvent': 'session-event',
};

interface Target {
  to?: string;
  room?: RoomView;
  call?: CallView;
  /** Absent: not resolved yet (as the edge sends it); null: the directory could not answer. */
  user?: UserView | null;
}
/** A relay as the edge classifies it (sid `s1`), or as the users owner sends it back with its verdict (`user` present). */
function relay(type: RelayType, t: Target = {}): ConnectionEvent {
  const event = { type, msg: { to: t.to ?? 'bob', jsongle: { action: RELAY_ACTION[type], sid: 's1', description: {} } }, room: t.room, call: t.call };
  return ('user' in t ? { ...event, user: t.user } : event) as ConnectionEvent;
}

const view = (rid: string, kind: RoomKind, size: number, beyondReach = false): RoomView => ({ rid, kind, members: { size }, beyondReach });
const PEER = view('r1', 'room', 2);
const MUC = view('r1', 'muc', 5);
const ALONE = view('r1', 'room', 1);
const GROUP = view('r1', 'room', 3);
const BEYOND = view('r1', 'room', 2, true);
const REMOTE_PEER: RoomView = { ...view('r1', 'room', 2), remoteMembers: 1 };

/** The users owner's verdicts on `bob`. */
const BOB: UserView = { uid: 'bob', devices: [{ id: 'c5' }, { id: 'c6', node: 'n2' }] };
const BOB_OFFLINE: UserView = { uid: 'bob', devices: [] };

/** Direct calls (sid s1) the edge found: this connection (c1) as the caller, as one of the rung devices, or a stranger. */
const AS_CALLER: CallView = { sid: 's1', caller: 'c1', callee: '', devices: new Set(['c5', 'c6']) };
const AS_DEVICE: CallView = { sid: 's1', caller: 'c9', callee: '', devices: new Set(['c1', 'c2']) };
const AS_PINNED: CallView = { sid: 's1', caller: 'c9', callee: 'c1', devices: new Set(['c1', 'c2']) };
const STRANGER: CallView = { sid: 's1', caller: 'c7', callee: 'c8', devices: new Set(['c8']) };
/** A direct call with another sid: not the one the frame names. */
const OTHER_SID_DIRECT: CallView = { sid: 's0', caller: 'c1', callee: '', devices: new Set(['c5']) };
/** Room calls (no devices). */
const ROOM_CALL_OWN: CallView = { sid: 's1', caller: 'c1', callee: 'c2' };
const ROOM_CALL_FOREIGN: CallView = { sid: 's1', caller: 'c7', callee: 'c8' };
const ROOM_CALL_OTHER_SID: CallView = { sid: 's0', caller: 'c2', callee: 'c3' };

/** What a relay to a uid with reachable devices does (registered sender). */
const TO_USER: Record<RelayType, string[]> = {
  'client.propose': ['startDirectCall', 'replyTrying'],
  'client.callAction': ['relayToUser'],
  'client.message': ['relayToUser', 'acknowledgeMessage'],
  'client.roomEvent': ['relayToUser'],
};
/** To a uid with no reachable device: a call action is answered session-info unreachable, a message 404005. */
const USER_UNREACHABLE: Record<RelayType, string> = {
  'client.propose': 'replyUnreachable',
  'client.callAction': 'replyUnreachable',
  'client.message': 'replyUserUnreachable',
  'client.roomEvent': 'replyUserUnreachable',
};
interface Row {
  does: string;
  from: StateValue;
  rooms?: string[];
  event: ConnectionEvent;
  overLimit?: boolean;
  to: StateValue;
  actions: string[];
}

/** Both room situations of a helloed connection: in no room, and in r1 (a `to` of `bob` is not one of its rooms). */
const SITUATIONS = [
  { where: 'in no room', rooms: [] as string[], unreg: OUT_UNREG, reg: OUT_REG },
  { where: 'in room r1', rooms: ['r1'], unreg: IN_UNREG, reg: IN_REG },
];

const registrationRows: Row[] = [
  // Before hello: 403002, as every other request.
  { does: 'answers a session-register before hello with replyHelloRequired (403002)', from: 'connected', event: register(), to: 'connected', actions: ['replyHelloRequired'] },
  { does: 'answers a session-unregister before hello with replyHelloRequired (403002)', from: 'connected', event: unregister(), to: 'connected', actions: ['replyHelloRequired'] },
  { does: 'ignores a directory verdict before hello (nothing asked)', from: 'connected', event: registered(), to: 'connected', actions: [] },
  ...SITUATIONS.flatMap(({ where, rooms, unreg, reg }): Row[] => [
    { does: `${where}: asks the directory on a session-register, still unregistered until it answers`, from: unreg, rooms, event: register(), to: unreg, actions: ['askToRegister'] },
    { does: `${where}: becomes registered on the directory's yes and answers the devices`, from: unreg, rooms, event: registered(2), to: reg, actions: ['replyRegistered'] },
    { does: `${where}: stays unregistered on the directory's refusal and says why`, from: unreg, rooms, event: refused('full'), to: unreg, actions: ['replyRegisterRefused'] },
    { does: `${where}: answers a session-unregister when not registered with replyNotRegistered (404004)`, from: unreg, rooms, event: unregister(), to: unreg, actions: ['replyNotRegistered'] },
    { does: `${where}: asks the directory again on a second session-register (idempotent)`, from: reg, rooms, event: register(), to: reg, actions: ['askToRegister'] },
    { does: `${where}: answers the directory's second yes, staying registered`, from: reg, rooms, event: registered(1), to: reg, actions: ['replyRegistered'] },
    { does: `${where}: answers a refusal of a second register, staying registered`, from: reg, rooms, event: refused('unavailable'), to: reg, actions: ['replyRegisterRefused'] },
    { does: `${where}: unregisters, then answers, on session-unregister`, from: reg, rooms, event: unregister(), to: unreg, actions: ['unregisterUser', 'replyUnregistered'] },
  ]),
  // The rooms region moves on its own: the user region keeps its state.
  { does: 'stays registered when it joins its first room', from: OUT_REG, event: { type: 'room.joined', rid: 'r1' }, to: IN_REG, actions: [] },
  { does: 'stays registered when it leaves its last room', from: IN_REG, rooms: ['r1'], event: { type: 'room.left', rid: 'r1' }, to: OUT_REG, actions: [] },
  { does: 'suspends from registered (the registration is kept by the session)', from: IN_REG, rooms: ['r1'], event: { type: 'ws.lost' }, to: { suspended: 'registered' }, actions: [] },
  { does: 'suspends from unregistered as unregistered', from: IN_UNREG, rooms: ['r1'], event: { type: 'ws.lost' }, to: { suspended: 'unregistered' }, actions: [] },
  // The directory's verdict may come back after the socket vanished (Redis engine): answered (the answer is kept for the resume).
  { does: 'becomes registered while suspended when the directory says yes after the socket vanished', from: { suspended: 'unregistered' }, event: registered(1), to: { suspended: 'registered' }, actions: ['replyRegistered'] },
  { does: 'answers a refusal that comes back while suspended', from: { suspended: 'unregistered' }, event: refused('unavailable'), to: { suspended: 'unregistered' }, actions: ['replyRegisterRefused'] },
  { does: 'routes a message to a uid whose lookup came back while suspended', from: { suspended: 'registered' }, event: relay('client.message', { user: BOB }), to: { suspended: 'registered' }, actions: ['relayToUser', 'acknowledgeMessage'] },
  { does: 'starts a direct call whose lookup came back while suspended', from: { suspended: 'registered' }, event: relay('client.propose', { user: BOB }), to: { suspended: 'registered' }, actions: ['startDirectCall', 'replyTrying'] },
  { does: 'closes from registered on ws.closed (the owner unregisters it)', from: OUT_REG, event: { type: 'ws.closed' }, to: 'closed', actions: [] },
  { does: 'closes for shutdown from registered', from: IN_REG, rooms: ['r1'], event: { type: 'server.drain' }, to: 'closing', actions: ['closeForShutdown'] },
];

/** The registered sender's guard chain for a relay to a uid, row by row, for one relay type. */
function userChain(type: RelayType): Row[] {
  return SITUATIONS.flatMap(({ where, rooms, reg }): Row[] => {
    const row = (does: string, event: ConnectionEvent, actions: string[], overLimit = false): Row =>
      ({ does: `${type}, registered ${where}: ${does}`, from: reg, rooms, event, overLimit, to: reg, actions });
    return [
      // The resolve round trip: the edge's event has no verdict; the users owner sends it back with one.
      row('asks the directory about a `to` that is not one of its rooms', relay(type), ['resolveUser']),
      row('asks the directory about a `to` that names a room it is not in', relay(type, { to: 'r2', room: view('r2', 'muc', 3) }), ['resolveUser']),
      row(`answers ${USER_UNREACHABLE[type]} when the uid has no reachable device`, relay(type, { user: BOB_OFFLINE }), [USER_UNREACHABLE[type]]),
      row('answers replyRoomUnavailable when the directory could not answer', relay(type, { user: null }), ['replyRoomUnavailable']),
      row(`reaches every device of the uid: ${TO_USER[type].join(', ')}`, relay(type, { user: BOB }), TO_USER[type]),
      // The direct-call limit is src's guard: supplied true it refuses a propose, and only a propose.
      ...(type === 'client.propose'
        ? [
          row('answers replyOverDirectCallLimit when over the direct-call limit', relay(type, { user: BOB }), ['replyOverDirectCallLimit'], true),
          row('resolves before judging the limit', relay(type), ['resolveUser'], true),
          row('answers unreachable before judging the limit', relay(type, { user: BOB_OFFLINE }), ['replyUnreachable'], true),
        ]
        : [row('is not held by the direct-call limit', relay(type, { user: BOB }), TO_USER[type], true)]),
    ];
  });
}

/** Call actions naming a direct call: routed by sid whatever the registration; a stranger refused (409002). */
function directCallRows(type: (typeof CALL_TYPES)[number]): Row[] {
  return SITUATIONS.flatMap(({ where, rooms, unreg, reg }): Row[] =>
    ([['registered', reg], ['unregistered', unreg]] as const).flatMap(([state, from]): Row[] => {
      const row = (does: string, event: ConnectionEvent, actions: string[]): Row =>
        ({ does: `${type}, ${state} ${where}: ${does}`, from, rooms, event, to: from, actions });
      return [
        row("tells the direct call its caller's frame", relay(type, { call: AS_CALLER }), ['tellDirectCall']),
        row('tells the direct call the frame of a device it rang', relay(type, { call: AS_DEVICE }), ['tellDirectCall']),
        row('tells the direct call the frame of its pinned device', relay(type, { call: AS_PINNED }), ['tellDirectCall']),
        row('routes by sid even with a verdict on the uid', relay(type, { call: AS_CALLER, user: BOB }), ['tellDirectCall']),
        row('refuses a stranger to a direct call with replyNotCallParty (409002)', relay(type, { call: STRANGER }), ['replyNotCallParty']),
        row('refuses a stranger even when the uid is reachable', relay(type, { call: STRANGER, user: BOB }), ['replyNotCallParty']),
        // A call with another sid is not the frame's call: the frame is addressed by its `to`.
        row('addresses a frame whose sid is not the direct call found by its `to`', relay(type, { call: OTHER_SID_DIRECT }), state === 'registered' ? ['resolveUser'] : ['replyNotInRoom']),
      ];
    }));
}

/** An unregistered sender keeps today's answers: any `to` that is not one of its rooms is 404002, whatever the uid. */
const unregisteredRows: Row[] = RELAY_TYPES.flatMap((type) =>
  SITUATIONS.flatMap(({ where, rooms, unreg }): Row[] => {
    const row = (does: string, event: ConnectionEvent, overLimit = false): Row =>
      ({ does: `${type}, unregistered ${where}: ${does}`, from: unreg, rooms, event, overLimit, to: unreg, actions: ['replyNotInRoom'] });
    return [
      row('answers replyNotInRoom for a `to` that is not one of its rooms (no directory look-up)', relay(type)),
      row('answers replyNotInRoom for a room it is not in', relay(type, { to: 'r2', room: view('r2', 'room', 2) })),
      row('answers replyNotInRoom even with a verdict naming reachable devices', relay(type, { user: BOB })),
      row('answers replyNotInRoom when the directory is down (it never asked)', relay(type, { user: null })),
      row('answers replyNotInRoom whatever src says of the direct-call limit', relay(type, { user: BOB }), true),
    ];
  }));

/** A sample of the rooms region, registered or not: a member's relays go out through its room, as before users. */
const roomRows: Row[] = RELAY_TYPES.flatMap((type) =>
  ([['unregistered', IN_UNREG], ['registered', IN_REG]] as const).flatMap(([state, from]): Row[] => {
    const row = (does: string, event: ConnectionEvent, actions: string[], rooms = ['r1']): Row =>
      ({ does: `${type}, ${state} member: ${does}`, from, rooms, event, to: from, actions });
    return [
      row('relays to the peer of a P2P room of two', relay(type, { to: 'r1', room: PEER }), PEER_RELAY[type]),
      row('relays to a multi-user room', relay(type, { to: 'r1', room: MUC }), ['relayToMultiRoom', ...AFTER_RELAY[type]]),
      row(`answers ${ALONE_REPLY[type]} when alone in a P2P room`, relay(type, { to: 'r1', room: ALONE }), [ALONE_REPLY[type]]),
      row('answers replyRoomUnavailable for a room beyond reach', relay(type, { to: 'r1', room: BEYOND }), ['replyRoomUnavailable']),
      row('relays to each member of a P2P room of three', relay(type, { to: 'r1', room: GROUP }), ['relayToEachMember', ...AFTER_RELAY[type]]),
      row('relays in the second of its two rooms', relay(type, { to: 'r1', room: PEER }), PEER_RELAY[type], ['m1', 'r1']),
      // The room wins over a uid of the same name: no directory look-up for a room the sender is in.
      row('relays to its room even when a verdict on a uid of that name came with it', relay(type, { to: 'r1', room: PEER, user: BOB }), PEER_RELAY[type]),
    ];
  }));
const roomCallRows: Row[] = CALL_TYPES.flatMap((type) =>
  ([['unregistered', IN_UNREG], ['registered', IN_REG]] as const).flatMap(([state, from]): Row[] => {
    const row = (does: string, event: ConnectionEvent, actions: string[]): Row =>
      ({ does: `${type}, ${state} member: ${does}`, from, rooms: ['r1'], event, to: from, actions });
    return [
      row("relays a room call's party frame", relay(type, { to: 'r1', room: PEER, call: ROOM_CALL_OWN }), PEER_RELAY[type]),
      row('refuses a stranger to a room call with replyNotCallParty', relay(type, { to: 'r1', room: PEER, call: ROOM_CALL_FOREIGN }), ['replyNotCallParty']),
      ...(type === 'client.propose' ? [row('refuses glare with replyBusy', relay(type, { to: 'r1', room: PEER, call: ROOM_CALL_OTHER_SID }), ['replyBusy'])] : []),
      // A direct call's sid used in a room the sender is in: the room answers (strangers refused, parties relayed).
      row('refuses a stranger to a direct call within its room through the room (409002)', relay(type, { to: 'r1', room: PEER, call: STRANGER }), ['replyNotCallParty']),
    ];
  }));
const claimRow: Row = {
  does: 'client.propose, registered member: asks the arbiter for a peer on another node, as before users',
  from: IN_REG, rooms: ['r1'], event: relay('client.propose', { to: 'r1', room: REMOTE_PEER }), to: IN_REG, actions: ['claimCall'],
};

/** A member's relay to its own room while src says it is over its direct-call limit: the limit is the user region's, never the room's. */
const limitRows: Row[] = RELAY_TYPES.flatMap((type) => [
  {
    does: `${type}, registered member over the direct-call limit: relays through its room, the limit not involved`,
    from: IN_REG, rooms: ['r1'], event: relay(type, { to: 'r1', room: PEER }), overLimit: true, to: IN_REG, actions: PEER_RELAY[type],
  },
  {
    does: `${type}, registered member over the direct-call limit: answers alone in its room, the limit not involved`,
    from: IN_REG, rooms: ['r1'], event: relay(type, { to: 'r1', room: ALONE }), overLimit: true, to: IN_REG, actions: [ALONE_REPLY[type]],
  },
]);

/** A room it still holds that the edge no longer found (closed meanwhile): not one of its rooms any more, so the user region answers. */
const goneRoomRows: Row[] = RELAY_TYPES.flatMap((type) => [
  { does: `${type}, unregistered: answers replyNotInRoom for a room it holds that is gone`, from: IN_UNREG, rooms: ['r1'], event: relay(type, { to: 'r1' }), to: IN_UNREG, actions: ['replyNotInRoom'] },
  { does: `${type}, registered: looks a room it holds that is gone up as a uid`, from: IN_REG, rooms: ['r1'], event: relay(type, { to: 'r1' }), to: IN_REG, actions: ['resolveUser'] },
  ...(CALL_TYPES as readonly string[]).includes(type)
    ? [
      { does: `${type}, unregistered: answers a stranger to a room call in a gone room once (replyNotInRoom)`, from: IN_UNREG, rooms: ['r1'], event: relay(type, { to: 'r1', call: ROOM_CALL_FOREIGN }), to: IN_UNREG, actions: ['replyNotInRoom'] },
      { does: `${type}, registered: answers a stranger to a room call in a gone room once (resolves the uid)`, from: IN_REG, rooms: ['r1'], event: relay(type, { to: 'r1', call: ROOM_CALL_FOREIGN }), to: IN_REG, actions: ['resolveUser'] },
    ]
    : [],
]);

const rows: Row[] = [
  ...registrationRows,
  ...RELAY_TYPES.flatMap(userChain),
  ...CALL_TYPES.flatMap(directCallRows),
  ...unregisteredRows,
  ...roomRows,
  ...roomCallRows,
  claimRow,
  ...limitRows,
  ...goneRoomRows,
];

// --- The partition: which region's transition a relay selects ---
/** `rooms`: a row of inRoom/outOfRoom (the same rows under both registration states); `user`: a row of
 * the registration state itself (unregistered / registered), taken when no room row is. */
const REGION_OF = (sourceId: string): 'rooms' | 'user' | 'other' =>
  /^connection\.helloed\.(un)?registered\.(inRoom|outOfRoom)$/.test(sourceId) ? 'rooms'
    : /^connection\.helloed\.(un)?registered$/.test(sourceId) ? 'user' : 'other';

interface Case {
  from: StateValue;
  rooms: string[];
  target: Target;
  overLimit: boolean;
  /** The region that must take it: the rooms region iff `to` is a room it holds and the edge found. */
  region: 'rooms' | 'user';
}
function partitionCases(): Case[] {
  const cases: Case[] = [];
  const targets: Array<{ target: Omit<Target, 'call' | 'user'>; memberRooms: boolean }> = [
    ...[PEER, MUC, ALONE, GROUP, BEYOND, REMOTE_PEER, view('r1', 'muc', 3, true)].map((room) => ({ target: { to: 'r1', room }, memberRooms: true })),
    { target: { to: 'r1' }, memberRooms: true }, // a room it holds, gone meanwhile
    { target: { to: 'r2', room: view('r2', 'room', 2) }, memberRooms: true },
    { target: { to: 'r2' }, memberRooms: true },
    { target: { to: 'bob' }, memberRooms: true },
    { target: { to: 'bob' }, memberRooms: false },
    { target: { to: 'r1', room: PEER }, memberRooms: false },
  ];
  const calls = [undefined, ROOM_CALL_OWN, ROOM_CALL_FOREIGN, ROOM_CALL_OTHER_SID, AS_CALLER, AS_DEVICE, STRANGER, OTHER_SID_DIRECT];
  const users: Array<Pick<Target, 'user'>> = [{}, { user: null }, { user: BOB_OFFLINE }, { user: BOB }];
  for (const { target, memberRooms } of targets) {
    const rooms = memberRooms ? ['r1'] : [];
    for (const user of ['unregistered', 'registered'] as const) {
      const from = at(memberRooms ? 'inRoom' : 'outOfRoom', user);
      for (const call of calls) {
        for (const verdict of users) {
          for (const overLimit of [false, true]) {
            const region = target.room !== undefined && rooms.includes(target.to ?? '') ? 'rooms' : 'user';
            cases.push({ from, rooms, target: { ...target, call, ...verdict }, overLimit, region });
          }
        }
      }
    }
  }
  return cases;
}

describe('connection machine: users (session-register, relays to a uid, direct calls)', () => {
  describe('transition table', () => {
    for (const row of rows) {
      const note = row.overLimit ? ' [isOverDirectCallLimit=true]' : '';
      it(`${JSON.stringify(row.from)} + ${row.event.type}${note}: ${row.does}`, () => {
        const m = machineWith(row.overLimit);
        const [next, actions] = transition(m, snapshotIn(m, row.from, row.rooms), row.event);
        expect(next.value, 'next state').to.deep.equal(row.to);
        expect(types(actions), 'actions').to.deep.equal(row.actions);
      });
    }
  });

  describe('partition between the regions', () => {
    it('a relay is taken by exactly one transition, in the rooms region iff `to` is a room it holds and the edge found', () => {
      const wrong: string[] = [];
      let checked = 0;
      for (const c of partitionCases()) {
        const m = machineWith(c.overLimit);
        const snapshot = snapshotIn(m, c.from, c.rooms);
        for (const type of RELAY_TYPES) {
          // The edge attaches a call to call actions only.
          const target = (CALL_TYPES as readonly string[]).includes(type) ? c.target : { ...c.target, call: undefined };
          const event = relay(type, target);
          const taken = m.getTransitionData(snapshot, event).map((t) => REGION_OF(t.source.id));
          const [, actions] = transition(m, snapshot, event);
          checked++;
          if (taken.length !== 1 || taken[0] !== c.region || actions.length === 0) {
            const call = target.call === undefined ? 'no call' : `call ${JSON.stringify({ ...target.call, devices: target.call.devices ? [...(target.call.devices as Set<string>)] : undefined })}`;
            wrong.push(`${JSON.stringify(c.from)} rooms=${JSON.stringify(c.rooms)} ${type} to=${target.to} room=${target.room ? JSON.stringify(target.room) : 'none'} ${call} ` +
              `user=${'user' in target ? JSON.stringify(target.user) : 'unresolved'} overLimit=${c.overLimit}: want ${c.region}, got [${taken.join(', ')}] / [${types(actions).join(', ')}]`);
          }
        }
      }
      expect(checked).to.be.above(1000);
      expect(wrong.length, `${wrong.length} of ${checked} relays mis-routed, for example:\n${wrong.slice(0, Number(process.env.SHOW ?? 12)).join('\n')}\n`).to.equal(0);
    });
  });

  describe('registration across resume (suspended remembers it: suspended.unregistered | suspended.registered)', () => {
    const m = machineWith();
    /** Walk a real sequence of transitions, not a state resolved from a value. */
    function walk(from: StateValue, rooms: string[], events: ConnectionEvent[]) {
      let s = snapshotIn(m, from, rooms);
      for (const e of events) [s] = transition(m, s, e);
      return s;
    }
    const lost: ConnectionEvent = { type: 'ws.lost' };
    const resumed: ConnectionEvent = { type: 'ws.resumed' };

    it('registered in a room before ws.lost → registered in a room after ws.resumed', () => {
      expect(walk(IN_REG, ['r1'], [lost, resumed]).value).to.deep.equal(IN_REG);
    });
    it('registered in no room → registered in no room', () => {
      expect(walk(OUT_REG, [], [lost, resumed]).value).to.deep.equal(OUT_REG);
    });
    it('unregistered stays unregistered across a resume', () => {
      expect(walk(IN_UNREG, ['r1'], [lost, resumed]).value).to.deep.equal(IN_UNREG);
      expect(walk(OUT_UNREG, [], [lost, resumed]).value).to.deep.equal(OUT_UNREG);
    });
    it('the rooms region follows the rooms it holds at resume time (a join decided while suspended)', () => {
      const s = walk(OUT_REG, [], [lost, { type: 'room.joined', rid: 'r1' }, resumed]);
      expect(s.value).to.deep.equal(IN_REG);
      expect([...s.context.rooms]).to.deep.equal(['r1']);
    });
    it('the rooms region follows the rooms it holds at resume time (its last room gone while suspended)', () => {
      expect(walk(IN_REG, ['r1'], [lost, { type: 'room.left', rid: 'r1' }, resumed]).value).to.deep.equal(OUT_REG);
    });
    it('keeps the latest registration over several suspensions (registered, resumed, unregistered, lost, resumed)', () => {
      expect(walk(IN_UNREG, ['r1'], [registered(), lost, resumed, unregister(), lost, resumed]).value).to.deep.equal(IN_UNREG);
      expect(walk(IN_UNREG, ['r1'], [lost, resumed, registered(), lost, resumed]).value).to.deep.equal(IN_REG);
    });
    it('registered by a verdict that came while suspended: registered after the resume', () => {
      expect(walk(IN_UNREG, ['r1'], [register(), lost, registered(1), resumed]).value).to.deep.equal(IN_REG);
    });
    it('a whole life from hello: register, suspend, resume, still answers relays to a uid', () => {
      const [start] = initialTransition(m, INPUT);
      let s = start;
      for (const e of [hello(), register(), registered(1), lost, resumed]) [s] = transition(m, s, e);
      expect(s.value).to.deep.equal(OUT_REG);
      const [, actions] = transition(m, s, relay('client.message', { user: BOB }));
      expect(types(actions)).to.deep.equal(['relayToUser', 'acknowledgeMessage']);
    });
  });

  describe('action parameters', () => {
    it('hands resolveUser the event itself, type included (the users owner sends it back with the verdict)', () => {
      const m = machineWith();
      for (const type of RELAY_TYPES) {
        const event = relay(type);
        const [, actions] = transition(m, snapshotIn(m, OUT_REG), event);
        expect(actions[0]?.params, type).to.equal(event);
        expect((actions[0]?.params as { type: string }).type).to.equal(type);
      }
    });
    it('hands the registration actions their event (msg, devices, why)', () => {
      const m = machineWith();
      const yes = registered(3);
      expect(transition(m, snapshotIn(m, OUT_UNREG), yes)[1][0]?.params).to.equal(yes);
      const no = refused('unavailable');
      expect(transition(m, snapshotIn(m, OUT_UNREG), no)[1][0]?.params).to.equal(no);
      const bye = unregister();
      for (const a of transition(m, snapshotIn(m, OUT_REG), bye)[1]) expect(a.params, a.type).to.equal(bye);
    });
    it('hands startDirectCall, replyTrying and relayToUser the event with its verdict', () => {
      const m = machineWith();
      for (const type of RELAY_TYPES) {
        const event = relay(type, { user: BOB });
        const [, actions] = transition(m, snapshotIn(m, IN_REG, ['r1']), event);
        expect(actions.length).to.be.above(0);
        for (const a of actions) expect(a.params, `${type} ${a.type}`).to.equal(event);
      }
    });
  });
});
