/**
 * The monitoring port's router: a table of Route objects (one per file in routes/) behind a single
 * uWS catch-all. Doing the matching ourselves is what lets us answer 405 with `Allow` for a known
 * path, OPTIONS preflights and a JSON 404, none of which uWS's own router can tell apart.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { createMetrics } from '../observability/metrics.js';
import { bearerMatches } from './auth.js';
import { MAX_BODY_BYTES, readJsonBody } from './body.js';
import type { MonitoringContext } from './context.js';
import { corsHeaders, isStateChanging, preflightHeaders, type CorsMode } from './cors.js';
import { hostAllowed, hostPolicy } from './host-check.js';
import { openExchange, sendReply, type Exchange } from './reply.js';
import { RequestBucket } from './admin-rate-limit.js';
import { ADMIN_ROUTES } from './routes/admin-routes.js';
import { jsonError, type Reply, type Route, type RouteEnv, type RouteRequest } from './route.js';
import { aboutRoute } from './routes/about.js';
import { healthRoute, pingRoute } from './routes/health.js';
import { logLevelsRoute } from './routes/log-levels.js';
import { metricsRoute } from './routes/metrics.js';
import { selfTestRoute } from './routes/self-test.js';
import { statsRoute } from './routes/stats.js';

export const MONITORING_ROUTES: readonly Route[] = [
  aboutRoute, pingRoute, healthRoute, metricsRoute, statsRoute, selfTestRoute, logLevelsRoute, ...ADMIN_ROUTES,
];

export function registerMonitoringRoutes(app: TemplatedApp, ctx: MonitoringContext): void {
  // A registry per call: server.ts calls this once per server, and servers never share metrics.
  const env: RouteEnv = { ctx, metrics: createMetrics(ctx) };
  app.any('/*', createDispatcher(MONITORING_ROUTES, env));
}

/** The uWS handler for a route table. Exported so tests can mount a table of their own. */
export function createDispatcher(routes: readonly Route[], env: RouteEnv): (res: HttpResponse, req: HttpRequest) => void {
  const byPath = new Map<string, Route[]>();
  for (const r of routes) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
  // Paths with `:name` segments, tried after the exact ones.
  const patterns = [...byPath.entries()].filter(([p]) => p.includes('/:')).map(([p, rs]) => ({ segments: p.split('/'), routes: rs }));
  const admin = env.ctx.config.admin;
  const adminBucket = new RequestBucket(admin?.requestsPerSecond ?? 20, admin?.burst ?? 40);
  const log = env.ctx.logger.child('http');
  const { config, stats } = env.ctx;
  // restAllowedHosts may be absent from a config built by hand (embedding).
  const hosts = hostPolicy(config.restHost, config.restAllowedHosts ?? '');

  return (res, req) => {
    // HttpRequest is only valid until this function returns: copy what we need first.
    const request = copyRequest(req);
    const ex = openExchange(res, request.method === 'HEAD');
    const origin = request.headers.origin ?? '';
    let atPath = byPath.get(request.path);
    const found = atPath === undefined ? matchPattern(patterns, request.path) : undefined;
    if (found !== undefined && found !== 'badEncoding') {
      atPath = found.routes;
      request.params = found.params;
    }
    const mode = corsMode(request, atPath);
    const common = corsHeaders(config.corsPolicyOrigin, origin, mode);
    const send = (reply: Reply, closeConnection = false): void => void sendReply(ex, reply, common, closeConnection);
    const refuse = (status: number, reason: string, error: string): void => {
      stats.countMonitoringRefusal(reason);
      send(jsonError(status, error));
    };

    // DNS rebinding: a page under an attacker's name reaching this port still sends that name.
    if (!hostAllowed(request.headers.host, hosts)) {
      return refuse(421, 'host', 'unknown Host: add it to restAllowedHosts to serve it');
    }
    if (found === 'badEncoding') return send(jsonError(400, 'bad percent-encoding in the path', { path: request.path }));
    // The admin API does not exist without a token: 404 as for any unknown path (spec §7).
    if (!atPath || (atPath.every((r) => r.hiddenWithoutToken) && !config.adminToken)) return send(jsonError(404, 'not found', { path: request.path }));
    const methods = atPath.map((r) => r.method);
    if (request.method === 'OPTIONS') return send({ status: 204, body: '', headers: preflightHeaders(methods) });
    // HEAD runs the GET route; sendReply then leaves the body out.
    const wanted = request.method === 'HEAD' ? 'GET' : request.method;
    const route = atPath.find((r) => r.method === wanted);
    if (!route) {
      const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'];
      return send(jsonError(405, 'method not allowed', { allowed: allow }, { Allow: allow.join(', ') }));
    }
    // Not only CORS (which merely hides the answer from the page): a state-changing request a
    // browser sent from an origin that is not listed is not carried out at all.
    if (mode === 'write' && origin !== '' && common['Access-Control-Allow-Origin'] !== origin) {
      return refuse(403, 'origin', 'origin not allowed to change state: list it in corsPolicyOrigin');
    }
    const token = config.adminToken;
    if (route.admin && !token) {
      return refuse(403, 'adminDisabled', `${route.method} ${route.path} is disabled: set adminToken to enable it`);
    }
    if (route.admin && !adminBucket.take()) {
      stats.countMonitoringRefusal('adminRateLimited');
      return send(jsonError(429, 'too many admin requests: retry later', undefined, { 'Retry-After': String(adminBucket.retryAfterSec()) }));
    }
    if (route.admin && !bearerMatches(request.headers.authorization ?? '', token)) {
      stats.countMonitoringRefusal('unauthorized');
      return send(jsonError(401, 'missing or wrong bearer token', undefined, { 'WWW-Authenticate': 'Bearer' }));
    }
    if (route.body !== 'json') return run(route, request, env, ex, send, log);
    readJsonBody(ex, request.headers['content-length'] ?? '', MAX_BODY_BYTES, (body) => {
      if (body.ok) return run(route, { ...request, body: body.value }, env, ex, send, log);
      if (body.status !== 413) return send(jsonError(body.status, body.error));
      // A 413 is answered before the body is read through, so the connection must close: its
      // rest must never be parsed as a request. Answered later, not inside uWS's data callback:
      // there, uWS keeps parsing the same read and answers a request pipelined behind it (its
      // close flag is reset by the next request). Deferred, uWS itself drops a connection that
      // sends another request while this one is unanswered, and the 413 goes out then closes.
      setImmediate(() => send(jsonError(413, body.error), true));
    });
  };
}

function run(route: Route, request: RouteRequest, env: RouteEnv, ex: Exchange, send: (r: Reply) => void, log: MonitoringContext['logger']): void {
  const fail = (err: unknown): void => {
    log.error('monitoring route failed', { path: route.path, error: err instanceof Error ? err.message : String(err) });
    send(jsonError(500, 'internal error'));
  };
  let result: Reply | Promise<Reply>;
  try {
    result = route.handler(request, env);
  } catch (err) {
    return fail(err);
  }
  if (result instanceof Promise) {
    // The answer comes after an await: onAborted is already registered and sendReply corks.
    result.then((reply) => { if (!ex.aborted) send(reply); }, fail);
  } else {
    send(result);
  }
}

/** Strict CORS for a state-changing request, and for the preflight of one (or of a path whose
 * routes change state, when the preflight does not say which method it asks for). */
function corsMode(request: RouteRequest, atPath: readonly Route[] | undefined): CorsMode {
  if (request.method !== 'OPTIONS') return isStateChanging(request.method) ? 'write' : 'read';
  const asked = request.headers['access-control-request-method'];
  if (asked) return isStateChanging(asked) ? 'write' : 'read';
  return atPath?.some((r) => isStateChanging(r.method)) ? 'write' : 'read';
}

interface PathPattern {
  readonly segments: string[];
  readonly routes: Route[];
}

/** The routes of the first pattern the path matches, with its decoded parameters. */
function matchPattern(patterns: readonly PathPattern[], path: string): { routes: Route[]; params: Record<string, string> } | 'badEncoding' | undefined {
  const parts = path.split('/');
  for (const { segments, routes } of patterns) {
    if (segments.length !== parts.length) continue;
    const params: Record<string, string> = Object.create(null);
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      if (segments[i].startsWith(':')) {
        if (parts[i] === '') ok = false;
        else {
          try {
            params[segments[i].slice(1)] = decodeURIComponent(parts[i]);
          } catch {
            return 'badEncoding';
          }
        }
      } else ok = segments[i] === parts[i];
    }
    if (ok) return { routes, params };
  }
  return undefined;
}

function copyRequest(req: HttpRequest): Omit<RouteRequest, 'params'> & { params?: Record<string, string> } {
  const headers: Record<string, string> = Object.create(null);
  req.forEach((k, v) => { if (!(k in headers)) headers[k] = v; });
  const url = req.getUrl();
  // "/about/" and "/about" are the same resource; "/" stays "/".
  const path = url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url;
  return { method: req.getMethod().toUpperCase(), path, query: req.getQuery() ?? '', headers, body: undefined };
}
