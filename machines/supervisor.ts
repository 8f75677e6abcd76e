/**
 * The server's lifecycle and the single authority over room membership:
 * accepting ⇄ draining → stopped.
 *
 * Connection actors are created by the named action `spawnConnection` (createActor with this actor
 * as parent, so they share its actor system; the connection owner keeps the refs) rather than
 * spawnChild, whose children map is copied on every spawn (~150 spawns/s at 10k connections
 * measured here). Joins and leaves come here and are decided by the membership authority (at once
 * in one process, atomically in a shared store across processes), so two joins racing for the last
 * seat cannot both win. The authority's verdict comes back as its own event (`join.accepted`,
 * `join.roomFull`…), so every outcome is a transition of this chart. Relays never come here.
 *
 * Pure and visual: imports only xstate; every action and guard is a named stub supplied by src.
 */
import { setup } from 'xstate';

export type RoomKind = 'room' | 'muc';
export interface Frame {
  jsongle: { action: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A join or leave request of one connection: the frame to answer and the rid it named. */
export interface MembershipRequest {
  id: string;
  msg: Frame;
  rid: unknown;
}
export interface JoinRequest extends MembershipRequest {
  kind: RoomKind;
}
/** A request whose rid passed the checks. */
export interface DecidedRequest extends MembershipRequest {
  rid: string;
  kind: RoomKind;
}

export type SupervisorEvent =
  | { type: 'ws.opened'; id: string; socket: unknown }
  | { type: 'ws.closed'; id: string }
  | ({ type: 'conn.join' } & JoinRequest)
  | ({ type: 'conn.leave' } & MembershipRequest)
  // The membership authority's verdicts (at once in one process; later from a shared store)
  | ({ type: 'join.accepted' } & DecidedRequest)
  | ({ type: 'join.alreadyMember' } & DecidedRequest)
  | ({ type: 'join.kindConflict' } & DecidedRequest)
  | ({ type: 'join.roomFull' } & DecidedRequest)
  | ({ type: 'join.tooManyMultiRooms' } & DecidedRequest)
  | ({ type: 'join.tooManyRooms' } & DecidedRequest)
  | ({ type: 'leave.accepted' } & DecidedRequest)
  | ({ type: 'leave.notMember' } & DecidedRequest)
  | ({ type: 'membership.failed' } & MembershipRequest)
  | { type: 'server.drain' }
  // --- admin API (src/admin/): an operator closes a room; each member's removal is its own verdict ---
  | { type: 'admin.closeRoom'; rid: string; done: (removed: number) => void }
  | ({ type: 'admin.memberRemoved' } & RemovedMember);

/** A member an operator removed from a room (admin.closeRoom), once the authority has decided it. */
export interface RemovedMember {
  id: string;
  rid: string;
  kind: RoomKind;
  /** The removed member's profile, as the room knew it (what `left` names). */
  profile: unknown;
}

export const supervisorMachine = setup({
  types: {
    events: {} as SupervisorEvent,
  },
  actions: {
    // The connection owner (src/connections/)
    spawnConnection: (_, _p: { id: string; socket: unknown }) => {},
    refuseConnection: (_, _p: { id: string; socket: unknown }) => {},
    releaseConnection: (_, _p: { id: string }) => {},
    stopAccepting: () => {},
    drainConnections: () => {},
    closeRemainingConnections: () => {},
    notifyStopped: () => {},
    closeFailedConnection: () => {},
    forgetFailedCall: () => {},
    // The admin API: every member of this node leaves the room (membership authority), each one's
    // removal comes back as admin.memberRemoved
    removeRoomMembers: (_, _p: { rid: string; done: (removed: number) => void }) => {},
    announceRemoval: (_, _p: RemovedMember) => {},
    tellConnectionRemoved: (_, _p: RemovedMember) => {},
    // The membership authority: its verdict comes back as an event
    decideJoin: (_, _p: JoinRequest) => {},
    decideLeave: (_, _p: MembershipRequest) => {},
    // The room owner (src/rooms/): tells the other members
    announceJoin: (_, _p: DecidedRequest) => {},
    announceLeave: (_, _p: DecidedRequest) => {},
    // Answers to the requester
    confirmJoin: (_, _p: DecidedRequest) => {},
    confirmLeave: (_, _p: DecidedRequest) => {},
    rejectInvalidRoomId: (_, _p: MembershipRequest) => {},
    rejectKindConflict: (_, _p: DecidedRequest) => {},
    rejectRoomFull: (_, _p: DecidedRequest) => {},
    rejectTooManyMultiRooms: (_, _p: DecidedRequest) => {},
    rejectTooManyRooms: (_, _p: DecidedRequest) => {},
    rejectNotMember: (_, _p: DecidedRequest) => {},
    rejectMembershipUnavailable: (_, _p: MembershipRequest) => {},
    // Messages to the requester's actor
    tellConnectionJoined: (_, _p: DecidedRequest) => {},
    tellConnectionLeft: (_, _p: DecidedRequest) => {},
  },
  guards: {
    // Supplied by src
    isRoomIdInvalid: (_, _p: MembershipRequest) => false,
    isRequesterGone: (_, _p: { id: string }) => false,
    hasNoConnections: () => false,
  },
  delays: {
    // Supplied by src from config drainTimeoutMs
    drainTimeout: 10000,
  },
}).createMachine({
  id: 'supervisor',
  initial: 'accepting',
  on: {
    'conn.join': [
      { guard: { type: 'isRoomIdInvalid', params: ({ event }) => event }, actions: { type: 'rejectInvalidRoomId', params: ({ event }) => event } },
      { actions: { type: 'decideJoin', params: ({ event }) => event } },
    ],
    'join.accepted': [
      // The requester disconnected while its join was being decided: its departure was announced already.
      { guard: { type: 'isRequesterGone', params: ({ event }) => event } },
      {
        actions: [
          { type: 'announceJoin', params: ({ event }) => event },
          { type: 'confirmJoin', params: ({ event }) => event },
          { type: 'tellConnectionJoined', params: ({ event }) => event },
        ],
      },
    ],
    'join.alreadyMember': [
      { guard: { type: 'isRequesterGone', params: ({ event }) => event } },
      { actions: { type: 'confirmJoin', params: ({ event }) => event } },
    ],
    'join.kindConflict': [
      { guard: { type: 'isRequesterGone', params: ({ event }) => event } },
      { actions: { type: 'rejectKindConflict', params: ({ event }) => event } },
    ],
    'join.roomFull': [
      { guard: { type: 'isRequesterGone', params: ({ event }) => event } },
      { actions: { type: 'rejectRoomFull', params: ({ event }) => event } },
    ],
    'join.tooManyMultiRooms': [
      { guard: { type: 'isRequesterGone', params: ({ event }) => event } },
      { actions: { type: 'rejectTooManyMultiRooms', params: ({ event }) => event } },
    ],
    'join.tooManyRooms': [
      { guard: { type: 'isRequesterGone', params: ({ event }) => event } },
      { actions: { type: 'rejectTooManyRooms', params: ({ event }) => event } },
    ],
    'conn.leave': [
      { guard: { type: 'isRoomIdInvalid', params: ({ event }) => event }, actions: { type: 'rejectInvalidRoomId', params: ({ event }) => event } },
      { actions: { type: 'decideLeave', params: ({ event }) => event } },
    ],
    'leave.accepted': [
      { guard: { type: 'isRequesterGone', params: ({ event }) => event } },
      {
        actions: [
          { type: 'announceLeave', params: ({ event }) => event },
          { type: 'confirmLeave', params: ({ event }) => event },
          { type: 'tellConnectionLeft', params: ({ event }) => event },
        ],
      },
    ],
    'leave.notMember': [
      { guard: { type: 'isRequesterGone', params: ({ event }) => event } },
      { actions: { type: 'rejectNotMember', params: ({ event }) => event } },
    ],
    'membership.failed': [
      { guard: { type: 'isRequesterGone', params: ({ event }) => event } },
      { actions: { type: 'rejectMembershipUnavailable', params: ({ event }) => event } },
    ],
    // A connection or call actor failed (a bug in an action): close that socket, or forget that call;
    // the supervisor itself goes on.
    'xstate.error.actor.connection': { actions: 'closeFailedConnection' },
    'xstate.error.actor.call': { actions: 'forgetFailedCall' },
    'xstate.error.actor.directCall': { actions: 'forgetFailedCall' },
    // An operator closes a room (DELETE /admin/rooms/<rid>): a membership change like a leave.
    'admin.closeRoom': { actions: { type: 'removeRoomMembers', params: ({ event }) => event } },
    'admin.memberRemoved': [
      { guard: { type: 'isRequesterGone', params: ({ event }) => event } },
      {
        actions: [
          { type: 'announceRemoval', params: ({ event }) => event },
          { type: 'tellConnectionRemoved', params: ({ event }) => event },
        ],
      },
    ],
  },
  states: {
    accepting: {
      description: 'Upgrades are admitted (token, origin, capacity); each open socket gets a connection actor.',
      on: {
        'ws.opened': { actions: { type: 'spawnConnection', params: ({ event }) => event } },
        'ws.closed': { actions: { type: 'releaseConnection', params: ({ event }) => event } },
        'server.drain': { target: 'draining' },
      },
    },
    draining: {
      description: 'Shutting down: upgrades get 503, every connection gets 503001 and a 1001 close.',
      entry: ['stopAccepting', 'drainConnections'],
      always: { guard: 'hasNoConnections', target: 'stopped' },
      after: {
        drainTimeout: { target: 'stopped', actions: 'closeRemainingConnections' },
      },
      on: {
        'ws.opened': { actions: { type: 'refuseConnection', params: ({ event }) => event } },
        'ws.closed': { actions: { type: 'releaseConnection', params: ({ event }) => event } },
      },
    },
    stopped: {
      description: 'Every connection is gone; the server closes its ports and exits.',
      type: 'final',
      entry: 'notifyStopped',
    },
  },
});
