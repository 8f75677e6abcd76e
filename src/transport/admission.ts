/**
 * Who may upgrade: pure, so every answer is testable without a socket.
 * Order: shutting down (503) → too many upgrades from this address (429) → too many open
 * connections from it (429) → too many failed tokens from it (429) → token (401) → origin (403) →
 * capacity (503). The address limits come before the token check, so guessing the token costs an
 * attacker the same budget as connecting, and a throttled guesser learns nothing from the answer.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type Admission =
  | { ok: true }
  | { ok: false; status: 401 | 403 | 429 | 503; reason: 'draining' | 'rate' | 'openPerAddress' | 'authThrottle' | 'unauthorized' | 'origin' | 'capacity' | 'token'; message: string };

export interface AdmissionRequest {
  token: string | null;
  /** Empty when the client sent no Origin header. */
  origin: string;
  /** The client's address has used up its upgrade budget (UpgradeLimiter). */
  rateLimited?: boolean;
  /** The client's address holds upgradeLimit.maxOpenPerAddress open connections already. */
  openLimited?: boolean;
  /** The client's address used up its failed-authentication budget (authFailureLimit). */
  authThrottled?: boolean;
}

export interface AdmissionState {
  accepting: boolean;
  appToken: string;
  /** Allowed origins; empty means any. */
  allowedOrigins: readonly string[];
  connections: number;
  maxConnections: number;
}

const OK: Admission = { ok: true };

export type Refusal = Exclude<Admission, { ok: true }>;
export const DRAINING: Refusal = { ok: false, status: 503, reason: 'draining', message: 'server is shutting down' };

export function admit(req: AdmissionRequest, state: AdmissionState): Admission {
  if (!state.accepting) return DRAINING;
  if (req.rateLimited) return { ok: false, status: 429, reason: 'rate', message: 'too many connections from this address' };
  if (req.openLimited) return { ok: false, status: 429, reason: 'openPerAddress', message: 'too many open connections from this address' };
  if (req.authThrottled) return { ok: false, status: 429, reason: 'authThrottle', message: 'too many failed authentications from this address' };
  if (state.appToken !== '' && (req.token === null || !tokensEqual(req.token, state.appToken))) {
    return { ok: false, status: 401, reason: 'unauthorized', message: 'missing or wrong appToken' };
  }
  if (req.origin !== '' && state.allowedOrigins.length > 0 && !state.allowedOrigins.includes(req.origin)) {
    return { ok: false, status: 403, reason: 'origin', message: 'origin not allowed' };
  }
  if (state.connections >= state.maxConnections) {
    return { ok: false, status: 503, reason: 'capacity', message: 'too many connections' };
  }
  return OK;
}

/** An identity token that did not verify (src/auth/jwt.ts): checked after every rule above, since it is asynchronous. */
export function tokenRefusal(reason: string): Refusal {
  return { ok: false, status: 401, reason: 'token', message: `invalid identity token: ${reason}` };
}

/** The identity token: the `token` query parameter, else an `Authorization: Bearer` header (non-browser clients). */
export function bearerToken(queryToken: string | null, authorization: string): string | null {
  if (queryToken !== null) return queryToken;
  const m = /^Bearer +(\S+)\s*$/i.exec(authorization);
  return m === null ? null : m[1];
}

/** Constant-time: both sides are hashed to equal length first, so neither length nor content leaks. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** corsPolicyOrigin: comma separated; empty or "*" allows any origin. */
export function parseAllowedOrigins(corsPolicyOrigin: string): string[] {
  const list = corsPolicyOrigin.split(',').map((s) => s.trim()).filter(Boolean);
  return list.includes('*') ? [] : list;
}
