/** What every /admin/ route shares: its query string, its page parameters, the partial-answer note. */
import { parsePageQuery, type PageQuery } from '../../admin/pagination.js';
import type { AdminApi } from '../../admin/admin-api.js';
import { jsonError, type Method, type Reply, type Route, type RouteEnv, type RouteRequest } from '../route.js';

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

/** An /admin/ route: behind the admin token, absent (404) without one, and handed the admin API. */
export function adminRoute(
  method: Method,
  path: string,
  handle: (admin: AdminApi, req: RouteRequest, env: RouteEnv) => Promise<Reply>,
): Route {
  return {
    method, path, admin: true, hiddenWithoutToken: true,
    async handler(req, env) {
      const admin = adminOf(req, env);
      return isReply(admin) ? admin : handle(admin, req, env);
    },
  };
}

/** An /admin/ list route: the admin API and a valid page query (400 for a bad limit or cursor). */
export function adminPageRoute(
  path: string,
  handle: (admin: AdminApi, q: { params: URLSearchParams; page: PageQuery }) => Promise<Reply>,
): Route {
  return adminRoute('GET', path, async (admin, req) => {
    const q = pageQuery(req);
    return isReply(q) ? q : handle(admin, q);
  });
}
