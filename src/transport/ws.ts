/**
 * The uWS WebSocket behaviour, in Phoenix's order: upgrade (admission, before any actor exists)
 * → open (the supervisor spawns the connection actor) → message (one parse, one actor event)
 * → close (flag the socket closed, tell the supervisor).
 */
import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t } from 'uWebSockets.js';
import type { SupervisorEvent } from '../../machines/supervisor.js';
import type { ServerCore } from '../actors/core.js';
import { classify } from '../protocol/classify.js';
import { CloseCode, ErrorCode } from '../protocol/codes.js';
import { parseFrame } from '../protocol/parse.js';
import { admit, parseAllowedOrigins } from './admission.js';
import { endSocket, sendText } from './outbox.js';
import { isAbusive, takeToken } from './rate-limit.js';
import type { Socket, SocketData } from './socket-data.js';
import { uWS } from './uws.js';

export interface WebSocketDeps {
  core: ServerCore;
  toSupervisor(event: SupervisorEvent): void;
  isAccepting(): boolean;
  connectionCount(): number;
  /** maxConcurrentUsers, capped by what the fd limit allows. */
  maxConnections: number;
}

const STATUS_TEXT = { 401: '401 Unauthorized', 403: '403 Forbidden', 503: '503 Service Unavailable' } as const;

export function attachWebSocket(app: TemplatedApp, deps: WebSocketDeps): void {
  const { core, toSupervisor } = deps;
  const { config, stats, builder, logger } = core;
  const allowedOrigins = parseAllowedOrigins(config.corsPolicyOrigin);
  const { messagesPerSecond, burst } = config.rateLimit;

  app.ws<SocketData>('/*', {
    compression: uWS.DISABLED,
    maxPayloadLength: config.maxPayloadLength,
    idleTimeout: config.idleTimeoutSec,
    sendPingsAutomatically: true,
    maxBackpressure: config.maxBackpressureBytes,
    // A reader that cannot keep up is closed rather than buffered for without bound (its rooms see `left`).
    closeOnBackpressureLimit: true as unknown as number, // typed number in 20.30.0, read as a boolean

    upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t) {
      // HttpRequest lives on the stack: copy what we need before anything else.
      const query = req.getQuery() ?? '';
      const origin = req.getHeader('origin');
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const ip = Buffer.from(res.getRemoteAddressAsText()).toString();
      const verdict = admit(
        { token: new URLSearchParams(query).get('appToken'), origin },
        {
          accepting: deps.isAccepting(),
          appToken: config.appToken,
          allowedOrigins,
          connections: deps.connectionCount(),
          maxConnections: deps.maxConnections,
        },
      );
      if (!verdict.ok) {
        stats.countRejectedUpgrade(verdict.reason);
        logger.info('upgrade refused', { ip, reason: verdict.reason, status: verdict.status });
        res.writeStatus(STATUS_TEXT[verdict.status])
          .writeHeader('Content-Type', 'application/json')
          .end(JSON.stringify({ error: verdict.message, status: verdict.status }));
        return;
      }
      const now = Date.now();
      const data: SocketData = {
        id: randomUUID(), ip, closed: false, actor: null,
        tokens: burst, lastRefillMs: now, droppedInWindow: 0, windowStartMs: now,
      };
      res.upgrade(data, key, protocol, extensions, context);
    },

    open(ws: Socket) {
      toSupervisor({ type: 'ws.opened', id: ws.getUserData().id, socket: ws });
    },

    message(ws: Socket, frame: ArrayBuffer, isBinary: boolean) {
      const d = ws.getUserData();
      stats.framesReceived++;
      stats.bytesReceived += frame.byteLength;
      const actor = d.actor;
      if (actor === null) return;
      const now = Date.now();
      if (!takeToken(d, now, messagesPerSecond, burst)) {
        stats.rateLimited++;
        stats.countError(ErrorCode.RateLimited);
        sendText(ws, builder.sessionError(d.id, ErrorCode.RateLimited), stats);
        if (isAbusive(d, now, burst)) {
          stats.countServerClose('rateLimit');
          logger.info('closing an abusive connection', { connectionId: d.id, ip: d.ip });
          endSocket(ws, CloseCode.RateLimited, 'rate limit exceeded');
        }
        return;
      }
      const msg = parseFrame(frame, isBinary);
      actor.send(typeof msg === 'number' ? { type: 'client.malformed', code: msg } : classify(msg));
    },

    close(ws: Socket, code: number) {
      const d = ws.getUserData();
      d.closed = true;
      if (logger.isDebugEnabled()) logger.debug('connection closed', { connectionId: d.id, code });
      toSupervisor({ type: 'ws.closed', id: d.id });
    },
  });
}
