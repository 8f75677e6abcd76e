/**
 * users-calls-sessions.md §5 over real sockets: the hello ack hands out TURN credentials that verify
 * with HMAC-SHA1 over the shared secret (coturn use-auth-secret), plus the STUN entry; iq-set
 * ice-servers answers fresh ones; before hello it is 403002; without configuration the list is empty.
 */
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { TestClient, helloClient } from '../../helpers/client.js';
import { useTestServer } from '../../helpers/suite.js';

const TURN_SECRET = 'shared-with-coturn';
const TURN_URIS = ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349?transport=tcp'];
const STUN_URIS = ['stun:stun.example:3478'];

interface IceServer { urls: string[]; username?: string; credential?: string }

function expectValidTurn(entry: IceServer, uid: string, ttlSec: number): void {
  expect(entry.urls).to.deep.equal(TURN_URIS);
  const [expiry, ...rest] = String(entry.username).split(':');
  expect(rest.join(':')).to.equal(uid);
  // The expiry is now + ttl (generous bounds: the test may run slowly).
  const left = Number(expiry) - Date.now() / 1000;
  expect(left).to.be.within(ttlSec - 60, ttlSec + 1);
  expect(entry.credential).to.equal(createHmac('sha1', TURN_SECRET).update(String(entry.username)).digest('base64'));
}

describe('ICE servers: TURN REST credentials', () => {
  const srv = useTestServer({ turn: { secret: TURN_SECRET, uris: TURN_URIS, ttlSec: 3600 }, stun: { uris: STUN_URIS } });

  it('puts ready-to-use iceServers in the hello ack: TURN with HMAC-SHA1 credentials for the uid, then STUN', async () => {
    const c = await TestClient.connect(srv().url());
    const ack = await c.hello('alice');
    const servers = ack.jsongle.description.iceServers as IceServer[];
    expect(servers).to.have.length(2);
    expectValidTurn(servers[0], 'alice', 3600);
    expect(servers[1]).to.deep.equal({ urls: STUN_URIS });
  });

  it('answers iq-set ice-servers with fresh credentials (iq-result, same transaction)', async () => {
    const c = await helloClient(srv().url(), 'bob');
    const reply = await c.request('ice-servers');
    expect(reply.jsongle.action).to.equal('iq-result');
    expect(reply.jsongle.query).to.equal('ice-servers');
    const servers = reply.jsongle.description.iceServers as IceServer[];
    expectValidTurn(servers[0], 'bob', 3600);
    expect(servers[1]).to.deep.equal({ urls: STUN_URIS });
  });

  it('refuses ice-servers before hello with iq-error 403002', async () => {
    const c = await TestClient.connect(srv().url());
    await c.waitHelloRequest();
    const reply = await c.request('ice-servers');
    expect(reply.jsongle.action).to.equal('iq-error');
    expect(reply.jsongle.description.errorCode).to.equal(403002);
  });

  it('answers 400001 for an ice-servers request whose description is not an object', async () => {
    const c = await helloClient(srv().url(), 'carol');
    const reply = await c.request('ice-servers', 'nope');
    expect(reply.jsongle.description.errorCode).to.equal(400001);
  });
});

describe('ICE servers: nothing configured', () => {
  const srv = useTestServer();

  it('keeps the hello ack as it was and answers ice-servers with an empty list', async () => {
    const c = await TestClient.connect(srv().url());
    const ack = await c.hello('alice');
    expect(ack.jsongle).to.not.have.property('description');
    const reply = await c.request('ice-servers');
    expect(reply.jsongle.description).to.deep.equal({ iceServers: [] });
  });
});
