/**
 * The webhook signature: `X-JSONgle-Signature: sha256=<hex HMAC-SHA256 of the raw body>` keyed with
 * webhooks.secret (GitHub's scheme). A receiver recomputes it over the bytes it received, before
 * parsing, and compares in constant time (docs/operations.md shows how).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-JSONgle-Signature';

export function sign(body: string, secret: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** The receiver's check, also used by the tests: constant time, any malformed header is false. */
export function verify(body: string | Buffer, header: string | undefined, secret: string): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice(7), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
