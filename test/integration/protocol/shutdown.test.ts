/**
 * protocol.md § Errors, 503001 (and § Shutdown as far as the wire shows it): every connection,
 * whatever its state, gets session-error 503001 and then close code 1001.
 */
import { expect } from 'chai';
import { TestClient, UpgradeRefused, closeAllClients } from '../../helpers/client.js';
import { p2pPair } from '../../helpers/rooms.js';
import { startTestServer } from '../../helpers/server.js';
import { rid } from '../../helpers/ids.js';

describe('Shutdown: 503001 then close 1001', () => {
  afterEach(closeAllClients);

  it('sends session-error 503001 then closes with 1001 every connection, helloed or not, in a room or not', async () => {
    const srv = await startTestServer({ drainTimeoutMs: 2000 });
    try {
      const fresh = await TestClient.connect(srv.url());
      await fresh.waitHelloRequest();
      const lonely = await TestClient.connect(srv.url());
      await lonely.hello('lonely');
      const [a, b] = await p2pPair(srv.url(), rid());
      const stopping = srv.stop();
      for (const c of [fresh, lonely, a, b]) {
        const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
        expect(err.jsongle.description.errorCode).to.equal(503001);
        expect(err.jsongle.description.errorDetails).to.be.a('string').and.not.equal('');
        expect((await c.expectClose()).code).to.equal(1001);
      }
      await stopping;
    } finally {
      await srv.stop();
    }
  });

  it('refuses new connections once stop() has been called', async () => {
    const srv = await startTestServer();
    const url = srv.url();
    const stopping = srv.stop();
    try {
      await TestClient.connect(url);
      expect.fail('a connection was accepted during shutdown');
    } catch (err) {
      // 503 while draining, or no listener at all once the port is closed.
      if (err instanceof UpgradeRefused) expect(err.status).to.equal(503);
      else expect((err as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
    }
    await stopping;
  });
});
