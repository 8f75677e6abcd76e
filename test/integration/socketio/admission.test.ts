/**
 * Admission through the Socket.IO door, as on the raw door: appToken (auth or query) → connect_error
 * with the raw door's message and `data.status`; Origin; maxConcurrentUsers counted over both
 * doors; the drain (503001, then the connection ends) and no new connection while it runs;
 * the hello timeout and the rate limit as on a raw socket.
 */
import { expect } from 'chai';
import { helloClient, TestClient, UpgradeRefused } from '../../helpers/client.js';
import { startTestServer } from '../../helpers/server.js';
import { ConnectRefused, SioTestClient } from '../../helpers/sio-client.js';
import { useTestServer } from '../../helpers/suite.js';
import { waitFor } from '../../helpers/wait.js';
import { mintToken } from '../../../src/tools/token.js';

const TOKEN = 'sio-admission-token';

async function refusal(p: Promise<unknown>): Promise<ConnectRefused> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ConnectRefused) return err;
    throw err;
  }
  throw new Error('connected, but should have been refused');
}

describe('Socket.IO door: appToken', () => {
  const srv = useTestServer({ appToken: TOKEN });
  const base = () => `http://127.0.0.1:${srv().wsPort}`;

  for (const [what, token] of [['missing', undefined], ['wrong', 'nope'], ['empty', '']] as const) {
    it(`refuses a ${what} token with connect_error 401 (default transports and WebSocket-only)`, async () => {
      const before = srv().server.stats.rejectedUpgrades.unauthorized ?? 0;
      for (const transports of [undefined, ['websocket' as const]]) {
        const err = await refusal(SioTestClient.connectSio(base(), { appToken: token, transports }));
        expect(err.message).to.equal('missing or wrong appToken');
        expect(err.data).to.deep.equal({ status: 401, error: 'missing or wrong appToken' });
      }
      expect(srv().server.stats.rejectedUpgrades.unauthorized).to.equal(before + 2);
      expect(srv().server.inspectState().connections).to.equal(0);
    });
  }
});

describe('Socket.IO door: corsPolicyOrigin', () => {
  const srv = useTestServer({ corsPolicyOrigin: 'https://app.example' });
  const base = () => `http://127.0.0.1:${srv().wsPort}`;

  it('refuses an Origin that is not allowed at the handshake (connect_error), admits an allowed one', async () => {
    const before = srv().server.stats.rejectedUpgrades.origin ?? 0;
    for (const transports of [['polling' as const], ['websocket' as const]]) {
      await refusal(SioTestClient.connectSio(base(), { transports, extraHeaders: { origin: 'https://evil.example' } }));
    }
    expect(srv().server.stats.rejectedUpgrades.origin).to.equal(before + 2);
    const ok = await SioTestClient.connectSio(base(), { extraHeaders: { origin: 'https://app.example' } });
    await ok.hello('allowed-origin');
  });

  it('answers CORS for cross-origin long-polling with the allowed origin', async () => {
    const res = await fetch(`${base()}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://app.example' } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('access-control-allow-origin')).to.equal('https://app.example');
    await res.text();
  });
});

describe('Socket.IO door: maxConcurrentUsers counts both doors', () => {
  const srv = useTestServer({ maxConcurrentUsers: 2 });
  const base = () => `http://127.0.0.1:${srv().wsPort}`;

  it('refuses a Socket.IO client when raw and Socket.IO connections fill the server, and a raw one too', async () => {
    const raw = await helloClient(srv().url(), 'raw');
    const sio = await SioTestClient.connectSio(base());
    await sio.hello('sio');
    const before = srv().server.stats.rejectedUpgrades.capacity ?? 0;
    await refusal(SioTestClient.connectSio(base()));
    await refusal(SioTestClient.connectSio(base(), { transports: ['websocket'] }));
    const rawRefused = await TestClient.connect(srv().url()).then(() => null, (err: unknown) => err);
    expect(rawRefused).to.be.instanceOf(UpgradeRefused);
    expect((rawRefused as UpgradeRefused).status).to.equal(503);
    expect(srv().server.stats.rejectedUpgrades.capacity).to.equal(before + 3);
    // A seat freed on one door is taken on the other.
    await raw.close();
    await waitFor(() => srv().server.inspectState().connections === 1, 'the raw connection released');
    const again = await SioTestClient.connectSio(base());
    await again.hello('sio-again');
  });
});

describe('Socket.IO door: hello timeout and rate limit', () => {
  const srv = useTestServer({ helloTimeoutMs: 300, rateLimit: { messagesPerSecond: 1, burst: 3 } });
  const base = () => `http://127.0.0.1:${srv().wsPort}`;

  it('sends 408001 to a client that never answers hello, then disconnects it (the client does not reconnect)', async () => {
    const c = await SioTestClient.connectSio(base());
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } }, 3000);
    expect(err.jsongle.description.errorCode).to.equal(408001);
    const closed = await c.expectClose(3000);
    expect(closed.reason).to.equal('io server disconnect');
    await waitFor(() => srv().server.inspectState().connections === 0, 'the connection released');
  });

  it('answers 429001 past the burst, and disconnects a client that keeps going', async () => {
    const c = await SioTestClient.connectSio(base(), { transports: ['websocket'] });
    await c.hello('flooder');
    for (let i = 0; i < 20; i++) c.send({ id: String(i), to: 'jsongle-server', jsongle: { action: 'session-metrics', description: {} } });
    const limited = await c.expectMessage({ jsongle: { action: 'session-error', description: { errorCode: 429001 } } });
    expect(limited.to).to.equal(c.connectionId);
    expect((await c.expectClose(3000)).reason).to.equal('io server disconnect');
    expect(srv().server.stats.serverCloses.rateLimit).to.be.greaterThan(0);
  });
});

describe('Socket.IO door: drain', () => {
  it('sends 503001 to Socket.IO and raw clients alike, and ends them', async () => {
    const srv = await startTestServer({ drainTimeoutMs: 3000 });
    const base = `http://127.0.0.1:${srv.wsPort}`;
    try {
      const sio = await SioTestClient.connectSio(base);
      await sio.hello('sio-drained');
      const upgraded = await SioTestClient.connectSio(base, { transports: ['websocket'] });
      await upgraded.hello('ws-sio-drained');
      const raw = await helloClient(srv.url(), 'raw-drained');
      const stopped = srv.stop();
      for (const c of [sio, upgraded, raw]) {
        const m = await c.expectMessage({ jsongle: { action: 'session-error' } });
        expect(m.jsongle.description.errorCode).to.equal(503001);
      }
      // A drained Socket.IO client sees its transport close (and would reconnect, elsewhere).
      expect((await sio.expectClose(3000)).reason).to.equal('transport close');
      expect((await upgraded.expectClose(3000)).reason).to.equal('transport close');
      expect((await raw.expectClose(3000)).code).to.equal(1001);
      await stopped;
      expect(srv.server.inspectState().connections).to.equal(0);
    } finally {
      await srv.stop();
    }
  });
});

describe('Socket.IO door: identity tokens (auth.jwt*)', () => {
  const SECRET = 'sio-identity-secret-0123456789abcdef0123';
  const srv = useTestServer({ auth: { jwtSecret: SECRET } });
  const base = () => `http://127.0.0.1:${srv().wsPort}`;

  it('refuses a missing or bad token with connect_error 401, as the raw door answers HTTP 401', async () => {
    for (const token of [undefined, 'not-a-jwt']) {
      const err = await refusal(SioTestClient.connectSio(base(), { query: token === undefined ? undefined : { token } }));
      expect((err.data as { status: number }).status).to.equal(401);
    }
    expect(srv().server.inspectState().connections).to.equal(0);
  });

  it('binds the hello to the token\'s sub: another uid gets 403005, the token\'s own is welcome', async () => {
    const token = await mintToken({ sub: 'alice', ttlSec: 60, key: { secret: SECRET } });
    const c = await SioTestClient.connectSio(base(), { query: { token } });
    const refused = await c.hello('mallory').then(() => 'accepted', (err: Error) => err.message);
    expect(refused).to.match(/^hello refused/);
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(403005);
    const ok = await c.hello('alice');
    expect(ok.jsongle.status).to.equal('success');
  });
});
