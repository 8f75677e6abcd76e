/**
 * Per-address limit on new WebSocket connections: a token bucket per remote address (up to
 * `perAddress` upgrades at once, refilled at perAddress / windowSec per second). A burst of
 * upgrades from one address is answered HTTP 429 before any actor exists, so one host cannot
 * churn connections (each costs an actor, a UUID and a hello) or brute-force the appToken.
 *
 * No timer: buckets refill lazily when their address comes back, and at most once per window
 * the map is swept of buckets that are full again (idle addresses), so memory follows the number
 * of addresses seen in the last window, not every address ever seen.
 */

export interface UpgradeLimitConfig {
  /** Upgrades one address may make in a burst (and per window, sustained). 0 disables the limit. */
  perAddress: number;
  windowSec: number;
  /** Loopback peers (127.0.0.0/8, ::1) are not limited: a local reverse proxy makes every client
   * look like 127.0.0.1, and benchmarks connect from there. */
  exemptLoopback: boolean;
}

/** The defaults of config upgradeLimit.perAddress / windowSec / exemptLoopback (src/config/schema.ts). */
export const DEFAULT_UPGRADE_LIMIT: UpgradeLimitConfig = { perAddress: 100, windowSec: 10, exemptLoopback: true };

interface Bucket {
  tokens: number;
  lastMs: number;
}

export class UpgradeLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private lastSweepMs: number;

  constructor(private readonly limit: UpgradeLimitConfig, now = Date.now()) {
    this.perMs = limit.perAddress / (limit.windowSec * 1000);
    this.lastSweepMs = now;
  }

  /** Seconds after which a refused address has a token again (the Retry-After header). */
  get retryAfterSec(): number {
    return Math.max(1, Math.ceil(this.limit.windowSec / Math.max(1, this.limit.perAddress)));
  }

  /** Number of addresses tracked (memory checks). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one upgrade from this address's bucket; false when it has none left. */
  allow(address: string, now = Date.now()): boolean {
    if (this.limit.perAddress <= 0) return true;
    if (this.limit.exemptLoopback && isLoopback(address)) return true;
    if (now - this.lastSweepMs >= this.limit.windowSec * 1000) this.sweep(now);
    const key = addressKey(address);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.limit.perAddress, lastMs: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.limit.perAddress, b.tokens + (now - b.lastMs) * this.perMs);
      b.lastMs = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** True when this address could take an upgrade now; takes nothing and remembers nothing. */
  hasToken(address: string, now = Date.now()): boolean {
    if (this.limit.perAddress <= 0) return true;
    if (this.limit.exemptLoopback && isLoopback(address)) return true;
    const b = this.buckets.get(addressKey(address));
    return !b || b.tokens + (now - b.lastMs) * this.perMs >= 1;
  }

  /** Drops the buckets that have refilled completely: those addresses are back to a clean slate. */
  private sweep(now: number): void {
    this.lastSweepMs = now;
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.lastMs) * this.perMs >= this.limit.perAddress) this.buckets.delete(key);
    }
  }
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.') ||
    address === '0000:0000:0000:0000:0000:0000:0000:0001';
}

/**
 * The key an address is limited under: an IPv4 address as is (also when IPv4-mapped), an IPv6
 * address by its /64 prefix, the smallest block a single host or household is usually given
 * (per full IPv6 address, one host could rotate through 2^64 of them).
 */
export function addressKey(address: string): string {
  if (!address.includes(':')) return address;
  const mapped = /^(?:0{1,4}:){0,5}(?:::)?(?:0{1,4}:)*ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  const groups = expandIpv6(address);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : address;
}

function expandIpv6(address: string): string[] | null {
  const parts = address.toLowerCase().split('::');
  if (parts.length > 2) return null;
  const head = parts[0] ? parts[0].split(':') : [];
  const tail = parts.length === 2 && parts[1] ? parts[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (parts.length === 1 && missing !== 0)) return null;
  const all = [...head, ...Array<string>(missing).fill('0'), ...tail];
  return all.map((g) => g.replace(/^0+(?=.)/, '').padStart(1, '0'));
}
