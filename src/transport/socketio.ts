/**
 * The Socket.IO door: JSONgle-Server 2.x apps (socket.io-client 4, `io(url, { auth: { appToken } })`,
 * event "jsongle" both ways) on wsPort at /socket.io/, with Socket.IO's own code for long-polling,
 * the upgrade, heartbeats and reconnection (the `socket.io` package attached to the uWS app).
 *
 * Each Socket.IO connection is a connection actor like a raw WebSocket one: the supervisor gets
 * `ws.opened` with a SocketIOPeer (the connection owner's socket shape), each "jsongle" event is
 * one classified actor event, the disconnect is `ws.closed`. Only the framing at the edge differs.
 *
 * Admission, in the raw door's order where it can be checked:
 * - at the Engine.IO handshake (the HTTP request that would open a session, before any engine
 *   socket exists): draining, the per-address upgrade budget, Origin, capacity (open connections
 *   plus handshaken sessions that have not connected yet) → HTTP 403 from Engine.IO, which the
 *   client reports as `connect_error`;
 * - at the Socket.IO CONNECT (which carries `auth`): draining, the open-per-address and failed-token
 *   budgets, appToken (from `auth.appToken`, or the `appToken` query parameter), capacity →
 *   `connect_error` with the same message as the raw door's HTTP body, and `data: {status, error}`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Server, type Socket as IOSocket } from 'socket.io';
import type { TemplatedApp } from 'uWebSockets.js';
import type { TokenIdentity } from '../../machines/connection.js';
import type { SupervisorEvent } from '../../machines/supervisor.js';
import type { Config } from '../config/types.js';
import type { Connections } from '../connections/connections.js';
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';
import type { CallLookup } from '../protocol/classify.js';
import { classify } from '../protocol/classify.js';
import { CloseCode, ErrorCode } from '../protocol/codes.js';
import { checkEnvelope, MAX_NESTING, nestedDeeperThan } from '../protocol/parse.js';
import type { Rooms } from '../rooms/rooms.js';
import type { TokenVerifier } from '../auth/jwt.js';
import { admit, parseAllowedOrigins, tokenRefusal, type Admission } from './admission.js';
import { clientAddress } from './client-address.js';
import type { EdgeGuards } from './edge-guards.js';
import { isAbusive, takeToken } from './rate-limit.js';
import type { SocketData } from './socket-data.js';
import { SocketIOPeer } from './socketio-peer.js';
import { uWS } from './uws.js';

export const SOCKET_IO_PATH = '/socket.io/';
/** The one event of the JSONgle protocol over Socket.IO (JSONgle-Server 2.x's). */
export const JSONGLE_EVENT = 'jsongle';

export interface SocketIODeps {
  config: Config;
  stats: Stats;
  logger: Logger;
  rooms: Rooms;
  connections: Connections;
  calls: CallLookup;
  /** The per-address guards, shared with the raw door (one budget per address for both). */
  edge: EdgeGuards;
  toSupervisor(event: SupervisorEvent): void;
  isAccepting(): boolean;
  connectionCount(): number;
  maxConnections: number;
  /** Identity tokens (auth.jwt*): null, none needed. The token comes as `auth.token` or the `token` query. */
  tokenVerifier?: TokenVerifier | null;
}

export interface SocketIODoor {
  /** Open Socket.IO connections (the connection owner holds them; this is the door's count). */
  readonly open: number;
  /** Ends the sessions that never connected and Socket.IO's timers (after the drain). */
  close(): Promise<void>;
}

/** The Engine.IO request as uServer prepares it (headers lowercased, the peer address). */
interface HandshakeRequest {
  headers: IncomingHttpHeaders;
  connection: { remoteAddress?: string };
}

export function attachSocketIO(app: TemplatedApp, deps: SocketIODeps): SocketIODoor {
  const { config, stats, logger, rooms, connections, calls, edge } = deps;
  const roomOf = (rid: string) => rooms.get(rid);
  const allowedOrigins = parseAllowedOrigins(config.corsPolicyOrigin);
  const { messagesPerSecond, burst } = config.rateLimit;
  let open = 0;

  const addressOf = (peer: string, headers: IncomingHttpHeaders): string =>
    config.trustProxy ? clientAddress(peer, str(headers['x-forwarded-for']), str(headers['x-real-ip']), true) : peer;

  const refuse = (verdict: Exclude<Admission, { ok: true }>, ip: string, now: number): void => {
    stats.countRejectedUpgrade(verdict.reason);
    edge.refused(verdict, ip, now);
  };

  const io = new Server({
    path: SOCKET_IO_PATH,
    serveClient: false,
    pingInterval: config.socketio.pingIntervalMs,
    pingTimeout: config.socketio.pingTimeoutMs,
    maxHttpBufferSize: config.socketio.maxHttpBufferSize || config.maxPayloadLength,
    // A session that never sends CONNECT is closed as a silent raw socket is (hello timeout).
    connectTimeout: config.helloTimeoutMs,
    // Cross-origin long-polling needs CORS answers: the same origins as the raw door's Origin check.
    cors: { origin: allowedOrigins.length > 0 ? allowedOrigins : true },
    // JSONgle messages are small; gzip on every poll would cost more CPU than it saves.
    httpCompression: false,
    perMessageDeflate: false,
    allowEIO3: false,

    allowRequest: (req, callback) => {
      const r = req as unknown as HandshakeRequest;
      const ip = addressOf(r.connection.remoteAddress ?? '', r.headers);
      const now = Date.now();
      const { rateLimited } = edge.check(ip, now);
      // The token travels in the CONNECT packet, checked below; sessions not yet connected count
      // against capacity so that handshakes alone cannot pile up.
      const verdict = admit(
        { token: null, origin: str(r.headers.origin), rateLimited },
        {
          accepting: deps.isAccepting(), appToken: '', allowedOrigins,
          connections: deps.connectionCount() + pendingSessions(), maxConnections: deps.maxConnections,
        },
      );
      if (verdict.ok) return callback(null, true);
      refuse(verdict, ip, now);
      callback(verdict.message, false);
    },
  });
  const pendingSessions = (): number => Math.max(0, io.engine.clientsCount - open);

  io.attachApp(app, {
    compression: uWS.DISABLED,
    // Engine.IO's own heartbeat (pingInterval + pingTimeout) finds dead peers.
    idleTimeout: 0,
    maxBackpressure: config.maxBackpressureBytes,
  } as never);

  io.use((socket, next) => {
    const hs = socket.handshake;
    const ip = addressOf(hs.address, hs.headers);
    const now = Date.now();
    const token = tokenOf(hs.auth, hs.query);
    const verdict = admit(
      {
        token, origin: '',
        openLimited: edge.openPerAddress.full(ip),
        authThrottled: !edge.authFailures.hasToken(ip, now),
      },
      {
        accepting: deps.isAccepting(), appToken: config.appToken, allowedOrigins,
        connections: deps.connectionCount(), maxConnections: deps.maxConnections,
      },
    );
    const fail = (refusal: Exclude<Admission, { ok: true }>) => {
      refuse(refusal, ip, Date.now());
      const err = new Error(refusal.message) as Error & { data: unknown };
      err.data = { status: refusal.status, error: refusal.message };
      next(err);
    };
    if (!verdict.ok) return fail(verdict);
    const verifier = deps.tokenVerifier ?? null;
    if (verifier === null) return next();
    // As on the raw door: with identity tokens configured, no token, no connection.
    void verifier.verify(identityTokenOf(hs.auth, hs.query)).then((checked) => {
      if (!checked.ok) return fail(tokenRefusal(checked.reason));
      (socket.data as { identity?: TokenIdentity }).identity = checked.identity;
      next();
    });
  });

  io.on('connection', (socket: IOSocket) => {
    const now = Date.now();
    const ip = addressOf(socket.handshake.address, socket.handshake.headers);
    const data: SocketData = {
      id: randomUUID(), ip, closed: false, actor: null,
      tokens: burst, lastRefillMs: now, droppedInWindow: 0, windowStartMs: now, sendRefused: false, openedAtMs: now,
      identity: (socket.data as { identity?: TokenIdentity }).identity ?? null,
      session: null, resume: null, endedByServer: false, replaced: false,
    };
    const peer = new SocketIOPeer(socket, data, app, config.maxBackpressureBytes);
    edge.openPerAddress.reserve(ip);
    open++;
    stats.socketIOOpened++;

    // Wire bytes of each incoming message packet (the event's argument is already an object).
    socket.conn.on('data', (packet: unknown) => {
      if (typeof packet === 'string') stats.bytesReceived += packet.length;
    });
    socket.onAny((event: unknown, payload: unknown) => {
      stats.framesReceived++;
      const actor = data.actor;
      if (actor === null || data.closed) return;
      const at = Date.now();
      if (!takeToken(data, at, messagesPerSecond, burst)) {
        stats.rateLimited++;
        connections.sendError(data.id, undefined, ErrorCode.RateLimited);
        if (isAbusive(data, at, burst)) {
          logger.info('closing an abusive connection', { connectionId: data.id, ip, door: 'socketio' });
          connections.end(data.id, CloseCode.RateLimited, 'rate limit exceeded', 'rateLimit');
        }
        return;
      }
      const msg = event === JSONGLE_EVENT ? envelopeOf(payload) : ErrorCode.NotJsonObject;
      actor.send(typeof msg === 'number' ? { type: 'client.malformed', code: msg } : classify(msg, roomOf, calls));
    });
    socket.on('disconnect', (reason: string) => {
      data.closed = true;
      open--;
      edge.openPerAddress.release(ip);
      if (data.sendRefused) stats.countServerClose('backpressure');
      stats.countConnectionClosed(Date.now() - data.openedAtMs);
      if (logger.isDebugEnabled()) logger.debug('connection closed', { connectionId: data.id, door: 'socketio', reason });
      deps.toSupervisor({ type: 'ws.closed', id: data.id });
    });
    deps.toSupervisor({ type: 'ws.opened', id: data.id, socket: peer });
  });

  return {
    get open() {
      return open;
    },
    close: () => io.close(),
  };
}

/**
 * The argument of a "jsongle" event: a JSON object, as JSONgle-Server 2.x's clients emit it (a
 * JSON string is accepted too). Checked as the raw door checks a frame: object, nesting, `jsongle`.
 */
export function envelopeOf(payload: unknown): ReturnType<typeof checkEnvelope> {
  let value = payload;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return ErrorCode.NotJsonObject;
    }
  }
  if (nestedDeeperThan(value, MAX_NESTING)) return ErrorCode.NotJsonObject;
  return checkEnvelope(value);
}

/** `auth.appToken` (socket.io-client's `auth` option, as 2.x apps send it), else the query's. */
export function tokenOf(auth: unknown, query: unknown): string | null {
  const fromAuth = (auth as { appToken?: unknown } | undefined)?.appToken;
  if (typeof fromAuth === 'string') return fromAuth;
  const fromQuery = (query as { appToken?: unknown } | undefined)?.appToken;
  return typeof fromQuery === 'string' ? fromQuery : null;
}

function str(header: string | string[] | undefined): string {
  return Array.isArray(header) ? (header[0] ?? '') : (header ?? '');
}

/** The identity token of a Socket.IO connection: `auth.token`, else the `token` query parameter. */
function identityTokenOf(auth: unknown, query: unknown): string | null {
  const fromAuth = (auth as { token?: unknown } | undefined)?.token;
  if (typeof fromAuth === 'string' && fromAuth !== '') return fromAuth;
  const fromQuery = (query as { token?: unknown } | undefined)?.token;
  return typeof fromQuery === 'string' && fromQuery !== '' ? fromQuery : null;
}
