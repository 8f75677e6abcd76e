/** A resume token: 144 random bits, URL-safe (base64url, 24 characters), never derived from anything;
 * with the Redis engine followed by `.<nodeId>` (node ids are URL-safe: letters, digits, . _ -). */
import { randomBytes } from 'node:crypto';

export function newResumeToken(nodeId = ''): string {
  const random = randomBytes(18).toString('base64url');
  // Redis engine: `<random>.<nodeId>` names the node holding the session (base64url has no '.').
  return nodeId === '' ? random : `${random}.${nodeId}`;
}

/** The node a token names ('' for a token without one: issued by a single-process server). */
export function nodeOfToken(token: string): string {
  const dot = token.indexOf('.');
  return dot < 0 ? '' : token.slice(dot + 1);
}
