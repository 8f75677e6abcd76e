/**
 * The uWS WebSocket behaviour, in Phoenix's order: upgrade (admission, before any actor exists)
 * → open (the supervisor spawns the connection actor) → message (one parse, one actor event)
 * → close (flag the socket closed, tell the supervisor).
 */
import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t } from 'uWebSockets.js';
import type { TokenIdentity } from '../../machines/connection.js';
import type { SupervisorEvent } from '../../machines/supervisor.js';
import type { TokenVerifier } from '../auth/jwt.js';
import type { Config } from '../config/types.js';
import type { Connections } from '../connections/connections.js';
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';
import type { MessageBuilder } from '../protocol/build.js';
import type { Rooms } from '../rooms/rooms.js';
import type { CallLookup } from '../protocol/classify.js';
import { classify } from '../protocol/classify.js';
import { CloseCode, ErrorCode } from '../protocol/codes.js';
import { parseFrame } from '../protocol/parse.js';
import { admit, bearerToken, DRAINING, parseAllowedOrigins, tokenRefusal, type Refusal } from './admission.js';
import { serverCloseReason } from './close-reason.js';
import { isAbusive, takeToken } from './rate-limit.js';
import type { ResumeClaim, Socket, SocketData } from './socket-data.js';
import { uWS } from './uws.js';
import { EdgeGuards } from './edge-guards.js';
import { limitControlFrame } from './control-frames.js';
import type { HandoverResult, ResumeHandover } from '../cluster/resume-handover.js';

export interface WebSocketDeps {
  config: Config;
  stats: Stats;
  logger: Logger;
  builder: MessageBuilder;
  rooms: Rooms;
  /** The socket owner: every frame the edge writes (rate-limit answers, closes) goes through it. */
  connections: Connections;
  /** The call owner's lookups (the call a call action names). */
  calls: CallLookup;
  toSupervisor(event: SupervisorEvent): void;
  isAccepting(): boolean;
  connectionCount(): number;
  /** maxConcurrentUsers, capped by what the fd limit allows. */
  maxConnections: number;
  /** Checks the identity token of each upgrade (auth.jwt*); absent or null: no token needed. */
  tokenVerifier?: TokenVerifier | null;
  /** Per-address guards shared with the Socket.IO door (one budget per address for both). */
  edge?: EdgeGuards;
  /** Redis engine with resume on: a token naming another node is handed over from there first. */
  handover?: ResumeHandover | null;
}

const STATUS_TEXT = { 401: '401 Unauthorized', 403: '403 Forbidden', 429: '429 Too Many Requests', 503: '503 Service Unavailable' } as const;

export function attachWebSocket(app: TemplatedApp, deps: WebSocketDeps): void {
  const { config, stats, logger, rooms, connections, calls, toSupervisor } = deps;
  const roomOf = (rid: string) => rooms.get(rid);
  const allowedOrigins = parseAllowedOrigins(config.corsPolicyOrigin);
  const { messagesPerSecond, burst } = config.rateLimit;
  // Per-address guards of the upgrade (edge hardening, src/transport/edge-guards.ts).
  const edge = deps.edge ?? new EdgeGuards(config, logger);
  // Identity tokens (auth.jwt*): null keeps the upgrade synchronous, as without JWT.
  const verifier = deps.tokenVerifier ?? null;

  /** Answers the upgrade with HTTP (counted, logged at debug, summarised at info once a minute). */
  const refuse = (res: HttpResponse, verdict: Refusal, ip: string, now: number): void => {
    stats.countRejectedUpgrade(verdict.reason);
    edge.refused(verdict, ip, now);
    res.writeStatus(STATUS_TEXT[verdict.status]).writeHeader('Content-Type', 'application/json');
    if (verdict.status === 429) res.writeHeader('Retry-After', String(edge.retryAfterSec(verdict.reason)));
    if (verdict.reason === 'token') res.writeHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
    res.end(JSON.stringify({ error: verdict.message, status: verdict.status }));
  };

  const handover = deps.handover ?? null;
  const accept = (
    res: HttpResponse, ip: string, now: number, identity: TokenIdentity | null, params: URLSearchParams,
    key: string, protocol: string, extensions: string, context: us_socket_context_t, handedOver?: HandoverResult,
  ): void => {
    // Resume: `resume=<token>&lastSeen=<n>` names a session to take over (its id), or says why not.
    // With identity tokens, only the same user (sub) may take a session over.
    const resumeToken = connections.sessions === null ? null : params.get('resume');
    // Resume across nodes: a token naming another node — that node hands the session over first,
    // while uWS holds this upgrade (onAborted now, the answer later inside cork); then it is claimed here.
    const owner = resumeToken === null || handover === null || handedOver !== undefined ? null : handover.ownerElsewhere(resumeToken);
    if (owner !== null && handover !== null && resumeToken !== null) {
      let aborted = false;
      res.onAborted(() => { aborted = true; });
      void handover.request(owner, resumeToken, params.get('lastSeen'), identity?.sub).then((result) => {
        if (aborted) return;
        res.cork(() => {
          const later = Date.now();
          if (!deps.isAccepting()) refuse(res, DRAINING, ip, later);
          else accept(res, ip, later, identity, params, key, protocol, extensions, context, result);
        });
      });
      return;
    }
    const claimed = resumeToken === null ? null
      : handedOver !== undefined && !handedOver.ok ? { claim: { failed: handedOver.failed } as ResumeClaim }
      : connections.sessions?.claim(resumeToken, params.get('lastSeen'), identity?.sub) ?? null;
    const data: SocketData = {
      id: claimed !== null && 'id' in claimed ? (claimed.id as string) : randomUUID(), ip, closed: false, actor: null,
      tokens: burst, lastRefillMs: now, droppedInWindow: 0, windowStartMs: now, sendRefused: false, openedAtMs: now, identity,
      session: null, resume: claimed?.claim ?? null, endedByServer: false, replaced: false,
    };
    edge.openPerAddress.reserve(ip); // released in close: uWS runs open inside res.upgrade()
    res.upgrade(data, key, protocol, extensions, context);
  };

  app.ws<SocketData>('/*', {
    compression: uWS.DISABLED,
    maxPayloadLength: config.maxPayloadLength,
    idleTimeout: config.idleTimeoutSec,
    // The one bound uWS offers on what reaches no JS handler (empty fragments reset the idle timer).
    maxLifetime: config.maxLifetimeMin ?? 0,
    sendPingsAutomatically: true,
    maxBackpressure: config.maxBackpressureBytes,
    // A reader that cannot keep up is closed rather than buffered for without bound (its rooms see
    // `left`): it would otherwise miss relays silently (publish skips a receiver over the limit).
    // Typed number in 20.30.0's d.ts; test/hardening/backpressure.test.ts shows `true` closes it.
    closeOnBackpressureLimit: true as unknown as number,

    upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t) {
      // HttpRequest lives on the stack: copy what we need before anything else.
      const query = req.getQuery() ?? '';
      const origin = req.getHeader('origin');
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const authorization = verifier === null ? '' : req.getHeader('authorization');
      const ip = edge.address(res, req);
      const now = Date.now();
      const params = new URLSearchParams(query);
      const verdict = admit(
        { token: params.get('appToken'), origin, ...edge.check(ip, now) },
        {
          accepting: deps.isAccepting(),
          appToken: config.appToken,
          allowedOrigins,
          connections: deps.connectionCount(),
          maxConnections: deps.maxConnections,
        },
      );
      if (!verdict.ok) return refuse(res, verdict, ip, now);
      if (verifier === null) return accept(res, ip, now, null, params, key, protocol, extensions, context);

      // Identity token (auth.jwt*): jose verifies asynchronously, so uWS needs onAborted now and the
      // late answer inside cork; a client gone meanwhile gets nothing.
      let aborted = false;
      res.onAborted(() => { aborted = true; });
      void verifier.verify(bearerToken(params.get('token'), authorization)).then((checked) => {
        if (aborted) return;
        res.cork(() => {
          const later = Date.now();
          if (!checked.ok) refuse(res, tokenRefusal(checked.reason), ip, later);
          else if (!deps.isAccepting()) refuse(res, DRAINING, ip, later); // the drain began during the check
          else accept(res, ip, later, checked.identity, params, key, protocol, extensions, context);
        });
      });
    },

    open(ws: Socket) {
      if (connections.resume(ws)) return; // resume: the session's actor takes this socket over
      toSupervisor({ type: 'ws.opened', id: ws.getUserData().id, socket: ws });
    },

    message(ws: Socket, frame: ArrayBuffer, isBinary: boolean) {
      const d = ws.getUserData();
      stats.framesReceived++;
      stats.bytesReceived += frame.byteLength;
      if (d.session !== null) d.session.received++; // resume: client frames counted across sockets
      const actor = d.actor;
      if (actor === null) return;
      const now = Date.now();
      if (!takeToken(d, now, messagesPerSecond, burst)) {
        stats.rateLimited++;
        connections.sendError(d.id, undefined, ErrorCode.RateLimited);
        if (isAbusive(d, now, burst) && !d.closed) {
          logger.info('closing an abusive connection', { connectionId: d.id, ip: d.ip });
          connections.end(d.id, CloseCode.RateLimited, 'rate limit exceeded', 'rateLimit');
        }
        return;
      }
      const msg = parseFrame(frame, isBinary);
      actor.send(typeof msg === 'number' ? { type: 'client.malformed', code: msg } : classify(msg, roomOf, calls));
    },

    // Pings and pongs cost a rate-limit token like messages (a ping flood bypassed the limit).
    ping: (ws: Socket) => limitControlFrame(ws, messagesPerSecond, burst, connections, stats, logger),
    // A pong answering a resume delivery ping confirms frames (and was asked for: no token).
    pong: (ws: Socket, message: ArrayBuffer) => {
      if (connections.sessions?.confirm(ws, message) !== true) limitControlFrame(ws, messagesPerSecond, burst, connections, stats, logger);
    },

    close(ws: Socket, code: number, message: ArrayBuffer) {
      const d = ws.getUserData();
      d.closed = true;
      edge.openPerAddress.release(d.ip);
      // uWS's own closes (frame too large, invalid UTF-8, idle, backpressure) are counted here:
      // nothing else in the server sees them happen.
      const reason = serverCloseReason(code, message, d.sendRefused);
      if (reason !== null) stats.countServerClose(reason);
      stats.countConnectionClosed(Date.now() - d.openedAtMs);
      if (logger.isDebugEnabled()) logger.debug('connection closed', { connectionId: d.id, code, reason });
      if (connections.outlivesSocket(ws, code, reason)) return; // resume: suspended, or resumed elsewhere
      toSupervisor({ type: 'ws.closed', id: d.id });
    },
  });
}
