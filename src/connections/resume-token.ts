/** A resume token: 144 random bits, URL-safe (base64url, 24 characters), never derived from anything. */
import { randomBytes } from 'node:crypto';

export function newResumeToken(): string {
  return randomBytes(18).toString('base64url');
}
