/**
 * The identity-token rules (users-calls-sessions.md §1), against tokens signed here with jose:
 * every way a token can be wrong gets its own reason, and only the key's own algorithm verifies.
 */
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';
import { createTokenVerifier, SELF_TEST_KID, tokenKey, type TokenVerifier } from '../../src/auth/jwt.js';
import type { AuthConfig } from '../../src/config/types.js';
import { DEFAULT_IDENTIFIER_LIMITS } from '../../src/protocol/identifiers.js';
import { bearerToken } from '../../src/transport/admission.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';
const AUTH: AuthConfig = { jwtSecret: SECRET, jwtPublicKeyFile: '', jwtIssuer: '', jwtAudience: '', jwtClockToleranceSec: 5 };
const now = () => Math.floor(Date.now() / 1000);
const enc = (s: string) => new TextEncoder().encode(s);
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

function hs256(claims: JWTPayload, secret = SECRET, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...header }).sign(enc(secret));
}
const valid = (extra: JWTPayload = {}) => hs256({ sub: 'alice', exp: now() + 600, ...extra });

function verifier(auth: Partial<AuthConfig> = {}, files: Record<string, string> = {}): TokenVerifier {
  const v = createTokenVerifier({ ...AUTH, ...auth }, DEFAULT_IDENTIFIER_LIMITS, (p) => {
    if (!(p in files)) throw new Error('ENOENT: no such file');
    return files[p];
  });
  if (v === null) throw new Error('no verifier');
  return v;
}

async function reason(v: TokenVerifier, token: string | null): Promise<string> {
  const verdict = await v.verify(token);
  if (verdict.ok) throw new Error(`token accepted: ${JSON.stringify(verdict.identity)}`);
  return verdict.reason;
}

describe('Identity tokens (JWT): HS256 secret', () => {
  const v = verifier();

  it('is not needed when neither a secret nor a key file is configured', () => {
    expect(createTokenVerifier({ ...AUTH, jwtSecret: '' }, DEFAULT_IDENTIFIER_LIMITS)).to.equal(null);
  });

  it('accepts a valid token and returns sub, name and rooms', async () => {
    const verdict = await v.verify(await valid({ name: 'Alice', rooms: ['team-*', 'lobby'] }));
    expect(verdict).to.deep.equal({ ok: true, identity: { sub: 'alice', name: 'Alice', rooms: ['team-*', 'lobby'] } });
  });

  it('accepts a token without name or rooms (every room)', async () => {
    expect(await v.verify(await valid())).to.deep.equal({ ok: true, identity: { sub: 'alice' } });
  });

  it('refuses a missing or empty token', async () => {
    expect(await reason(v, null)).to.equal('missing token');
    expect(await reason(v, '')).to.equal('missing token');
  });

  it('refuses an expired token', async () => {
    expect(await reason(v, await valid({ exp: now() - 60 }))).to.equal('token expired');
  });

  it('allows auth.jwtClockToleranceSec of skew on exp', async () => {
    expect((await verifier({ jwtClockToleranceSec: 120 }).verify(await valid({ exp: now() - 60 }))).ok).to.equal(true);
  });

  it('refuses a token that is not yet valid (nbf)', async () => {
    expect(await reason(v, await valid({ nbf: now() + 600 }))).to.equal('token not yet valid');
  });

  it('refuses a token without exp', async () => {
    expect(await reason(v, await hs256({ sub: 'alice' }))).to.equal('token without exp');
  });

  it('refuses a token without sub, or with an empty one', async () => {
    expect(await reason(v, await hs256({ exp: now() + 600 }))).to.equal('token without sub');
    expect(await reason(v, await valid({ sub: '' }))).to.equal('token without sub');
  });

  it('refuses a sub a hello could not say (a "/", too long), a bad name or rooms', async () => {
    expect(await reason(v, await valid({ sub: 'a/b' }))).to.equal("token sub must not contain '/'");
    expect(await reason(v, await valid({ sub: 'x'.repeat(129) }))).to.equal('token sub must be at most 128 characters');
    expect(await reason(v, await valid({ name: 42 }))).to.equal('token name is not a valid display name');
    expect(await reason(v, await valid({ rooms: 'team-*' }))).to.equal('token rooms is not a list of room ids');
    expect(await reason(v, await valid({ rooms: ['ok', 7] }))).to.equal('token rooms is not a list of room ids');
  });

  it('checks the issuer and the audience when configured', async () => {
    const strict = verifier({ jwtIssuer: 'https://id.example', jwtAudience: 'jsongle' });
    expect((await strict.verify(await valid({ iss: 'https://id.example', aud: 'jsongle' }))).ok).to.equal(true);
    expect(await reason(strict, await valid({ iss: 'https://evil.example', aud: 'jsongle' }))).to.equal('wrong token issuer');
    expect(await reason(strict, await valid({ aud: 'jsongle' }))).to.equal('wrong token issuer');
    expect(await reason(strict, await valid({ iss: 'https://id.example', aud: 'other' }))).to.equal('wrong token audience');
  });

  it('refuses a tampered payload (the signature no longer matches)', async () => {
    const [h, , s] = (await valid()).split('.');
    const forged = `${h}.${b64({ sub: 'mallory', exp: now() + 600 })}.${s}`;
    expect(await reason(v, forged)).to.equal('bad token signature');
  });

  it('refuses a token signed with another secret', async () => {
    expect(await reason(v, await hs256({ sub: 'alice', exp: now() + 600 }, 'another-secret-of-at-least-32-characters!'))).to.equal('bad token signature');
  });

  it('refuses alg "none" (an unsigned token)', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', exp: now() + 600 })}.`;
    expect(await reason(v, unsigned)).to.equal('token algorithm not allowed');
  });

  it('refuses another algorithm than the key\'s (HS512, RS256)', async () => {
    const hs512 = await new SignJWT({ sub: 'alice', exp: now() + 600 }).setProtectedHeader({ alg: 'HS512' }).sign(enc(SECRET.repeat(2)));
    expect(await reason(v, hs512)).to.equal('token algorithm not allowed');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs256 = await new SignJWT({ sub: 'alice', exp: now() + 600 }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    expect(await reason(v, rs256)).to.equal('token algorithm not allowed');
  });

  it('refuses garbage', async () => {
    expect(await reason(v, 'not.a.jwt')).to.equal('malformed token');
    expect(await reason(v, 'x'.repeat(3000))).to.equal('malformed token');
  });

  it('accepts the self-check token it minted, and no token claiming that kid signed with another key', async () => {
    const own = await v.verify(await v.mintSelfTestToken('self-test-0', ['self-test-r']));
    expect(own).to.deep.equal({ ok: true, identity: { sub: 'self-test-0', rooms: ['self-test-r'] } });
    // Another verifier has another random key: its self-check token means nothing here.
    expect(await reason(v, await verifier().mintSelfTestToken('self-test-0', []))).to.equal('bad token signature');
    // Nor does a token signed with the configured secret but naming the self-check kid.
    expect(await reason(v, await hs256({ sub: 'alice', exp: now() + 600 }, SECRET, { kid: SELF_TEST_KID }))).to.equal('bad token signature');
  });
});

describe('Identity tokens (JWT): public key file', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const files = { '/keys/rsa.pem': rsaPem, '/keys/ec.pem': ecPem };
  const claims = () => ({ sub: 'alice', exp: now() + 600 });

  it('verifies RS256 with an RSA public key', async () => {
    const v = verifier({ jwtSecret: '', jwtPublicKeyFile: '/keys/rsa.pem' }, files);
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey);
    expect(await v.verify(token)).to.deep.equal({ ok: true, identity: { sub: 'alice' } });
  });

  it('verifies ES256 with a P-256 public key, read from a real file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsongle-jwt-'));
    try {
      writeFileSync(join(dir, 'ec.pem'), ecPem);
      const v = createTokenVerifier({ ...AUTH, jwtSecret: '', jwtPublicKeyFile: join(dir, 'ec.pem') }, DEFAULT_IDENTIFIER_LIMITS)!;
      const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256' }).sign(ec.privateKey);
      expect((await v.verify(token)).ok).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const v = verifier({ jwtSecret: '', jwtPublicKeyFile: '/keys/rsa.pem' }, files);
    const confused = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(enc(rsaPem));
    expect(await reason(v, confused)).to.equal('token algorithm not allowed');
  });

  it('refuses ES256 when the key is RSA, and a token signed by another RSA key', async () => {
    const v = verifier({ jwtSecret: '', jwtPublicKeyFile: '/keys/rsa.pem' }, files);
    expect(await reason(v, await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256' }).sign(ec.privateKey))).to.equal('token algorithm not allowed');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(await reason(v, await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(other.privateKey))).to.equal('bad token signature');
  });

  it('stops the start on a missing file, a file that is no key, or an unsupported key type', () => {
    const auth = { ...AUTH, jwtSecret: '' };
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const read = (p: string) => ({ '/k/ed.pem': ed, '/k/junk.pem': 'not a key' } as Record<string, string>)[p] ?? (() => { throw new Error('ENOENT'); })();
    expect(() => tokenKey({ ...auth, jwtPublicKeyFile: '/k/none.pem' }, read)).to.throw(/auth.jwtPublicKeyFile \/k\/none.pem: ENOENT/);
    expect(() => tokenKey({ ...auth, jwtPublicKeyFile: '/k/junk.pem' }, read)).to.throw(/auth.jwtPublicKeyFile \/k\/junk.pem/);
    expect(() => tokenKey({ ...auth, jwtPublicKeyFile: '/k/ed.pem' }, read)).to.throw(/RSA or P-256 public key is needed/);
  });
});

describe('bearerToken: where the identity token comes from', () => {
  it('takes the token query parameter first, else an Authorization: Bearer header', () => {
    expect(bearerToken('q', 'Bearer h')).to.equal('q');
    expect(bearerToken(null, 'Bearer h.e.s')).to.equal('h.e.s');
    expect(bearerToken(null, 'bearer  h.e.s ')).to.equal('h.e.s');
  });

  it('finds none in an empty or non-Bearer header', () => {
    expect(bearerToken(null, '')).to.equal(null);
    expect(bearerToken(null, 'Basic dXNlcjpwYXNz')).to.equal(null);
    expect(bearerToken(null, 'Bearer')).to.equal(null);
  });
});
