/**
 * What a monitoring route is: one object per file in routes/, registered by router.ts. Handlers see
 * a plain copy of the request (uWS's HttpRequest dies when the uWS callback returns) and return a
 * Reply; the router writes it, so no handler ever touches an HttpResponse.
 */
import type { Metrics } from '../observability/metrics.js';
import type { MonitoringContext } from './context.js';

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';

export interface RouteRequest {
  readonly method: string;
  readonly path: string;
  /** Raw query string, without the '?'. */
  readonly query: string;
  /** Lower-case header names; only the first value of a repeated header is kept. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body when the route declares `body: 'json'`, else undefined. */
  readonly body: unknown;
  /** Path parameters of a route whose path has `:name` segments, URL-decoded. */
  readonly params?: Readonly<Record<string, string>>;
}

export interface Reply {
  readonly status: number;
  /** A string is sent as is (with contentType); anything else is sent as JSON. */
  readonly body: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Everything a handler may use: the server's context and this server's metrics registry. */
export interface RouteEnv {
  readonly ctx: MonitoringContext;
  readonly metrics: Metrics;
}

export interface Route {
  readonly method: Method;
  /** Exact path, or with `:name` segments (e.g. /admin/rooms/:rid) matching one non-empty segment each. */
  readonly path: string;
  /** Read and parse a JSON body before calling the handler (400 bad JSON, 413 too large). */
  readonly body?: 'json';
  /** Require `Authorization: Bearer <adminToken>` when config.adminToken is set (401 otherwise). */
  readonly admin?: boolean;
  /** With `admin`: the route does not exist (404) while adminToken is empty, instead of answering 403. */
  readonly hiddenWithoutToken?: boolean;
  handler(req: RouteRequest, env: RouteEnv): Reply | Promise<Reply>;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, headers };
}

/** The error body every non-2xx JSON answer uses. */
export function jsonError(status: number, error: string, extra?: Record<string, unknown>, headers?: Record<string, string>): Reply {
  return { status, body: { error, ...extra }, headers };
}
