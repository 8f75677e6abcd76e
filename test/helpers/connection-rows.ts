/**
 * What the connection chart's rooms region does after each kind of relay: shared by the room rows'
 * tests (connection.test.ts) and the user region's (connection-users.test.ts).
 */
export type RelayType = 'client.propose' | 'client.callAction' | 'client.message' | 'client.roomEvent';

/** A relay to a reachable P2P peer: a propose starts its call first (with the Redis engine the call's
 * mirror must reach the peer's node first) and is answered trying, a call action is told to its call
 * actor, a message acknowledged. */
export const PEER_RELAY: Record<RelayType, string[]> = {
  'client.propose': ['startCall', 'relayToPeer', 'replyTrying'],
  'client.callAction': ['relayToPeer', 'tellCall'],
  'client.message': ['relayToPeer', 'acknowledgeMessage'],
  'client.roomEvent': ['relayToPeer'],
};
/** The same after any other relay (no call is tracked in a MUC or a P2P room of more than two). */
export const AFTER_RELAY: Record<RelayType, string[]> = {
  'client.propose': ['replyTrying'],
  'client.callAction': [],
  'client.message': ['acknowledgeMessage'],
  'client.roomEvent': [],
};
/** Alone in a P2P room: a call is answered unreachable (session-info), a message gets an error. */
export const ALONE_REPLY: Record<RelayType, string> = {
  'client.propose': 'replyUnreachable',
  'client.callAction': 'replyUnreachable',
  'client.message': 'replyNoOtherMember',
  'client.roomEvent': 'replyNoOtherMember',
};
