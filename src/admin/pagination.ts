/**
 * Cursor pagination for the admin lists: items in a stable order (their key: connection id, rid,
 * sid — string order, the same on every node), a page of at most `limit` after the key an opaque
 * cursor names. A connection that arrives during a walk appears iff its key sorts after the
 * cursor; none is ever listed twice. In the Redis engine every node answers a page of its own and
 * the merge of those pages is exact: a key among the first `limit` of the cluster is among the
 * first `limit` of the node that holds it.
 */

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** A page as one node answers it: sorted by key, and whether the node had more. */
export interface NodePage<T> {
  readonly items: T[];
  readonly more: boolean;
}

export interface PageQuery {
  /** Only keys strictly after this one ('' = from the start). */
  readonly after: string;
  readonly limit: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** `limit` and `cursor` of a query string, checked: a bad one is the caller's 400. */
export function parsePageQuery(params: URLSearchParams): Parsed<PageQuery> {
  const rawLimit = params.get('limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== null) {
    if (!/^\d{1,7}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_LIMIT) {
      return { ok: false, error: `limit must be a whole number from 1 to ${MAX_LIMIT}` };
    }
    limit = Number(rawLimit);
  }
  const cursor = params.get('cursor');
  if (cursor === null || cursor === '') return { ok: true, value: { after: '', limit } };
  const after = decodeCursor(cursor);
  if (after === null) return { ok: false, error: 'bad cursor: pass the "next" value of a previous page as is' };
  return { ok: true, value: { after, limit } };
}

/** Opaque to clients (base64url of a small JSON), so the key format may change without breaking them. */
export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ a: key }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string | null {
  if (cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof v === 'object' && v !== null && typeof (v as { a?: unknown }).a === 'string' && (v as { a: string }).a !== '') return (v as { a: string }).a;
  } catch {
    // not JSON: a bad cursor like any other
  }
  return null;
}

/** One node's page: the items after the cursor, sorted by key, at most `limit`. */
export function pageOf<T>(all: Iterable<T>, keyOf: (item: T) => string, q: PageQuery): NodePage<T> {
  const after: T[] = [];
  for (const item of all) if (keyOf(item) > q.after) after.push(item);
  after.sort((a, b) => compare(keyOf(a), keyOf(b)));
  return { items: after.slice(0, q.limit), more: after.length > q.limit };
}

/**
 * The cluster's page from the nodes' pages. `combine` merges two answers for one key (a room seen
 * by two nodes); without it keys are unique (a connection lives on one node).
 */
export function mergePages<T>(pages: readonly NodePage<T>[], keyOf: (item: T) => string, limit: number, combine?: (a: T, b: T) => T): { items: T[]; next: string | null } {
  const byKey = new Map<string, T>();
  let more = false;
  for (const page of pages) {
    more ||= page.more;
    for (const item of page.items) {
      const k = keyOf(item);
      const seen = byKey.get(k);
      byKey.set(k, seen !== undefined && combine ? combine(seen, item) : item);
    }
  }
  const keys = [...byKey.keys()].sort(compare);
  const items = keys.slice(0, limit).map((k) => byKey.get(k) as T);
  more ||= keys.length > limit;
  return { items, next: more && items.length > 0 ? encodeCursor(keyOf(items[items.length - 1])) : null };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
