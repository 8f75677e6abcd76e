/** TURN REST credentials (coturn use-auth-secret) against a vector computed outside this code, and the iceServers list. */
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { iceServersFor, turnCredentials } from '../../src/auth/ice-servers.js';

const NOW_MS = 1_699_913_600_000; // + 86 400 s = 1 700 000 000

describe('TURN REST credentials', () => {
  it('matches the known vector (openssl dgst -sha1 -hmac … | base64)', () => {
    // printf '1700000000:alice' | openssl dgst -sha1 -hmac 'coturn-static-auth-secret' -binary | base64
    expect(turnCredentials('coturn-static-auth-secret', 'alice', 86_400, NOW_MS)).to.deep.equal({
      username: '1700000000:alice',
      credential: 'c0kjykjUlA6nlMXb20P/laCsXQE=',
    });
  });

  it('puts the expiry, now + ttl in whole seconds, before the uid', () => {
    const { username } = turnCredentials('s', 'bob', 60, NOW_MS + 999);
    expect(username).to.equal(`${NOW_MS / 1000 + 60}:bob`);
  });

  it('keeps a uid with ":" whole (coturn reads the expiry up to the first ":")', () => {
    const c = turnCredentials('s', 'a:b', 10, NOW_MS);
    expect(c.username).to.equal(`${NOW_MS / 1000 + 10}:a:b`);
    expect(c.credential).to.equal(createHmac('sha1', 's').update(c.username).digest('base64'));
  });
});

describe('iceServersFor', () => {
  const none = { turn: { secret: '', uris: [], ttlSec: 86_400 }, stun: { uris: [] } };

  it('is null when neither TURN nor STUN is configured', () => {
    expect(iceServersFor(none, 'alice', NOW_MS)).to.equal(null);
  });

  it('gives the TURN entry with credentials, then the STUN entry', () => {
    const list = iceServersFor({
      turn: { secret: 'coturn-static-auth-secret', uris: ['turn:t.example:3478?transport=udp', 'turns:t.example:5349'], ttlSec: 86_400 },
      stun: { uris: ['stun:s.example:3478'] },
    }, 'alice', NOW_MS);
    expect(list).to.deep.equal([
      { urls: ['turn:t.example:3478?transport=udp', 'turns:t.example:5349'], username: '1700000000:alice', credential: 'c0kjykjUlA6nlMXb20P/laCsXQE=' },
      { urls: ['stun:s.example:3478'] },
    ]);
  });

  it('gives STUN alone when only stun.uris is set', () => {
    expect(iceServersFor({ ...none, stun: { uris: ['stun:s.example'] } }, 'alice', NOW_MS)).to.deep.equal([{ urls: ['stun:s.example'] }]);
  });
});
