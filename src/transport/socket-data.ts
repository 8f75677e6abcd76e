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
  // --- resume (src/connections/sessions.ts) ---
  /** This socket's session when resume is on (counts frames both ways), else null. */
  session: SessionLink | null;
  /** What the upgrade's `resume=` asked, read once at open (then null). */
  resume: ResumeClaim | null;
  /** The server ended this socket (end/drop): its close never suspends the session. */
  endedByServer: boolean;
  /** Its session was resumed on another socket: its close is not the session's end. */
  replaced: boolean;
}

/** What the message path touches of a session (src/connections/session.ts; an interface here so
 * that transport does not import connections). */
export interface SessionLink {
  received: number;
}

export type ResumeFailure = 'unknown' | 'expired' | 'gap';
/** A valid resume request (the token and the client's lastSeen), or why it cannot be served. */
export type ResumeClaim = { readonly token: string; readonly lastSeen: number } | { readonly failed: ResumeFailure };

/**
 * A socket as the connection owner uses it. A raw uWS WebSocket is one as it is (the raw door's
 * sockets are stored unwrapped: no indirection on the relay path); a Socket.IO connection is
 * wrapped in SocketIOPeer (src/transport/socketio-peer.ts), which frames each text for Socket.IO.
 */
export type Socket = Pick<WebSocket<SocketData>,
  'getUserData' | 'send' | 'end' | 'close' | 'subscribe' | 'unsubscribe' | 'publish' | 'getBufferedAmount'>;
