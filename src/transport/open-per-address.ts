/**
 * Open WebSocket connections per remote address (IPv6: per /64, as the upgrade limiter keys
 * them), so one address cannot take every slot of maxConcurrentUsers. reserve() at the upgrade,
 * release() in the close handler; uWS calls open synchronously inside res.upgrade() and close
 * exactly once after open, so every reservation is released once. Loopback peers are exempt
 * when exemptLoopback is set (the same rule as the upgrade rate limit): without trustProxy a
 * local reverse proxy makes every client 127.0.0.1.
 */
import { addressKey, isLoopback } from './upgrade-limit.js';

export class OpenPerAddress {
  private readonly open = new Map<string, number>();

  /** `max` 0 disables the cap. */
  constructor(private readonly max: number, private readonly exemptLoopback: boolean) {}

  /** Addresses with at least one open connection (memory checks). */
  get size(): number {
    return this.open.size;
  }

  private counted(address: string): boolean {
    return this.max > 0 && !(this.exemptLoopback && isLoopback(address));
  }

  /** True when this address already holds `max` open connections. */
  full(address: string): boolean {
    return this.counted(address) && (this.open.get(addressKey(address)) ?? 0) >= this.max;
  }

  reserve(address: string): void {
    if (!this.counted(address)) return;
    const key = addressKey(address);
    this.open.set(key, (this.open.get(key) ?? 0) + 1);
  }

  release(address: string): void {
    if (!this.counted(address)) return;
    const key = addressKey(address);
    const n = (this.open.get(key) ?? 0) - 1;
    if (n > 0) this.open.set(key, n);
    else this.open.delete(key);
  }
}
