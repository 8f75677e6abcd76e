/**
 * users-calls-sessions.md §1 over real sockets: with auth.jwtSecret, every bad token is refused at
 * the upgrade (401, a reason, no actor), the hello uid is the token's sub (403005 otherwise), joins
 * stay inside the token's rooms (403006), and a good token works end to end.
 */
import { expect } from 'chai';
import { connect } from 'node:net';
import { SignJWT } from 'jose';
import { RawUpgradeRefused, RawWebSocket, type RawConnectOptions } from '../../leak/raw-ws.js';
import { TestClient } from '../../helpers/client.js';
import { getJson } from '../../helpers/http.js';
import { rid } from '../../helpers/ids.js';
import { useTestServer } from '../../helpers/suite.js';
import { waitFor } from '../../helpers/wait.js';
import { mintToken, type MintOptions } from '../../../src/tools/token.js';

const SECRET = 'integration-secret-0123456789abcdef';
const ISS = 'https://id.example';
const AUD = 'jsongle';
const now = () => Math.floor(Date.now() / 1000);

const token = (o: Partial<MintOptions> = {}) => mintToken({ sub: 'alice', ttlSec: 600, issuer: ISS, audience: AUD, key: { secret: SECRET }, ...o });

async function refusal(port: number, options: RawConnectOptions): Promise<RawUpgradeRefused> {
  try {
    const ws = await RawWebSocket.open(port, options);
    ws.socket.destroy();
  } catch (err) {
    if (err instanceof RawUpgradeRefused) return err;
    throw err;
  }
  throw new Error('the upgrade was accepted');
}

describe('Identity tokens at the upgrade', () => {
  // authFailureLimit off: this suite makes many failed upgrades from loopback on purpose.
  const srv = useTestServer({ auth: { jwtSecret: SECRET, jwtIssuer: ISS, jwtAudience: AUD }, authFailureLimit: { perAddress: 0 } });
  const url = (t: string) => `${srv().url()}?token=${encodeURIComponent(t)}`;

  const badTokens: Array<[string, () => Promise<string>, string]> = [
    ['missing', async () => '', 'missing token'],
    ['expired', () => new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISS).setAudience(AUD).setExpirationTime(now() - 60).sign(new TextEncoder().encode(SECRET)), 'token expired'],
    ['not yet valid', () => token({ notBeforeSec: 600 }), 'token not yet valid'],
    ['from another issuer', () => token({ issuer: 'https://evil.example' }), 'wrong token issuer'],
    ['for another audience', () => token({ audience: 'other' }), 'wrong token audience'],
    ['signed with another secret', () => token({ key: { secret: 'another-secret-0123456789abcdef!!' } }), 'bad token signature'],
    ['tampered', async () => {
      const [h, , s] = (await token()).split('.');
      return `${h}.${Buffer.from(JSON.stringify({ sub: 'mallory', exp: now() + 600, iss: ISS, aud: AUD })).toString('base64url')}.${s}`;
    }, 'bad token signature'],
    ['unsigned (alg none)', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', exp: now() + 600, iss: ISS, aud: AUD })).toString('base64url')}.`, 'token algorithm not allowed'],
    ['of another algorithm (HS512)', () => new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS512' }).setIssuer(ISS).setAudience(AUD).setExpirationTime(now() + 600).sign(new TextEncoder().encode(SECRET.repeat(2))), 'token algorithm not allowed'],
    ['without sub', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISS).setAudience(AUD).setExpirationTime(now() + 600).sign(new TextEncoder().encode(SECRET)), 'token without sub'],
  ];

  for (const [what, make, reason] of badTokens) {
    it(`answers 401 with the reason, and creates no actor, for a token ${what}`, async () => {
      const s = srv();
      const opened = s.server.stats.connectionsOpened;
      const refusedBefore = s.server.stats.rejectedUpgrades.token ?? 0;
      const t = await make();
      const r = await refusal(s.wsPort, { path: t === '' ? '/' : `/?token=${encodeURIComponent(t)}` });
      expect(r.status).to.equal(401);
      expect(JSON.parse(r.body)).to.deep.equal({ error: `invalid identity token: ${reason}`, status: 401 });
      expect(r.head).to.match(/www-authenticate: Bearer error="invalid_token"/i);
      expect(s.server.stats.connectionsOpened).to.equal(opened);
      expect(s.server.inspectState().connections).to.equal(0);
      expect(s.server.stats.rejectedUpgrades.token).to.equal(refusedBefore + 1);
    });
  }

  it('refuses a bad token in an Authorization: Bearer header the same way', async () => {
    const r = await refusal(srv().wsPort, { headers: { Authorization: `Bearer ${await token({ issuer: 'x' })}` } });
    expect(r.status).to.equal(401);
    expect(JSON.parse(r.body).error).to.equal('invalid identity token: wrong token issuer');
  });

  it('accepts a good token in the query or in an Authorization: Bearer header, and binds the hello to its sub', async () => {
    const a = await TestClient.connect(url(await token({ sub: 'alice', name: 'Alice' })));
    const ack = await a.hello('alice');
    expect(ack.jsongle).to.not.have.property('description'); // no ICE servers configured
    const b = await TestClient.connect(srv().url(), { headers: { Authorization: `Bearer ${await token({ sub: 'bob' })}` } });
    await b.hello('bob', 'Bobby');
    const room = rid('id');
    await a.join(room);
    const joined = await b.join(room);
    // dn: the token's name when the hello gives none, the hello's own otherwise.
    expect(joined.jsongle.description.members).to.deep.equal([{ uid: 'alice', dn: 'Alice' }]);
    const event = await a.expectMessage({ jsongle: { action: 'session-event', event: 'joined' } });
    expect(event.jsongle.description.member).to.deep.equal({ uid: 'bob', dn: 'Bobby' });
  });

  it('answers a hello with another uid ack failed + 403005, stays connected, and takes a hello without uid as sub', async () => {
    const c = await TestClient.connect(url(await token({ sub: 'alice' })));
    const req = await c.waitHelloRequest();
    const transaction = req.jsongle.transaction;
    c.send(c.envelope({ action: 'iq-result', query: 'session-hello', transaction, description: { uid: 'mallory' } }));
    expect((await c.expectMessage({ jsongle: { action: 'ack' } })).jsongle.status).to.equal('failed');
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description).to.deep.equal({ errorCode: 403005, errorDetails: "The uid must be the identity token's subject 'alice'" });
    expect(c.isOpen).to.equal(true);
    // Still connected, not helloed: a join is 403002.
    expect((await c.request('session-join', { rid: rid('x') })).jsongle.description.errorCode).to.equal(403002);
    // A second answer without uid is valid: the uid is the token's sub.
    c.send(c.envelope({ action: 'iq-result', query: 'session-hello', transaction, description: {} }));
    expect((await c.expectMessage({ jsongle: { action: 'ack' } })).jsongle.status).to.equal('success');
    const room = rid('sub');
    await c.join(room);
    const peer = await TestClient.connect(url(await token({ sub: 'bob' })));
    await peer.hello('bob');
    expect((await peer.join(room)).jsongle.description.members).to.deep.equal([{ uid: 'alice' }]);
  });

  it('still checks the hello transaction and dn with a token (400001)', async () => {
    const c = await TestClient.connect(url(await token()));
    const req = await c.waitHelloRequest();
    c.send(c.envelope({ action: 'iq-result', query: 'session-hello', transaction: req.jsongle.transaction, description: { dn: 7 } }));
    expect((await c.expectMessage({ jsongle: { action: 'ack' } })).jsongle.status).to.equal('failed');
    expect((await c.expectMessage({ jsongle: { action: 'session-error' } })).jsongle.description.errorCode).to.equal(400001);
  });

  it('refuses a join outside the token\'s rooms with iq-error 403006, and allows exact and prefix grants', async () => {
    const c = await TestClient.connect(url(await token({ rooms: ['team-*', 'lobby'] })));
    await c.hello('alice');
    const refused = await c.request('session-join', { rid: 'elsewhere' });
    expect(refused.jsongle.action).to.equal('iq-error');
    expect(refused.jsongle.description).to.deep.equal({ errorCode: 403006, errorDetails: "The identity token does not grant room 'elsewhere'" });
    expect((await c.request('muc-join', { rid: 'team' })).jsongle.description.errorCode).to.equal(403006);
    await c.join(`team-${rid('t')}`);
    await c.join('lobby', 'muc');
    // The rid's own rules come first: an invalid rid is still 400001.
    expect((await c.request('session-join', { rid: 42 })).jsongle.description.errorCode).to.equal(400001);
    expect(srv().server.stats.errorsByCode['403006']).to.be.greaterThanOrEqual(2);
  });

  it('leaves nothing behind when clients vanish while their token is being checked (onAborted)', async () => {
    const s = srv();
    const t = await token({ sub: 'ghost' });
    // jose verifies on WebCrypto (asynchronous): each socket is gone before or while its answer is due.
    await Promise.all(Array.from({ length: 20 }, () => new Promise<void>((resolve) => {
      const sock = connect({ host: '127.0.0.1', port: s.wsPort }, () => {
        sock.write(`GET /?token=${t} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
        sock.destroy();
      });
      sock.on('close', () => resolve());
      sock.on('error', () => {});
    })));
    await waitFor(() => s.server.inspectState().connections === 0, 'every vanished client to be gone', 5000);
    // The server still admits and serves a client with a good token.
    const c = await TestClient.connect(url(await token({ sub: 'alice' })));
    await c.hello('alice');
  });

  it('passes GET /tests: the self-check signs its own clients in', async () => {
    const { status, body } = await getJson(`${srv().restUrl}/tests`, 5000);
    expect(status, JSON.stringify(body)).to.equal(200);
    expect(body.score).to.equal(100);
  });
});

describe('Identity tokens and appToken together', () => {
  const srv = useTestServer({ appToken: 'app-token', auth: { jwtSecret: SECRET }, authFailureLimit: { perAddress: 0 } });

  it('needs both: a good token without the appToken is 401, with it the upgrade passes', async () => {
    const t = await mintToken({ sub: 'alice', ttlSec: 60, key: { secret: SECRET } });
    const r = await refusal(srv().wsPort, { path: `/?token=${encodeURIComponent(t)}` });
    expect(r.status).to.equal(401);
    expect(JSON.parse(r.body).error).to.equal('missing or wrong appToken');
    const c = await TestClient.connect(`${srv().url('app-token')}&token=${encodeURIComponent(t)}`);
    await c.hello('alice');
  });
});

describe('Identity tokens: failed tokens cost the address its authentication budget', () => {
  const srv = useTestServer({ auth: { jwtSecret: SECRET }, authFailureLimit: { perAddress: 2, windowSec: 60 } });

  it('answers 429 once an address has used up authFailureLimit with bad tokens', async () => {
    for (let i = 0; i < 2; i++) expect((await refusal(srv().wsPort, { path: '/?token=bad' })).status).to.equal(401);
    expect((await refusal(srv().wsPort, { path: '/?token=bad' })).status).to.equal(429);
  });
});

describe('Identity tokens: a key file the server cannot use', () => {
  it('stops createServer with a StartupError naming the setting', async () => {
    const { loadConfig } = await import('../../../src/config/load.js');
    const { createServer } = await import('../../../src/server.js');
    const { StartupError } = await import('../../../src/transport/uws.js');
    const config = loadConfig({ env: {}, argv: [], overrides: { wsPort: 0, restPort: 0, logDefaultLevel: 'error', auth: { jwtPublicKeyFile: '/nonexistent/key.pem' } } });
    expect(() => createServer(config)).to.throw(StartupError, /auth.jwtPublicKeyFile \/nonexistent\/key.pem/);
  });
});
