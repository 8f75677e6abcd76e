/**
 * One actor per connection: connected → helloed (unregistered | registered, each outOfRoom ⇄ inRoom) → closing → closed.
 *
 * Pure and visual: this file imports only xstate and pastes into Stately Studio. Every action and
 * every I/O guard is a named stub here; src/actors/connection.ts supplies them with
 * `connectionMachine.provide(...)`, each a one-line call into the owner of a room or a socket.
 *
 * The relay routing is in the chart: a relayed message arrives as one of four events (a propose,
 * another call action, a message the server acknowledges, an event it does not), each with the
 * room it is addressed to looked up once at the edge. The guards read that room: the first two
 * rows are the frequent case (a reachable P2P peer, a reachable multi-user room), so a relay costs
 * one guard; the refusals and the rare P2P room of more than two follow. Nothing runs after a
 * relay that could not go out: each row either relays or refuses.
 *
 * Call actions also carry the call their sid names (looked up at the edge too). Their first row
 * refuses a stranger to a known call (409002); a propose's second refuses glare (busy). A relayed
 * propose starts the call actor (startCall), any other relayed call action is told to it (tellCall):
 * at most one more actor event, and none for transport-info (the call owner skips what moves nothing).
 *
 * Users: a registered connection is reachable at its uid (session-register). Registration is the
 * outer state of `helloed` (unregistered | registered), each holding the same outOfRoom ⇄ inRoom: a
 * relay to one of the sender's rooms is taken by inRoom's rows; any other `to` falls to the
 * registration state's rows — 404002 while unregistered (as before users), a uid once registered:
 * looked up by the users owner, whose verdict comes back as the same event with `user`, then a
 * direct call (startDirectCall: src/calls/, machines/direct-call.ts) or a message to every device.
 * (Not a parallel region: XState would evaluate both regions for every relay, measured at +70 %
 * on the chart's cost of a relay.)
 *
 * Resume (on when resume.windowSec > 0): a helloed connection whose socket vanished is `suspended`
 * — the socket is gone, the session is not: its rooms, calls and registration stay, nobody is told,
 * and the owner keeps what is addressed to it. `ws.resumed` (a new socket took it over) goes back
 * to `helloed` (registered or not, as `suspended` remembers it; in or out of room as its rooms say). A
 * directory verdict that comes back meanwhile is taken there (its answer kept for the resume); `session.expired` (window or buffer ran out)
 * ends it as a disconnect does.
 */
import { and, assign, setup, type ActorRefFrom } from 'xstate';

export type RoomKind = 'room' | 'muc';

/** A client frame that passed the envelope checks (typed loosely: the machine only routes it). */
export interface Frame {
  to?: unknown;
  jsongle: { action: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A relayable frame: `to` is a string (the room id). */
export interface RelayFrame extends Frame {
  to: string;
}

/** What the chart reads of the room a relay is addressed to (the room owner's object). */
export interface RoomView {
  readonly rid: string;
  readonly kind: RoomKind;
  readonly members: { readonly size: number };
  /** Some members sit on other nodes and the bus to them is down (Redis engine): a relay would not reach them. */
  readonly beyondReach: boolean;
  /** Members held by other nodes (Redis engine); absent: none. */
  readonly remoteMembers?: number;
}

/** The verified claims of the connection's identity token (null in the context: no token configured). */
export interface TokenIdentity {
  /** The user's uid: the hello may not claim another. */
  readonly sub: string;
  /** Display name, the profile's dn when the hello gives none. */
  readonly name?: string;
  /** Rooms the token grants (an entry ending in `*` is a prefix); absent: every room. */
  readonly rooms?: readonly string[];
}

/** What the chart reads of the call a call action names (the call owner's record; src/calls/). */
export interface CallView {
  readonly sid: string;
  /** Connection ids of its two parties (a direct call's callee: '' until a device answered). */
  readonly caller: string;
  readonly callee: string;
  /** A direct call (to a uid): the devices its propose rang, answered or not. Absent: a room call. */
  readonly devices?: { has(connId: string): boolean };
}

/** What the chart reads of a uid a relay is addressed to (the users owner's answer; src/users/). */
export interface UserView {
  readonly uid: string;
  /** Its reachable connections, the sender's own excluded (empty: nobody to reach). */
  readonly devices: readonly { readonly id: string; readonly node?: string }[];
}

export interface ConnectionContext {
  /** Connection id: the client's address for server-made messages. */
  id: string;
  /** Transaction of the session-hello request; the client's answer must echo it. */
  helloTransaction: string;
  /** What the hello said, once it was valid. */
  profile: { uid: string; dn?: string } | null;
  /** Rooms this connection is in. A Set changed in place: a join costs O(1) however many rooms it holds. */
  rooms: Set<string>;
  /** The token's claims, bound at the upgrade (null: no token configured). */
  identity: TokenIdentity | null;
}

export interface ConnectionInput {
  id: string;
  helloTransaction: string;
  /** The token's claims (absent or null: no token configured). */
  identity?: TokenIdentity | null;
}

/** A relayed message and the room its `to` names (undefined: no such room). For a call action,
 * also the call its sid names (for a propose: else the live call of the room); undefined otherwise. */
export interface RelayEvent {
  msg: RelayFrame;
  room: RoomView | undefined;
  call: CallView | undefined;
  /** Cross-node calls: a propose the arbiter let through (its `call` is then the room's live call
   * if the arbiter refused it). Absent on everything the edge classifies. */
  claimed?: boolean;
  /** Direct addressing: `to` looked up as a uid (the users owner's verdict, sent back as the same
   * event); null: the directory could not answer. Absent on everything the edge classifies. */
  user?: UserView | null;
}

export type ConnectionEvent =
  | { type: 'client.hello'; msg: Frame }
  | { type: 'client.join'; msg: Frame; kind: RoomKind }
  | { type: 'client.leave'; msg: Frame }
  | { type: 'client.unknownQuery'; msg: Frame }
  | { type: 'client.iceServers'; msg: Frame }
  | { type: 'client.register'; msg: Frame }
  | { type: 'client.unregister'; msg: Frame }
  // The directory's verdict on a session-register.
  | { type: 'user.registered'; msg: Frame; devices: number }
  | { type: 'user.registerRefused'; msg: Frame; why: 'full' | 'unavailable' }
  | ({ type: 'client.propose' } & RelayEvent)
  | ({ type: 'client.callAction' } & RelayEvent)
  | ({ type: 'client.message' } & RelayEvent)
  | ({ type: 'client.roomEvent' } & RelayEvent)
  | { type: 'client.metrics'; msg: Frame }
  | { type: 'client.invalid'; msg: Frame; code: number; param: string }
  | { type: 'client.malformed'; code: number }
  | { type: 'room.joined'; rid: string }
  | { type: 'room.left'; rid: string }
  | { type: 'hello.timeout' }
  | { type: 'server.drain' }
  | { type: 'ws.closed' }
  // Resume: the socket vanished (no close frame) / a new socket took the session over / it ended unresumed.
  | { type: 'ws.lost' }
  | { type: 'ws.resumed' }
  | { type: 'session.expired'; reason: 'window' | 'overflow' | 'gap' | 'drain' };

/** A relay event as the chart got it (its type included): the users owner sends it back with the verdict. */
export type RelayClientEvent = Extract<ConnectionEvent, RelayEvent>;

/** Params of the actions that answer one client frame. */
export interface FrameParams {
  msg: Frame;
}
export interface InvalidParams {
  msg: Frame;
  code: number;
  param: string;
}
export interface RegisteredParams {
  msg: Frame;
  devices: number;
}
export interface RegisterRefusedParams {
  msg: Frame;
  why: 'full' | 'unavailable';
}
export interface JoinParams {
  msg: Frame;
  kind: RoomKind;
}

const isMember = (context: ConnectionContext, e: RelayEvent): boolean => context.rooms.has(e.msg.to);
/** The partition of the relay rows: `to` is one of its rooms (held, and found by the edge) → inRoom's
 * rows; anything else (a uid, a room it is not in, a room of its gone meanwhile) → the registration state's. */
const isToOwnRoom = (context: ConnectionContext, e: RelayEvent): boolean => e.room !== undefined && isMember(context, e);
const isParty = (context: ConnectionContext, call: CallView): boolean => call.caller === context.id || call.callee === context.id;
/** A direct call this frame's sid names (one the edge found). */
const directCallOf = (e: RelayEvent): CallView | undefined =>
  e.call !== undefined && e.call.devices !== undefined && e.call.sid === e.msg.jsongle.sid ? e.call : undefined;
const isDirectParty = (context: ConnectionContext, call: CallView): boolean => call.caller === context.id || (call.devices?.has(context.id) ?? false);

// --- Identity (hello rules and join grant): users-calls-sessions.md §1 ---
/** A description's field, if the description is an object that has it. */
const field = (msg: Frame, name: string): unknown => {
  const d = msg.jsongle.description;
  return typeof d === 'object' && d !== null && Object.hasOwn(d, name) ? Reflect.get(d, name) : undefined;
};
/** A token's `rooms` claim grants a rid by name, or by prefix for an entry ending in `*`. */
export const isRoomGranted = (rooms: readonly string[], rid: string): boolean =>
  rooms.some((r) => (r.endsWith('*') ? rid.startsWith(r.slice(0, -1)) : r === rid));
/** The profile of a valid hello: with a token, the uid is its sub and the dn defaults to its name. */
const helloProfile = (msg: Frame, identity: TokenIdentity | null): { uid: string; dn?: string } => {
  const uid = identity?.sub ?? String(field(msg, 'uid'));
  const dn = field(msg, 'dn') ?? identity?.name;
  return typeof dn === 'string' ? { uid, dn } : { uid };
};
// --- end of identity ---

const connectionSetup = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
  },
  actions: {
    // Replies to this connection — supplied by src/actors/connection.ts
    sendHelloRequest: () => {},
    acknowledgeHello: (_, _p: FrameParams) => {},
    rejectHello: (_, _p: FrameParams) => {},
    rejectSecondHello: (_, _p: FrameParams) => {},
    replyHelloRequired: (_, _p: FrameParams) => {},
    replyMalformed: (_, _p: { code: number }) => {},
    replyInvalid: (_, _p: InvalidParams) => {},
    replyQueryNotSupported: (_, _p: FrameParams) => {},
    rejectHelloForIdentity: (_, _p: FrameParams) => {},
    replyNotGranted: (_, _p: FrameParams) => {},
    replyIceServers: (_, _p: FrameParams) => {},
    replyNotInRoom: (_, _p: FrameParams) => {},
    replyUnreachable: (_, _p: FrameParams) => {},
    replyNoOtherMember: (_, _p: FrameParams) => {},
    replyRoomUnavailable: (_, _p: FrameParams) => {},
    replyTrying: (_, _p: FrameParams) => {},
    acknowledgeMessage: (_, _p: FrameParams) => {},
    replyNotCallParty: (_, _p: FrameParams) => {},
    replyBusy: (_, _p: FrameParams) => {},
    // Users — supplied by src: one call into the users owner (src/users/)
    askToRegister: (_, _p: FrameParams) => {},
    replyRegistered: (_, _p: RegisteredParams) => {},
    replyRegisterRefused: (_, _p: RegisterRefusedParams) => {},
    unregisterUser: (_, _p: FrameParams) => {},
    replyUnregistered: (_, _p: FrameParams) => {},
    replyNotRegistered: (_, _p: FrameParams) => {},
    resolveUser: (_, _p: RelayClientEvent) => {},
    replyUserUnreachable: (_, _p: FrameParams) => {},
    replyOverDirectCallLimit: (_, _p: FrameParams) => {},
    relayToUser: (_, _p: RelayEvent) => {},
    // Direct calls — supplied by src: one call into the call owner
    startDirectCall: (_, _p: RelayEvent) => {},
    tellDirectCall: (_, _p: RelayEvent) => {},
    // Fan-out — supplied by src: one call into the room's owner
    relayToPeer: (_, _p: RelayEvent) => {},
    relayToMultiRoom: (_, _p: RelayEvent) => {},
    relayToEachMember: (_, _p: RelayEvent) => {},
    recordCallMetrics: (_, _p: FrameParams) => {},
    // Calls — supplied by src: one call into the call owner
    startCall: (_, _p: RelayEvent) => {},
    tellCall: (_, _p: RelayEvent) => {},
    claimCall: (_, _p: RelayEvent) => {},
    // Messages to the supervisor (the membership authority)
    askSupervisorToJoin: (_, _p: JoinParams) => {},
    askSupervisorToLeave: (_, _p: FrameParams) => {},
    // The socket's life — supplied by src: calls into the connection owner
    startHelloClock: () => {},
    stopHelloClock: () => {},
    closeForHelloTimeout: () => {},
    closeForShutdown: () => {},
    endSuspendedSession: () => {},
    // Pure
    assignProfile: assign({
      profile: ({ context }, p: FrameParams) => helloProfile(p.msg, context.identity),
      // The hello is answered: its transaction is not needed again (one string less per connection).
      helloTransaction: () => '',
    }),
    addRoom: assign({
      rooms: ({ context }, p: { rid: string }) => context.rooms.add(p.rid),
    }),
    removeRoom: assign({
      rooms: ({ context }, p: { rid: string }) => {
        context.rooms.delete(p.rid);
        return context.rooms;
      },
    }),
  },
  guards: {
    // Supplied by src (the hello rules)
    isHelloValid: (_, _p: FrameParams) => false,
    // Pure: they read the room looked up at the edge
    isToReachablePeer: ({ context }, e: RelayEvent) =>
      e.room !== undefined && e.room.kind === 'room' && e.room.members.size === 2 && !e.room.beyondReach && isMember(context, e),
    isToReachableMultiRoom: ({ context }, e: RelayEvent) =>
      e.room !== undefined && e.room.kind === 'muc' && !e.room.beyondReach && isMember(context, e),
    isNotMemberOfTarget: ({ context }, e: RelayEvent) => e.room === undefined || !isMember(context, e),
    isMemberOfTarget: ({ context }, e: RelayEvent) => e.room !== undefined && isMember(context, e),
    isAloneInRoom: ({ context }, e: RelayEvent) => e.room !== undefined && e.room.kind === 'room' && e.room.members.size < 2 && isMember(context, e),
    isRoomBeyondReach: ({ context }, e: RelayEvent) => e.room !== undefined && e.room.beyondReach && isMember(context, e),
    // Direct addressing (the registration states' rows): only for a `to` that is not one of the sender's rooms
    isInDirectCall: ({ context }, e: RelayEvent) => {
      const call = directCallOf(e);
      return call !== undefined && isDirectParty(context, call) && !isToOwnRoom(context, e);
    },
    isStrangerToDirectCall: ({ context }, e: RelayEvent) => {
      const call = directCallOf(e);
      return call !== undefined && !isDirectParty(context, call) && !isToOwnRoom(context, e);
    },
    isToUnresolvedUser: ({ context }, e: RelayEvent) => e.user === undefined && !isToOwnRoom(context, e),
    isDirectoryUnavailable: ({ context }, e: RelayEvent) => e.user === null && !isToOwnRoom(context, e),
    isToUnreachableUser: ({ context }, e: RelayEvent) => e.user !== undefined && e.user !== null && e.user.devices.length === 0 && !isToOwnRoom(context, e),
    // Supplied by src: the caller's direct calls not yet ended against users.maxDirectCallsPerConnection.
    // It does not read the target: its row pairs it with isProposeToUser, so a propose to one of the
    // sender's rooms never meets it (the rooms region has that one).
    isOverDirectCallLimit: () => false,
    isProposeToUser: ({ context, event }) => event.type === 'client.propose' && !isToOwnRoom(context, event),
    isProposeToUserOverLimit: and(['isProposeToUser', 'isOverDirectCallLimit']),
    // Pure: the token's claims against the hello and the join
    isHelloForAnotherUser: ({ context }, p: FrameParams) => {
      const uid = field(p.msg, 'uid');
      return context.identity !== null && typeof uid === 'string' && uid !== context.identity.sub;
    },
    isJoinOutsideGrant: ({ context }, p: FrameParams) => {
      const rooms = context.identity?.rooms;
      const rid = field(p.msg, 'rid');
      // A rid that is not a string is the supervisor's 400001, not a grant question.
      return rooms !== undefined && typeof rid === 'string' && !isRoomGranted(rooms, rid);
    },
    isLastRoom: ({ context }, p: { rid: string }) => context.rooms.size === 1 && context.rooms.has(p.rid),
    isInAnyRoom: ({ context }) => context.rooms.size > 0,
    // Calls: they read the call looked up at the edge
    isFromCallStranger: ({ context }, e: RelayEvent) =>
      e.call !== undefined && e.call.sid === e.msg.jsongle.sid && !isParty(context, e.call) && isToOwnRoom(context, e),
    isRoomInOtherCall: ({ context }, e: RelayEvent) =>
      e.call !== undefined && e.call.sid !== e.msg.jsongle.sid && isToOwnRoom(context, e),
    // Cross-node calls (Redis engine): a first propose to a peer on another node, not yet arbitrated.
    isToRemotePeerUnclaimed: ({ context }, e: RelayEvent) =>
      e.claimed !== true && e.room !== undefined && e.room.kind === 'room' && e.room.members.size === 2 &&
      (e.room.remoteMembers ?? 0) > 0 && !e.room.beyondReach && isMember(context, e),
  },
});

/** Out of every room, and in at least one: the same two states (and rows) whether the connection is
 * registered or not, so that a relay to one of its rooms costs one atomic state's rows, as before users. */
const outOfRoom = connectionSetup.createStateConfig({
  // Entered by a resume (registered or not, as suspended remembers) or a (un)registration with the rooms it holds: it moves on.
  always: { guard: 'isInAnyRoom', target: 'inRoom' },
  on: {
    'room.joined': { target: 'inRoom', actions: { type: 'addRoom', params: ({ event }) => event } },
  },
});
/** Member of at least one room: relays go out through the room they name (rows below). */
const inRoom = connectionSetup.createStateConfig({
  description: 'Member of at least one room: relays go out through the room they name.',
  on: {
    // transport-info, session-info, -initiate, -accept, -terminate…: the frequent relay.
    // A call action for a known call from someone not party to it is refused, never relayed;
    // a party's is relayed and then told to its call actor (which ignores what moves nothing).
    'client.callAction': [
      { guard: { type: 'isFromCallStranger', params: ({ event }) => event }, actions: { type: 'replyNotCallParty', params: ({ event }) => event } },
      {
        guard: { type: 'isToReachablePeer', params: ({ event }) => event },
        actions: [{ type: 'relayToPeer', params: ({ event }) => event }, { type: 'tellCall', params: ({ event }) => event }],
      },
      { guard: { type: 'isToReachableMultiRoom', params: ({ event }) => event }, actions: { type: 'relayToMultiRoom', params: ({ event }) => event } },
      { guard: { type: 'isAloneInRoom', params: ({ event }) => event }, actions: { type: 'replyUnreachable', params: ({ event }) => event } },
      { guard: { type: 'isRoomBeyondReach', params: ({ event }) => event }, actions: { type: 'replyRoomUnavailable', params: ({ event }) => event } },
      { guard: { type: 'isMemberOfTarget', params: ({ event }) => event }, actions: { type: 'relayToEachMember', params: ({ event }) => event } },
    ],
    // A propose to a reachable P2P peer starts a call actor; one into a room whose call (another
    // sid) is not over is glare: the first propose to reach the server wins, this one gets busy.
    'client.propose': [
      { guard: { type: 'isFromCallStranger', params: ({ event }) => event }, actions: { type: 'replyNotCallParty', params: ({ event }) => event } },
      { guard: { type: 'isRoomInOtherCall', params: ({ event }) => event }, actions: { type: 'replyBusy', params: ({ event }) => event } },
      // Cross-node: two nodes may each see a free room at once, so the arbiter (Redis) decides
      // first; its verdict comes back as this same event, `claimed`, and takes the rows around it.
      { guard: { type: 'isToRemotePeerUnclaimed', params: ({ event }) => event }, actions: { type: 'claimCall', params: ({ event }) => event } },
      {
        guard: { type: 'isToReachablePeer', params: ({ event }) => event },
        // startCall before the relay: with the Redis engine the call's mirror reaches the peer's node ahead of the propose.
        actions: [
          { type: 'startCall', params: ({ event }) => event },
          { type: 'relayToPeer', params: ({ event }) => event },
          { type: 'replyTrying', params: ({ event }) => event },
        ],
      },
      {
        guard: { type: 'isToReachableMultiRoom', params: ({ event }) => event },
        actions: [{ type: 'relayToMultiRoom', params: ({ event }) => event }, { type: 'replyTrying', params: ({ event }) => event }],
      },
      { guard: { type: 'isAloneInRoom', params: ({ event }) => event }, actions: { type: 'replyUnreachable', params: ({ event }) => event } },
      { guard: { type: 'isRoomBeyondReach', params: ({ event }) => event }, actions: { type: 'replyRoomUnavailable', params: ({ event }) => event } },
      {
        guard: { type: 'isMemberOfTarget', params: ({ event }) => event },
        actions: [{ type: 'relayToEachMember', params: ({ event }) => event }, { type: 'replyTrying', params: ({ event }) => event }],
      },
    ],
    // session-text, session-custom: acknowledged once they went out.
    'client.message': [
      {
        guard: { type: 'isToReachablePeer', params: ({ event }) => event },
        actions: [{ type: 'relayToPeer', params: ({ event }) => event }, { type: 'acknowledgeMessage', params: ({ event }) => event }],
      },
      {
        guard: { type: 'isToReachableMultiRoom', params: ({ event }) => event },
        actions: [{ type: 'relayToMultiRoom', params: ({ event }) => event }, { type: 'acknowledgeMessage', params: ({ event }) => event }],
      },
      { guard: { type: 'isAloneInRoom', params: ({ event }) => event }, actions: { type: 'replyNoOtherMember', params: ({ event }) => event } },
      { guard: { type: 'isRoomBeyondReach', params: ({ event }) => event }, actions: { type: 'replyRoomUnavailable', params: ({ event }) => event } },
      {
        guard: { type: 'isMemberOfTarget', params: ({ event }) => event },
        actions: [{ type: 'relayToEachMember', params: ({ event }) => event }, { type: 'acknowledgeMessage', params: ({ event }) => event }],
      },
    ],
    // session-event (reactions, presence…): relayed, not acknowledged.
    'client.roomEvent': [
      { guard: { type: 'isToReachablePeer', params: ({ event }) => event }, actions: { type: 'relayToPeer', params: ({ event }) => event } },
      { guard: { type: 'isToReachableMultiRoom', params: ({ event }) => event }, actions: { type: 'relayToMultiRoom', params: ({ event }) => event } },
      { guard: { type: 'isAloneInRoom', params: ({ event }) => event }, actions: { type: 'replyNoOtherMember', params: ({ event }) => event } },
      { guard: { type: 'isRoomBeyondReach', params: ({ event }) => event }, actions: { type: 'replyRoomUnavailable', params: ({ event }) => event } },
      { guard: { type: 'isMemberOfTarget', params: ({ event }) => event }, actions: { type: 'relayToEachMember', params: ({ event }) => event } },
    ],
    'room.joined': { actions: { type: 'addRoom', params: ({ event }) => event } },
    'room.left': [
      { guard: { type: 'isLastRoom', params: ({ event }) => event }, target: 'outOfRoom', actions: { type: 'removeRoom', params: ({ event }) => event } },
      { actions: { type: 'removeRoom', params: ({ event }) => event } },
    ],
  },
});

/** A registered connection's relays whose `to` is not one of its rooms: a uid, looked up by the users
 * owner (its verdict is the same event back, with `user`), then a direct call or a message to every
 * device. Also taken while suspended: a verdict may come back after the socket vanished (Redis engine),
 * and its answer is kept for the resume like any frame. */
const toUser = connectionSetup.createStateConfig({
  on: {
    'client.propose': [
      { guard: { type: 'isInDirectCall', params: ({ event }) => event }, actions: { type: 'tellDirectCall', params: ({ event }) => event } },
      { guard: { type: 'isStrangerToDirectCall', params: ({ event }) => event }, actions: { type: 'replyNotCallParty', params: ({ event }) => event } },
      { guard: { type: 'isToUnresolvedUser', params: ({ event }) => event }, actions: { type: 'resolveUser', params: ({ event }) => event } },
      { guard: { type: 'isDirectoryUnavailable', params: ({ event }) => event }, actions: { type: 'replyRoomUnavailable', params: ({ event }) => event } },
      { guard: { type: 'isToUnreachableUser', params: ({ event }) => event }, actions: { type: 'replyUnreachable', params: ({ event }) => event } },
      { guard: 'isProposeToUserOverLimit', actions: { type: 'replyOverDirectCallLimit', params: ({ event }) => event } },
      { guard: { type: 'isNotMemberOfTarget', params: ({ event }) => event }, actions: [{ type: 'startDirectCall', params: ({ event }) => event }, { type: 'replyTrying', params: ({ event }) => event }] },
    ],
    'client.callAction': [
      { guard: { type: 'isInDirectCall', params: ({ event }) => event }, actions: { type: 'tellDirectCall', params: ({ event }) => event } },
      { guard: { type: 'isStrangerToDirectCall', params: ({ event }) => event }, actions: { type: 'replyNotCallParty', params: ({ event }) => event } },
      { guard: { type: 'isToUnresolvedUser', params: ({ event }) => event }, actions: { type: 'resolveUser', params: ({ event }) => event } },
      { guard: { type: 'isDirectoryUnavailable', params: ({ event }) => event }, actions: { type: 'replyRoomUnavailable', params: ({ event }) => event } },
      { guard: { type: 'isToUnreachableUser', params: ({ event }) => event }, actions: { type: 'replyUnreachable', params: ({ event }) => event } },
      { guard: { type: 'isNotMemberOfTarget', params: ({ event }) => event }, actions: { type: 'relayToUser', params: ({ event }) => event } },
    ],
    'client.message': [
      { guard: { type: 'isToUnresolvedUser', params: ({ event }) => event }, actions: { type: 'resolveUser', params: ({ event }) => event } },
      { guard: { type: 'isDirectoryUnavailable', params: ({ event }) => event }, actions: { type: 'replyRoomUnavailable', params: ({ event }) => event } },
      { guard: { type: 'isToUnreachableUser', params: ({ event }) => event }, actions: { type: 'replyUserUnreachable', params: ({ event }) => event } },
      { guard: { type: 'isNotMemberOfTarget', params: ({ event }) => event }, actions: [{ type: 'relayToUser', params: ({ event }) => event }, { type: 'acknowledgeMessage', params: ({ event }) => event }] },
    ],
    'client.roomEvent': [
      { guard: { type: 'isToUnresolvedUser', params: ({ event }) => event }, actions: { type: 'resolveUser', params: ({ event }) => event } },
      { guard: { type: 'isDirectoryUnavailable', params: ({ event }) => event }, actions: { type: 'replyRoomUnavailable', params: ({ event }) => event } },
      { guard: { type: 'isToUnreachableUser', params: ({ event }) => event }, actions: { type: 'replyUserUnreachable', params: ({ event }) => event } },
      { guard: { type: 'isNotMemberOfTarget', params: ({ event }) => event }, actions: { type: 'relayToUser', params: ({ event }) => event } },
    ],
  },
});

export const connectionMachine = connectionSetup.createMachine({
  id: 'connection',
  context: ({ input }) => ({
    id: input.id,
    helloTransaction: input.helloTransaction,
    profile: null,
    rooms: new Set<string>(),
    identity: input.identity ?? null,
  }),
  initial: 'connected',
  on: {
    'ws.closed': { target: '.closed' },
    'server.drain': { target: '.closing', actions: 'closeForShutdown' },
    'client.malformed': { actions: { type: 'replyMalformed', params: ({ event }) => event } },
  },
  states: {
    connected: {
      description: 'The server sent iq-get session-hello and waits for the iq-result answer.',
      // One shared hello clock (src) sends hello.timeout after helloTimeoutMs: no timer per actor.
      entry: ['sendHelloRequest', 'startHelloClock'],
      exit: 'stopHelloClock',
      on: {
        'hello.timeout': { target: 'closing', actions: 'closeForHelloTimeout' },
        'client.hello': [
          { guard: { type: 'isHelloForAnotherUser', params: ({ event }) => event }, actions: { type: 'rejectHelloForIdentity', params: ({ event }) => event } },
          {
            guard: { type: 'isHelloValid', params: ({ event }) => event },
            target: 'helloed',
            actions: [
              { type: 'assignProfile', params: ({ event }) => event },
              { type: 'acknowledgeHello', params: ({ event }) => event },
            ],
          },
          { actions: { type: 'rejectHello', params: ({ event }) => event } },
        ],
        'client.join': { actions: { type: 'replyHelloRequired', params: ({ event }) => event } },
        'client.leave': { actions: { type: 'replyHelloRequired', params: ({ event }) => event } },
        'client.unknownQuery': { actions: { type: 'replyHelloRequired', params: ({ event }) => event } },
        'client.iceServers': { actions: { type: 'replyHelloRequired', params: ({ event }) => event } },
        'client.register': { actions: { type: 'replyHelloRequired', params: ({ event }) => event } },
        'client.unregister': { actions: { type: 'replyHelloRequired', params: ({ event }) => event } },
        'client.propose': { actions: { type: 'replyHelloRequired', params: ({ event }) => event } },
        'client.callAction': { actions: { type: 'replyHelloRequired', params: ({ event }) => event } },
        'client.message': { actions: { type: 'replyHelloRequired', params: ({ event }) => event } },
        'client.roomEvent': { actions: { type: 'replyHelloRequired', params: ({ event }) => event } },
        'client.metrics': { actions: { type: 'replyHelloRequired', params: ({ event }) => event } },
        'client.invalid': { actions: { type: 'replyHelloRequired', params: ({ event }) => event } },
      },
    },
    helloed: {
      description:
        'The client said hello. Whether it is reachable at its uid (registered) is the outer state; in each, the rooms ' +
        'it is in (outOfRoom ⇄ inRoom, the same rows). A relay to one of its rooms is taken by inRoom; any other `to`, by ' +
        'the registration state it is in.',
      initial: 'unregistered',
      on: {
        'client.hello': { actions: { type: 'rejectSecondHello', params: ({ event }) => event } },
        'client.join': [
          { guard: { type: 'isJoinOutsideGrant', params: ({ event }) => event }, actions: { type: 'replyNotGranted', params: ({ event }) => event } },
          { actions: { type: 'askSupervisorToJoin', params: ({ event }) => event } },
        ],
        'client.leave': { actions: { type: 'askSupervisorToLeave', params: ({ event }) => event } },
        'client.unknownQuery': { actions: { type: 'replyQueryNotSupported', params: ({ event }) => event } },
        'client.iceServers': { actions: { type: 'replyIceServers', params: ({ event }) => event } },
        'client.metrics': { actions: { type: 'recordCallMetrics', params: ({ event }) => event } },
        'client.invalid': { actions: { type: 'replyInvalid', params: ({ event }) => event } },
      },
      states: {
        unregistered: {
          description: 'Not reachable at its uid. A `to` that is not one of its rooms is refused (404002), as before users existed.',
          initial: 'outOfRoom',
          on: {
            // Resume on: the socket vanished without a close frame (the owner decides; off, it never does).
            'ws.lost': { target: '#connection.suspended.unregistered' },
            'client.register': { actions: { type: 'askToRegister', params: ({ event }) => event } },
            'user.registered': [
              { guard: 'isInAnyRoom', target: 'registered.inRoom', actions: { type: 'replyRegistered', params: ({ event }) => event } },
              { target: 'registered.outOfRoom', actions: { type: 'replyRegistered', params: ({ event }) => event } },
            ],
            'user.registerRefused': { actions: { type: 'replyRegisterRefused', params: ({ event }) => event } },
            'client.unregister': { actions: { type: 'replyNotRegistered', params: ({ event }) => event } },
            // A party to a direct call stays one after it unregisters: the call routes by sid.
            'client.propose': [
              { guard: { type: 'isInDirectCall', params: ({ event }) => event }, actions: { type: 'tellDirectCall', params: ({ event }) => event } },
              { guard: { type: 'isStrangerToDirectCall', params: ({ event }) => event }, actions: { type: 'replyNotCallParty', params: ({ event }) => event } },
              { guard: { type: 'isNotMemberOfTarget', params: ({ event }) => event }, actions: { type: 'replyNotInRoom', params: ({ event }) => event } },
            ],
            'client.callAction': [
              { guard: { type: 'isInDirectCall', params: ({ event }) => event }, actions: { type: 'tellDirectCall', params: ({ event }) => event } },
              { guard: { type: 'isStrangerToDirectCall', params: ({ event }) => event }, actions: { type: 'replyNotCallParty', params: ({ event }) => event } },
              { guard: { type: 'isNotMemberOfTarget', params: ({ event }) => event }, actions: { type: 'replyNotInRoom', params: ({ event }) => event } },
            ],
            'client.message': [
              { guard: { type: 'isNotMemberOfTarget', params: ({ event }) => event }, actions: { type: 'replyNotInRoom', params: ({ event }) => event } },
            ],
            'client.roomEvent': [
              { guard: { type: 'isNotMemberOfTarget', params: ({ event }) => event }, actions: { type: 'replyNotInRoom', params: ({ event }) => event } },
            ],
          },
          states: { outOfRoom, inRoom },
        },
        registered: {
          description:
            'Reachable at its uid on this device. A `to` that is not one of its rooms is a uid: looked up in the directory, ' +
            'a propose rings every device of it (a direct call), a message reaches every device.',
          initial: 'outOfRoom',
          on: {
            'ws.lost': { target: '#connection.suspended.registered' },
            'client.register': { actions: { type: 'askToRegister', params: ({ event }) => event } },
            'user.registered': { actions: { type: 'replyRegistered', params: ({ event }) => event } },
            'user.registerRefused': { actions: { type: 'replyRegisterRefused', params: ({ event }) => event } },
            'client.unregister': [
              {
                guard: 'isInAnyRoom',
                target: 'unregistered.inRoom',
                actions: [{ type: 'unregisterUser', params: ({ event }) => event }, { type: 'replyUnregistered', params: ({ event }) => event }],
              },
              {
                target: 'unregistered.outOfRoom',
                actions: [{ type: 'unregisterUser', params: ({ event }) => event }, { type: 'replyUnregistered', params: ({ event }) => event }],
              },
            ],
            ...toUser.on,
          },
          states: { outOfRoom, inRoom },
        },
      },
    },
    suspended: {
      description:
        'Resume: the socket vanished, the session did not. Rooms, calls and registration are kept, nobody is told, ' +
        'frames for it are kept by its owner; a new socket with its token resumes it, its window or buffer running out ends it.',
      initial: 'unregistered',
      on: {
        'session.expired': { target: 'closed' },
        // Joins decided after the socket vanished (and kicks) still count.
        'room.joined': { actions: { type: 'addRoom', params: ({ event }) => event } },
        'room.left': { actions: { type: 'removeRoom', params: ({ event }) => event } },
        'server.drain': { actions: 'endSuspendedSession' },
      },
      // The registration as the socket left it; a resume goes back to it (outOfRoom moves on to inRoom when it holds rooms).
      states: {
        unregistered: {
          on: {
            'ws.resumed': { target: '#connection.helloed.unregistered' },
            // A session-register the directory answered after the socket vanished: registered, the answer kept for the resume.
            'user.registered': { target: 'registered', actions: { type: 'replyRegistered', params: ({ event }) => event } },
            'user.registerRefused': { actions: { type: 'replyRegisterRefused', params: ({ event }) => event } },
          },
        },
        registered: {
          on: {
            'ws.resumed': { target: '#connection.helloed.registered' },
            'user.registered': { actions: { type: 'replyRegistered', params: ({ event }) => event } },
            'user.registerRefused': { actions: { type: 'replyRegisterRefused', params: ({ event }) => event } },
            ...toUser.on,
          },
        },
      },
    },
    closing: {
      description: 'The server is closing the socket (hello timeout or shutdown) and waits for it to close.',
      on: {
        'server.drain': {},
        'client.malformed': {},
      },
    },
    closed: {
      description: 'The socket closed: its owner has removed this connection from every room.',
      type: 'final',
    },
  },
});

/** A running connection actor (what src provides has the same shape). */
export type ConnectionActor = ActorRefFrom<typeof connectionMachine>;
