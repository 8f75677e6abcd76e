/**
 * The hooks every integration suite needs: one server for the suite (started with the config
 * the suite tests), and every client closed after each test so no socket outlives its test.
 */
import type { ConfigOverrides } from '../../src/config/types.js';
import { closeAllClients } from './client.js';
import { startTestServer, type TestServer } from './server.js';

/** Call inside describe(); the returned getter gives the running server inside tests. */
export function useTestServer(overrides: ConfigOverrides = {}): () => TestServer {
  let srv: TestServer | undefined;
  before(async () => {
    srv = await startTestServer(overrides);
  });
  afterEach(closeAllClients);
  after(async () => {
    await closeAllClients();
    await srv?.stop();
  });
  return () => {
    if (!srv) throw new Error('test server not started');
    return srv;
  };
}
