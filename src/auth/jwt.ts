/**
 * Identity tokens (users-calls-sessions.md §1): a JWT checked once, at the upgrade, with `jose`
 * (no hand-written crypto). The key decides the algorithms: an HS256 secret, or a PEM public key
 * (RSA → RS256, P-256 → ES256); `none` and every other algorithm are refused, so a token signed
 * with HS256 over the public key (the classic confusion) never verifies.
 *
 * The verified claims become the connection's Identity: `sub` is its uid, `name` its default dn,
 * `rooms` the rids it may join (an entry ending in `*` is a prefix; absent: every room).
 */
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { TokenIdentity } from '../../machines/connection.js';
import type { AuthConfig } from '../config/types.js';
import { identifierRule, type IdentifierLimits } from '../protocol/identifiers.js';

export type TokenVerdict = { ok: true; identity: TokenIdentity } | { ok: false; reason: string };

export interface TokenVerifier {
  /** Never rejects: every failure is a verdict with the reason the 401 body gives. */
  verify(token: string | null): Promise<TokenVerdict>;
  /** A short-lived token for the server's own loopback self-check (GET /tests), signed with a
   * random key that never leaves this process (kid SELF_TEST_KID), whatever key the tokens use. */
  mintSelfTestToken(sub: string, rooms: readonly string[]): Promise<string>;
}

type Alg = 'HS256' | 'RS256' | 'ES256';
interface VerifyKey {
  key: KeyObject | Uint8Array;
  algorithms: Alg[];
}

export const SELF_TEST_KID = 'jsongle-self-test';
const SELF_TEST_TTL_SEC = 60;

/** The key of the configured tokens, or null when no token is needed. Throws on a bad key file (start-up error). */
export function tokenKey(auth: AuthConfig, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): VerifyKey | null {
  if (auth.jwtSecret !== '') return { key: new TextEncoder().encode(auth.jwtSecret), algorithms: ['HS256'] };
  if (auth.jwtPublicKeyFile === '') return null;
  let key: KeyObject;
  try {
    key = createPublicKey(readFile(auth.jwtPublicKeyFile));
  } catch (err) {
    throw new Error(`auth.jwtPublicKeyFile ${auth.jwtPublicKeyFile}: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType === 'rsa') return { key, algorithms: ['RS256'] };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, algorithms: ['ES256'] };
  throw new Error(`auth.jwtPublicKeyFile ${auth.jwtPublicKeyFile}: an RSA or P-256 public key is needed (RS256 or ES256), not ${key.asymmetricKeyType}`);
}

/** null when neither auth.jwtSecret nor auth.jwtPublicKeyFile is set: the upgrade stays as it was. */
export function createTokenVerifier(auth: AuthConfig, limits: IdentifierLimits, readFile?: (path: string) => string): TokenVerifier | null {
  const configured = tokenKey(auth, readFile);
  if (configured === null) return null;
  const selfTest: VerifyKey = { key: new Uint8Array(randomBytes(32)), algorithms: ['HS256'] };
  const options = {
    ...(auth.jwtIssuer !== '' ? { issuer: auth.jwtIssuer } : {}),
    ...(auth.jwtAudience !== '' ? { audience: auth.jwtAudience } : {}),
    clockTolerance: auth.jwtClockToleranceSec,
    requiredClaims: ['exp', 'sub'],
  };

  return {
    async verify(token) {
      if (token === null || token === '') return { ok: false, reason: 'missing token' };
      try {
        const k = kidOf(token) === SELF_TEST_KID ? selfTest : configured;
        const { payload } = await jwtVerify(token, k.key, { ...options, algorithms: k.algorithms });
        return identityOf(payload, limits);
      } catch (err) {
        return { ok: false, reason: reasonOf(err) };
      }
    },
    mintSelfTestToken(sub, rooms) {
      let jwt = new SignJWT({ rooms: [...rooms] }).setProtectedHeader({ alg: 'HS256', kid: SELF_TEST_KID })
        .setSubject(sub).setIssuedAt().setExpirationTime(`${SELF_TEST_TTL_SEC}s`);
      if (auth.jwtIssuer !== '') jwt = jwt.setIssuer(auth.jwtIssuer);
      if (auth.jwtAudience !== '') jwt = jwt.setAudience(auth.jwtAudience);
      return jwt.sign(selfTest.key);
    },
  };
}

/** The kid of the token's header, if it has one (a malformed header fails in jwtVerify instead). */
function kidOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).kid;
  } catch {
    return undefined;
  }
}

/** The claims the server reads, checked with the hello's own rules: a token cannot name a uid a hello could not. */
export function identityOf(payload: JWTPayload, limits: IdentifierLimits): TokenVerdict {
  const { sub, name, rooms } = payload;
  if (typeof sub !== 'string' || sub.length === 0) return { ok: false, reason: 'token without sub' };
  const subRule = identifierRule(sub, limits.uidMaxLength, false);
  if (subRule !== null) return { ok: false, reason: `token sub ${subRule}` };
  if (name !== undefined && (typeof name !== 'string' || identifierRule(name, limits.dnMaxLength, true) !== null)) {
    return { ok: false, reason: 'token name is not a valid display name' };
  }
  if (rooms !== undefined && !(Array.isArray(rooms) && rooms.every((r) => typeof r === 'string' && r.length > 0 && r.length <= limits.ridMaxLength))) {
    return { ok: false, reason: 'token rooms is not a list of room ids' };
  }
  const identity: { sub: string; name?: string; rooms?: readonly string[] } = { sub };
  if (typeof name === 'string') identity.name = name;
  if (Array.isArray(rooms)) identity.rooms = rooms as string[];
  return { ok: true, identity: identity satisfies TokenIdentity };
}

/** jose's error → the reason in the 401 body (what failed, never the token itself). */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'token not yet valid';
    if (err.claim === 'iss') return 'wrong token issuer';
    if (err.claim === 'aud') return 'wrong token audience';
    if (err.claim === 'exp' || err.claim === 'sub') return `token without ${err.claim}`;
    return `invalid token claim ${err.claim}`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad token signature';
  return 'malformed token';
}
