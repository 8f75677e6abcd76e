/** Partial matching of received messages: what expectMessage({...}) compares with. */

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * True when every key of `partial` is in `actual` with a matching value: plain objects match
 * recursively (extra keys allowed), everything else (arrays included) must be deeply equal.
 */
export function matches(actual: unknown, partial: unknown): boolean {
  if (isPlainObject(partial)) {
    if (!isPlainObject(actual)) return false;
    for (const [k, v] of Object.entries(partial)) {
      if (!Object.hasOwn(actual, k) || !matches(actual[k], v)) return false;
    }
    return true;
  }
  return deepEqual(actual, partial);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
