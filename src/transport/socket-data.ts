/** Per-socket user data kept by uWS: everything the message path needs without a Map lookup. */
import type { WebSocket } from 'uWebSockets.js';
import type { ConnectionActor, TokenIdentity } from '../../machines/connection.js';

export interface SocketData {
  /** Connection id (uuid): the client's address.  */
  readonly id: string;
  /** Remote address, for logs and per-address limits. */
  readonly ip: string;
  /** Set in the close handler: after it, nothing may be sent on the socket. */
  closed: boolean;
  /** The connection actor, set by the supervisor when the socket opens. */
  actor: ConnectionActor | null;
  /** Token bucket of the per-connection rate limit (refilled lazily on each message). */
  tokens: number;
  lastRefillMs: number;
  /** Messages dropped by the rate limit in the current 10 s window (abuse → close 4429). */
  droppedInWindow: number;
  windowStartMs: number;
  /** A send to this socket was refused for backpressure: uWS closes it (closeOnBackpressureLimit),
   * and the close handler counts that close as a backpressure close. */
  sendRefused: boolean;
  /** Date.now() at the upgrade: duration_total adds the minutes each connection stayed open. */
  readonly openedAtMs: number;
  /** The identity token's verified claims (null: no token configured); the actor's input. */
  readonly identity: TokenIdentity | null;
}

export type Socket = WebSocket<SocketData>;
