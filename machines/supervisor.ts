/**
 * The server's lifecycle and the single authority over room membership:
 * accepting ⇄ draining → stopped.
 *
 * Connection actors are created by the named action `spawnConnection` (createActor with this actor
 * as parent, so they share its actor system; refs kept in a Map owned by src/actors/supervisor.ts)
 * rather than spawnChild, whose children map is copied on
 * every spawn (~150 spawns/s at 10k connections measured here). Joins and leaves come here and are
 * decided by the membership authority (decideJoin / decideLeave: at once in one process, atomically
 * in a shared store across processes), so two joins racing for the last seat cannot both win; the
 * verdict comes back as join.decided / leave.decided. Relays never come here.
 *
 * Pure and visual: imports only xstate; every action and guard is a named stub supplied by src.
 */
import { setup } from 'xstate';

type RoomKind = 'room' | 'muc';
interface Frame {
  jsongle: { action: string; [key: string]: unknown };
  [key: string]: unknown;
}

type JoinVerdict = 'joined' | 'alreadyMember' | 'kindConflict' | 'full' | 'tooManyMultiRooms';
type LeaveVerdict = 'left' | 'notMember';

export type SupervisorEvent =
  | { type: 'ws.opened'; id: string; socket: unknown }
  | { type: 'ws.closed'; id: string }
  | { type: 'conn.join'; id: string; kind: RoomKind; msg: Frame }
  | { type: 'conn.leave'; id: string; msg: Frame }
  /** The membership authority's answer (at once in one process; later from a shared store). */
  | { type: 'join.decided'; id: string; kind: RoomKind; msg: Frame; verdict: JoinVerdict }
  | { type: 'leave.decided'; id: string; msg: Frame; verdict: LeaveVerdict; kind?: RoomKind }
  | { type: 'membership.failed'; id: string; msg: Frame }
  | { type: 'server.drain' };

export const supervisorMachine = setup({
  types: {
    events: {} as SupervisorEvent,
  },
  actions: {
    spawnConnection: () => {},
    refuseConnection: () => {},
    notifyRoomsOfDeparture: () => {},
    releaseConnection: () => {},
    rejectInvalidRoomId: () => {},
    rejectKindConflict: () => {},
    rejectRoomFull: () => {},
    rejectTooManyMultiRooms: () => {},
    rejectNotMember: () => {},
    rejectMembershipUnavailable: () => {},
    decideJoin: () => {},
    decideLeave: () => {},
    confirmExistingMembership: () => {},
    notifyMemberJoined: () => {},
    subscribeToRoom: () => {},
    confirmJoin: () => {},
    notifyMemberLeft: () => {},
    unsubscribeFromRoom: () => {},
    confirmLeave: () => {},
    stopAccepting: () => {},
    drainConnections: () => {},
    closeRemainingConnections: () => {},
    notifyStopped: () => {},
    closeFailedConnection: () => {},
  },
  guards: {
    // Supplied by src
    isRoomIdInvalid: () => false,
    isRequesterGone: () => false,
    hasNoConnections: () => false,
    // Pure: they read the membership authority's verdict
    isKindConflict: ({ event }) => (event as { verdict?: string }).verdict === 'kindConflict',
    isAlreadyMember: ({ event }) => (event as { verdict?: string }).verdict === 'alreadyMember',
    isRoomFull: ({ event }) => (event as { verdict?: string }).verdict === 'full',
    hasTooManyMultiRooms: ({ event }) => (event as { verdict?: string }).verdict === 'tooManyMultiRooms',
    isNotMember: ({ event }) => (event as { verdict?: string }).verdict === 'notMember',
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
      { guard: 'isRoomIdInvalid', actions: 'rejectInvalidRoomId' },
      { actions: 'decideJoin' },
    ],
    'join.decided': [
      { guard: 'isRequesterGone' },
      { guard: 'isKindConflict', actions: 'rejectKindConflict' },
      { guard: 'isAlreadyMember', actions: 'confirmExistingMembership' },
      { guard: 'isRoomFull', actions: 'rejectRoomFull' },
      { guard: 'hasTooManyMultiRooms', actions: 'rejectTooManyMultiRooms' },
      { actions: ['notifyMemberJoined', 'subscribeToRoom', 'confirmJoin'] },
    ],
    'conn.leave': [
      { guard: 'isRoomIdInvalid', actions: 'rejectInvalidRoomId' },
      { actions: 'decideLeave' },
    ],
    'leave.decided': [
      { guard: 'isRequesterGone' },
      { guard: 'isNotMember', actions: 'rejectNotMember' },
      { actions: ['notifyMemberLeft', 'unsubscribeFromRoom', 'confirmLeave'] },
    ],
    'membership.failed': { actions: 'rejectMembershipUnavailable' },
    // A connection actor failed (a bug in an action): close its socket; the supervisor itself goes on.
    'xstate.error.actor.*': { actions: 'closeFailedConnection' },
  },
  states: {
    accepting: {
      description: 'Upgrades are admitted (token, origin, capacity); each open socket gets a connection actor.',
      on: {
        'ws.opened': { actions: 'spawnConnection' },
        'ws.closed': { actions: ['notifyRoomsOfDeparture', 'releaseConnection'] },
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
        'ws.opened': { actions: 'refuseConnection' },
        'ws.closed': { actions: ['notifyRoomsOfDeparture', 'releaseConnection'] },
      },
    },
    stopped: {
      description: 'Every connection is gone; the server closes its ports and exits.',
      type: 'final',
      entry: 'notifyStopped',
    },
  },
});
