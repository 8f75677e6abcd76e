/** The JSONgle actions the server knows, grouped by what it does with them. */

/** Call signaling: relayed; in a P2P room with nobody else, answered `session-info unreachable`. */
export const CALL_ACTIONS = new Set([
  'session-propose', 'session-info', 'session-retract', 'session-decline', 'session-proceed',
  'session-initiate', 'session-accept', 'transport-info', 'session-terminate',
]);

/** Messaging: relayed; in a P2P room with nobody else, answered 404003. */
export const MESSAGE_ACTIONS = new Set(['session-text', 'session-custom', 'session-event']);

export const Query = {
  Hello: 'session-hello',
  Join: 'session-join',
  MucJoin: 'muc-join',
  Leave: 'session-leave',
  MucLeave: 'muc-leave',
  /** Fresh ICE servers (TURN credentials): users-calls-sessions.md §5. */
  IceServers: 'ice-servers',
  /** Reachable at one's uid on this device, and no more: users-calls-sessions.md §2. */
  Register: 'session-register',
  Unregister: 'session-unregister',
} as const;

export type RoomKind = 'room' | 'muc';
