/**
 * Mints an identity token for tests and operators (users-calls-sessions.md §1):
 *
 *   node dist/src/tools/token.js --sub alice [--name Alice] [--rooms 'team-*,lobby'] [--ttl 3600]
 *        [--secret <s> | --private-key key.pem] [--issuer <iss>] [--audience <aud>] [--not-before <sec>]
 *
 * The key and the claims the server checks default to the server's own environment variables
 * (auth_jwtSecret, auth_jwtIssuer, auth_jwtAudience), so on the server's host the token fits. A
 * private key signs RS256 (RSA) or ES256 (P-256), for a server given the public key
 * (auth.jwtPublicKeyFile). Prints the token on stdout.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';

export interface MintOptions {
  sub: string;
  name?: string;
  rooms?: readonly string[];
  ttlSec: number;
  /** Seconds from now before which the token is not valid (nbf). */
  notBeforeSec?: number;
  issuer?: string;
  audience?: string;
  /** HS256 secret, or a PEM private key (RSA → RS256, P-256 → ES256). */
  key: { secret: string } | { privateKeyPem: string };
}

export async function mintToken(o: MintOptions, nowSec = Math.floor(Date.now() / 1000)): Promise<string> {
  const claims: Record<string, unknown> = {};
  if (o.name !== undefined) claims.name = o.name;
  if (o.rooms !== undefined) claims.rooms = [...o.rooms];
  const { alg, key } = signingKey(o.key);
  let jwt = new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).setSubject(o.sub).setIssuedAt(nowSec).setExpirationTime(nowSec + o.ttlSec);
  if (o.notBeforeSec !== undefined) jwt = jwt.setNotBefore(nowSec + o.notBeforeSec);
  if (o.issuer) jwt = jwt.setIssuer(o.issuer);
  if (o.audience) jwt = jwt.setAudience(o.audience);
  return jwt.sign(key);
}

function signingKey(k: MintOptions['key']): { alg: string; key: KeyObject | Uint8Array } {
  if ('secret' in k) return { alg: 'HS256', key: new TextEncoder().encode(k.secret) };
  const key = createPrivateKey(k.privateKeyPem);
  if (key.asymmetricKeyType === 'rsa') return { alg: 'RS256', key };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { alg: 'ES256', key };
  throw new Error(`an RSA or P-256 private key is needed, not ${key.asymmetricKeyType}`);
}

const USAGE = "usage: token.js --sub <uid> [--name <dn>] [--rooms 'a,team-*'] [--ttl <sec>] [--secret <s> | --private-key <pem file>] [--issuer <iss>] [--audience <aud>] [--not-before <sec>]";

/** Parses the command line; env supplies the server's own settings as defaults. */
export function mintOptionsFrom(argv: string[], env: NodeJS.ProcessEnv): MintOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      sub: { type: 'string' }, name: { type: 'string' }, rooms: { type: 'string' }, ttl: { type: 'string' },
      secret: { type: 'string' }, 'private-key': { type: 'string' }, issuer: { type: 'string' }, audience: { type: 'string' },
      'not-before': { type: 'string' },
    },
  });
  if (!values.sub) throw new Error(`--sub is required\n${USAGE}`);
  const ttlSec = Number(values.ttl ?? 3600);
  if (!Number.isInteger(ttlSec) || ttlSec < 1) throw new Error('--ttl must be a whole number of seconds >= 1');
  const notBeforeSec = values['not-before'] === undefined ? undefined : Number(values['not-before']);
  if (notBeforeSec !== undefined && !Number.isInteger(notBeforeSec)) throw new Error('--not-before must be a whole number of seconds');
  const secret = values.secret ?? env.auth_jwtSecret ?? '';
  const keyFile = values['private-key'];
  if (!keyFile && secret === '') throw new Error(`a key is needed: --secret, --private-key or auth_jwtSecret in the environment\n${USAGE}`);
  return {
    sub: values.sub,
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.rooms !== undefined ? { rooms: values.rooms.split(',').map((r) => r.trim()).filter(Boolean) } : {}),
    ttlSec,
    ...(notBeforeSec !== undefined ? { notBeforeSec } : {}),
    issuer: values.issuer ?? env.auth_jwtIssuer ?? '',
    audience: values.audience ?? env.auth_jwtAudience ?? '',
    key: keyFile ? { privateKeyPem: readFileSync(keyFile, 'utf8') } : { secret },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.stdout.write(`${await mintToken(mintOptionsFrom(process.argv.slice(2), process.env))}\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
}
