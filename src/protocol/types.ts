/** JSONgle wire types. Messages are JSON objects; only the fields the server reads are typed. */
import type { RoomKind } from './actions.js';

export interface Jsongle {
  action: string;
  query?: unknown;
  transaction?: unknown;
  description?: unknown;
  namespace?: unknown;
  sid?: unknown;
  initiator?: unknown;
  responder?: unknown;
  reason?: unknown;
  [key: string]: unknown;
}

/** A client frame that passed the envelope checks: a JSON object with a `jsongle` object. */
export interface Envelope {
  id?: unknown;
  from?: unknown;
  to?: unknown;
  jsongle: Jsongle;
  [key: string]: unknown;
}

/** A relayable frame: `to` is a string and `description` (added when absent) an object. */
export interface RelayEnvelope extends Envelope {
  to: string;
  jsongle: Jsongle & { description: Record<string, unknown> };
}

/** What a member of a room is known by: only what its hello said. */
export interface Profile {
  uid: string;
  dn?: string;
}

export type { RoomKind };
