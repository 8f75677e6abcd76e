/** The identity-token and ICE settings (auth.*, turn.*, stun.uris): each alone, and the ones only wrong together. */
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const load = (env: Record<string, string>, overrides = {}) => loadConfig({ env, argv: [], overrides });

describe('Config: auth, turn, stun', () => {
  it('defaults to no token and no ICE servers', () => {
    const c = load({});
    expect(c.auth).to.deep.equal({ jwtSecret: '', jwtPublicKeyFile: '', jwtIssuer: '', jwtAudience: '', jwtClockToleranceSec: 5 });
    expect(c.turn).to.deep.equal({ secret: '', uris: [], ttlSec: 86400 });
    expect(c.stun).to.deep.equal({ uris: [] });
  });

  it('reads the environment: auth_jwtSecret, turn_uris and stun_uris comma separated', () => {
    const c = load({ auth_jwtSecret: 'x'.repeat(32), turn_secret: 's', turn_uris: 'turn:a:3478?transport=udp, turns:a:5349', stun_uris: 'stun:a:3478' });
    expect(c.auth.jwtSecret).to.equal('x'.repeat(32));
    expect(c.turn.uris).to.deep.equal(['turn:a:3478?transport=udp', 'turns:a:5349']);
    expect(c.stun.uris).to.deep.equal(['stun:a:3478']);
  });

  it('refuses a jwtSecret shorter than 32 characters', () => {
    expect(() => load({ auth_jwtSecret: 'short' })).to.throw(ConfigError, /auth.jwtSecret: must be empty or at least 32 characters/);
  });

  it('refuses URIs that are not turn:, turns:, stun: or stuns:', () => {
    expect(() => load({ turn_secret: 's', turn_uris: 'http://a' })).to.throw(ConfigError, /turn.uris/);
    expect(() => load({ stun_uris: 'stun:a, tcp:b' })).to.throw(ConfigError, /stun.uris/);
  });

  it('refuses a secret and a key file together, a TURN secret without URIs, and URIs without a secret', () => {
    expect(() => load({}, { auth: { jwtSecret: 'x'.repeat(32), jwtPublicKeyFile: '/k.pem' } })).to.throw(ConfigError, /exclude each other/);
    expect(() => load({ turn_secret: 's' })).to.throw(ConfigError, /turn.secret needs turn.uris/);
    expect(() => load({ turn_uris: 'turn:a' })).to.throw(ConfigError, /turn.uris needs turn.secret/);
  });
});
