/** The token CLI (src/tools/token.ts): what it mints verifies with the server's own verifier, run as a real process. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTokenVerifier } from '../../src/auth/jwt.js';
import { mintOptionsFrom } from '../../src/tools/token.js';
import { DEFAULT_IDENTIFIER_LIMITS } from '../../src/protocol/identifiers.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/tools/token.js', import.meta.url));
const SECRET = 'cli-secret-0123456789abcdef0123456789';

describe('token CLI', () => {
  it('mints a token the server accepts, with sub, name and rooms, from the documented command line', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--sub', 'alice', '--name', 'Alice', '--rooms', 'team-*, lobby', '--ttl', '3600', '--issuer', 'iss', '--audience', 'aud'], {
      env: { ...process.env, auth_jwtSecret: SECRET },
    });
    const v = createTokenVerifier({ jwtSecret: SECRET, jwtPublicKeyFile: '', jwtIssuer: 'iss', jwtAudience: 'aud', jwtClockToleranceSec: 0 }, DEFAULT_IDENTIFIER_LIMITS)!;
    expect(await v.verify(stdout.trim())).to.deep.equal({ ok: true, identity: { sub: 'alice', name: 'Alice', rooms: ['team-*', 'lobby'] } });
  });

  it('exits 2 with the usage when --sub or a key is missing, or an option is unknown', async () => {
    for (const args of [['--ttl', '60'], ['--sub', 'a'], ['--sub', 'a', '--secret', SECRET, '--bogus']]) {
      const err = await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH } }).then(() => null, (e: { code: number; stderr: string }) => e);
      expect(err, args.join(' ')).to.not.equal(null);
      expect(err!.code).to.equal(2);
      expect(err!.stderr).to.have.length.greaterThan(0);
    }
  });

  it('takes the issuer and audience from the server\'s environment by default', () => {
    const o = mintOptionsFrom(['--sub', 'bob'], { auth_jwtSecret: SECRET, auth_jwtIssuer: 'https://id', auth_jwtAudience: 'js' });
    expect(o).to.deep.include({ sub: 'bob', ttlSec: 3600, issuer: 'https://id', audience: 'js', key: { secret: SECRET } });
  });

  it('refuses a ttl that is not a whole number of seconds >= 1', () => {
    expect(() => mintOptionsFrom(['--sub', 'a', '--ttl', '0'], { auth_jwtSecret: SECRET })).to.throw(/--ttl/);
  });
});
