/**
 * Reading a JSON request body from uWS with a size cap. uWS hands the body in chunks whose
 * ArrayBuffers are neutered when the callback returns, so each chunk is copied; the total is
 * capped so a client cannot make the server buffer without bound.
 */
import type { Exchange } from './reply.js';

export type BodyResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: 400 | 413; readonly error: string };

/** Default cap: the largest legitimate body (PUT /logs/levels) is a few dozen bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Calls `done` once with the parsed body, or with 413 as soon as the cap is passed (remaining
 * chunks are ignored), or with 400 for an empty body or bad JSON. Never calls `done` after an abort.
 * `contentLength` is the request's header ('' when absent): a declared size above the cap is
 * refused before reading anything.
 */
export function readJsonBody(ex: Exchange, contentLength: string, limit: number, done: (r: BodyResult) => void): void {
  const declared = contentLength === '' ? NaN : Number(contentLength);
  if (declared > limit) {
    done({ ok: false, status: 413, error: `body larger than ${limit} bytes` });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  ex.res.onData((chunk, isLast) => {
    if (finished || ex.aborted) return;
    size += chunk.byteLength;
    if (size > limit) {
      finished = true;
      done({ ok: false, status: 413, error: `body larger than ${limit} bytes` });
      return;
    }
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!isLast) return;
    finished = true;
    done(parseJson(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseJson(text: string): BodyResult {
  if (text.trim() === '') return { ok: false, status: 400, error: 'empty body: a JSON object is required' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, status: 400, error: 'body is not valid JSON' };
  }
}
