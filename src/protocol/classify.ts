/**
 * Envelope → the one event the connection actor gets. State-independent checks happen here, in
 * the spec's order (action known → action parameters); the actor adds the state-dependent ones
 * (hello done, room membership, room state). Never throws.
 */
import type { CallView, ConnectionEvent, RelayFrame, RoomView } from '../../machines/connection.js';
import { CALL_ACTIONS, Query } from './actions.js';
import { ErrorCode } from './codes.js';
import { isPlainObject } from './parse.js';
import type { Envelope } from './types.js';

/** The relay event of each relayed action: the chart routes each kind on its own row set. */
const RELAY_EVENT: Record<string, 'client.propose' | 'client.callAction' | 'client.message' | 'client.roomEvent'> = Object.create(null);
for (const a of CALL_ACTIONS) RELAY_EVENT[a] = 'client.callAction';
RELAY_EVENT['session-propose'] = 'client.propose';
RELAY_EVENT['session-text'] = 'client.message';
RELAY_EVENT['session-custom'] = 'client.message';
RELAY_EVENT['session-event'] = 'client.roomEvent';

/** The call owner's lookups (src/calls/calls.ts): one map read for a call action, none for a message. */
export interface CallLookup {
  ofSid(sid: unknown): CallView | undefined;
  forPropose(sid: unknown, room: RoomView | undefined): CallView | undefined;
}

const NO_CALLS: CallLookup = { ofSid: () => undefined, forPropose: () => undefined };

/** `roomOf` is the room owner's lookup: the one lookup of a relay, done here so the chart's guards read it;
 * `calls` the call owner's, for call actions. */
export function classify(msg: Envelope, roomOf: (rid: string) => RoomView | undefined, calls: CallLookup = NO_CALLS): ConnectionEvent {
  const j = msg.jsongle;
  const action = j.action;
  if (typeof action !== 'string') return { type: 'client.invalid', msg, code: ErrorCode.ActionNotSupported, param: action !== null && typeof action === 'object' ? typeof action : String(action) };
  const d = j.description;

  const relay = RELAY_EVENT[action];
  if (relay !== undefined) {
    const to = msg.to;
    if (typeof to !== 'string') return { type: 'client.invalid', msg, code: ErrorCode.BadParameter, param: 'to' };
    if (d === undefined) j.description = {};
    else if (!isPlainObject(d)) return { type: 'client.invalid', msg, code: ErrorCode.BadParameter, param: 'description' };
    const room = roomOf(to);
    const call = relay === 'client.callAction' ? calls.ofSid(j.sid) : relay === 'client.propose' ? calls.forPropose(j.sid, room) : undefined;
    return { type: relay, msg: msg as RelayFrame, room, call };
  }

  switch (action) {
    case 'iq-set': {
      const q = j.query;
      if (typeof q !== 'string' || q.length === 0) return { type: 'client.invalid', msg, code: ErrorCode.BadParameter, param: 'query' };
      if (d !== undefined && !isPlainObject(d)) return { type: 'client.invalid', msg, code: ErrorCode.BadParameter, param: 'description' };
      if (q === Query.Join) return { type: 'client.join', msg, kind: 'room' };
      if (q === Query.MucJoin) return { type: 'client.join', msg, kind: 'muc' };
      if (q === Query.Leave || q === Query.MucLeave) return { type: 'client.leave', msg };
      if (q === Query.IceServers) return { type: 'client.iceServers', msg };
      if (q === Query.Register) return { type: 'client.register', msg };
      if (q === Query.Unregister) return { type: 'client.unregister', msg };
      return { type: 'client.unknownQuery', msg };
    }
    case 'iq-result':
      if (j.query === Query.Hello) return { type: 'client.hello', msg };
      return { type: 'client.invalid', msg, code: ErrorCode.ActionNotSupported, param: action };
    case 'session-metrics':
      if (d !== undefined && !isPlainObject(d)) return { type: 'client.invalid', msg, code: ErrorCode.BadParameter, param: 'description' };
      return { type: 'client.metrics', msg };
    default:
      return { type: 'client.invalid', msg, code: ErrorCode.ActionNotSupported, param: action };
  }
}
