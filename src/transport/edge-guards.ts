/**
 * The per-address guards of the upgrade path, in one object so ws.ts calls each with one line:
 * which address a request comes from (trustProxy), the upgrade rate (UpgradeLimiter), the open
 * connections per address (OpenPerAddress), the failed-authentication throttle, and the
 * rate-limited log of refusals. Nothing here runs on the message path.
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import type { Admission, AdmissionRequest } from './admission.js';
import { clientAddress } from './client-address.js';
import { OpenPerAddress } from './open-per-address.js';
import { RefusalLog } from './refusal-log.js';
import { DEFAULT_UPGRADE_LIMIT, UpgradeLimiter, type UpgradeLimitConfig } from './upgrade-limit.js';

/** Defaults of the keys below, for a config object built without them (embedding). */
const DEFAULTS = { maxOpenPerAddress: 100, authFailures: { perAddress: 20, windowSec: 60 } };

type EdgeConfig = Pick<Config, 'upgradeLimit'> & Partial<Pick<Config, 'authFailureLimit' | 'trustProxy'>>;

export class EdgeGuards {
  readonly rate: UpgradeLimiter;
  readonly openPerAddress: OpenPerAddress;
  /** Failed tokens per address. Never exempts loopback: behind a same-host proxy every guess
   * comes from 127.0.0.1, and guessing must cost something there too. */
  readonly authFailures: UpgradeLimiter;
  private readonly trustProxy: boolean;
  private readonly refusals: RefusalLog;

  constructor(config: EdgeConfig, logger: Logger) {
    const limit: UpgradeLimitConfig = { ...DEFAULT_UPGRADE_LIMIT, ...config.upgradeLimit };
    this.trustProxy = config.trustProxy ?? false;
    // With trustProxy the address is the real client's: loopback means a local client, and the
    // exemption (meant for "everyone looks like 127.0.0.1 behind the proxy") is kept as configured.
    this.rate = new UpgradeLimiter(limit);
    this.openPerAddress = new OpenPerAddress(config.upgradeLimit?.maxOpenPerAddress ?? DEFAULTS.maxOpenPerAddress, limit.exemptLoopback);
    const failures = { ...DEFAULTS.authFailures, ...config.authFailureLimit };
    this.authFailures = new UpgradeLimiter({ ...failures, exemptLoopback: false });
    this.refusals = new RefusalLog(logger);
  }

  /** The client's address (copy it before anything else: HttpRequest lives on the stack). */
  address(res: HttpResponse, req: HttpRequest): string {
    const peer = Buffer.from(res.getRemoteAddressAsText()).toString();
    if (!this.trustProxy) return peer;
    return clientAddress(peer, req.getHeader('x-forwarded-for'), req.getHeader('x-real-ip'), true);
  }

  /** The per-address part of an AdmissionRequest. Takes one upgrade from the rate budget. */
  check(ip: string, now: number): Pick<AdmissionRequest, 'rateLimited' | 'openLimited' | 'authThrottled'> {
    return {
      rateLimited: !this.rate.allow(ip, now),
      openLimited: this.openPerAddress.full(ip),
      authThrottled: !this.authFailures.hasToken(ip, now),
    };
  }

  /** A refused upgrade: a failed token (appToken or identity token) costs the address one from its failure budget; logged
   * as a summary line at most once a minute. */
  refused(verdict: Exclude<Admission, { ok: true }>, ip: string, now: number): void {
    if (verdict.reason === 'unauthorized' || verdict.reason === 'token') this.authFailures.allow(ip, now);
    this.refusals.note(verdict.reason, ip, verdict.status, now);
  }

  retryAfterSec(reason: string): number {
    return reason === 'authThrottle' ? this.authFailures.retryAfterSec : this.rate.retryAfterSec;
  }
}
