/** Room ids for tests, and the shapes of ids and dates the server must produce. */

/** Fresh, readable room ids: tests sharing a server never collide. */
let n = 0;
export function rid(label = 'room'): string {
  n += 1;
  return `${label}-${process.pid}-${n}-${Math.random().toString(36).slice(2, 8)}`;
}

/** ISO-8601 as `new Date().toJSON()` makes it. */
export function isIsoDate(s: unknown): boolean {
  return typeof s === 'string' && !Number.isNaN(Date.parse(s)) && new Date(s).toJSON() === s;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
