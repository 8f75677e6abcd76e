/** What every /admin/ route shares: its query string, its page parameters, the partial-answer note. */
import { parsePageQuery, type PageQuery } from '../../admin/pagination.js';
import type { AdminApi } from '../../admin/admin-api.js';
import { jsonError, type Reply, type RouteEnv, type RouteRequest } from '../route.js';

/** The admin API, or the 404 a server without one answers (an embedding without admin wiring). */
export function adminOf(req: RouteRequest, env: RouteEnv): AdminApi | Reply {
  return env.ctx.admin ?? jsonError(404, 'not found', { path: req.path });
}

export function isReply(v: unknown): v is Reply {
  return typeof v === 'object' && v !== null && 'status' in v && 'body' in v;
}

export function pageQuery(req: RouteRequest): { params: URLSearchParams; page: PageQuery } | Reply {
  const params = new URLSearchParams(req.query);
  const page = parsePageQuery(params);
  return page.ok ? { params, page: page.value } : jsonError(400, page.error);
}

/** `missing` only when some node did not answer: the answer is partial. */
export function withMissing<T extends object>(body: T, missing: readonly string[]): T & { missing?: string[] } {
  return missing.length > 0 ? { ...body, missing: [...missing] } : body;
}
