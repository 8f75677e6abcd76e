/**
 * Pings and pongs cost a token of the per-connection rate limit like messages do: uWS answers
 * each ping by itself (a pong the server has to write), and without this a client could send
 * millions of pings a second, bypassing the limit that holds for messages (10.8 M in 5 s were
 * measured). A control frame over the limit is not answered with a session-error (that would
 * double the traffic); a connection that keeps going is closed 4429 as for messages.
 * uWS's own keep-alive pings are answered by at most one pong per idleTimeout: never limited.
 */
import { CloseCode } from '../protocol/codes.js';
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';
import type { Connections } from '../connections/connections.js';
import { isAbusive, takeToken } from './rate-limit.js';
import type { Socket } from './socket-data.js';

export function limitControlFrame(ws: Socket, perSecond: number, burst: number, connections: Connections, stats: Stats, logger: Logger): void {
  const d = ws.getUserData();
  const now = Date.now();
  if (takeToken(d, now, perSecond, burst)) return;
  stats.controlFramesLimited++;
  if (!isAbusive(d, now, burst) || d.closed) return;
  logger.info('closing an abusive connection (control frames)', { connectionId: d.id, ip: d.ip });
  connections.end(d.id, CloseCode.RateLimited, 'rate limit exceeded', 'rateLimit');
}
