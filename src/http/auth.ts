/** The adminToken check of PUT /logs/levels: constant-time, so timing does not leak the token. */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when `authorization` is `Bearer <token>`. Both sides are hashed first: timingSafeEqual
 * needs equal lengths, and comparing digests keeps the token's length from leaking too.
 */
export function bearerMatches(authorization: string, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  const given = m ? m[1].trim() : '';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  // Also require a non-empty match: an empty token never authorizes anything.
  return timingSafeEqual(a, b) && given.length > 0;
}
