/**
 * ISO-8601 stamps for server-made and relayed messages. The string is rebuilt at most once per
 * millisecond: relays at 100k+/s would otherwise allocate a Date and a string each.
 */
let lastMs = -1;
let lastIso = '';

export function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toJSON();
  }
  return lastIso;
}
