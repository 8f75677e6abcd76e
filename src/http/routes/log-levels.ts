/** PUT /logs/levels: change the log level of every transport at run time (adminToken-protected). */
import type { LogLevel } from '../../config/types.js';
import { LOG_LEVELS } from '../../observability/logger.js';
import { json, jsonError, type Route } from '../route.js';

function isLogLevel(v: unknown): v is LogLevel {
  return typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v);
}

export const logLevelsRoute: Route = {
  method: 'PUT',
  path: '/logs/levels',
  body: 'json',
  admin: true,
  handler(req, { ctx }) {
    const body = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return jsonError(400, 'body must be a JSON object {"level": …}', { levels: LOG_LEVELS });
    }
    const level = (body as Record<string, unknown>).level;
    if (!isLogLevel(level)) return jsonError(400, 'unknown log level', { levels: LOG_LEVELS });
    const was = ctx.logger.setLevel(level);
    // At info: an operator who lowers the level to warn/error asked for a quiet log.
    ctx.logger.info('log level changed', { level, was });
    return json(200, { level, was });
  },
};
