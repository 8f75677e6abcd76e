/**
 * Writing an answer to a uWS HttpResponse, safely: never after the client went away (uWS would
 * throw on a dead response), never twice, and always inside cork() so an answer written after an
 * await goes out as one packet.
 */
import type { HttpResponse } from 'uWebSockets.js';
import type { Reply } from './route.js';

/** One request's response plus what uWS does not track for us. */
export interface Exchange {
  readonly res: HttpResponse;
  /** Set by onAborted: the socket is gone, the response must not be touched. */
  aborted: boolean;
  /** Set once an answer has been written. */
  answered: boolean;
  /** A HEAD request: same status and headers as GET, and no body (HTTP forbids one). */
  readonly head: boolean;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 202: 'Accepted', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 421: 'Misdirected Request', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

export function statusLine(status: number): string {
  return `${status} ${STATUS_TEXT[status] ?? ''}`.trimEnd();
}

/** Registers the abort handler every response needs before any asynchronous step. */
export function openExchange(res: HttpResponse, head = false): Exchange {
  const ex: Exchange = { res, aborted: false, answered: false, head };
  res.onAborted(() => { ex.aborted = true; });
  return ex;
}

/**
 * Writes `reply` with `common` headers (CORS). `closeConnection` is for answers sent before the
 * request body was read (413): the rest of that body must not be parsed as a next request.
 * Returns false when nothing was written (aborted or already answered).
 */
export function sendReply(ex: Exchange, reply: Reply, common: Record<string, string>, closeConnection = false): boolean {
  if (ex.aborted || ex.answered) return false;
  ex.answered = true;
  const isText = typeof reply.body === 'string';
  const body = reply.status === 204 ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body);
  const contentType = reply.contentType ?? (isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8');
  ex.res.cork(() => {
    ex.res.writeStatus(statusLine(reply.status));
    if (reply.status !== 204) ex.res.writeHeader('Content-Type', contentType);
    // Monitoring answers describe "now": a proxy must never serve a stale one.
    ex.res.writeHeader('Cache-Control', 'no-store');
    for (const [k, v] of Object.entries(common)) ex.res.writeHeader(k, v);
    if (reply.headers) for (const [k, v] of Object.entries(reply.headers)) ex.res.writeHeader(k, v);
    if (ex.head) ex.res.endWithoutBody(Buffer.byteLength(body), closeConnection);
    else ex.res.end(body, closeConnection);
  });
  return true;
}
