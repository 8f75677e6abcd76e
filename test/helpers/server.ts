/**
 * Starts the real server on ephemeral loopback ports for one suite. Config comes only from the
 * overrides (env and argv are empty) so a developer's environment can never change a test.
 */
import { loadConfig } from '../../src/config/load.js';
import type { ConfigOverrides } from '../../src/config/types.js';
import type { Logger } from '../../src/observability/logger.js';
import { createServer, type ServerOptions } from '../../src/server.js';

export type ServerHandle = ReturnType<typeof createServer>;

export interface TestServer {
  server: ServerHandle;
  wsPort: number;
  restPort: number;
  /** The server id (config `id`): `from` of server-made messages, `to` of requests. */
  serverId: string;
  /** WebSocket URL, with `?appToken=` when a token is given. */
  url(token?: string, path?: string): string;
  /** Base URL of the monitoring HTTP port. */
  restUrl: string;
  stop(): Promise<void>;
}

export async function startTestServer(overrides: ConfigOverrides = {}, options: ServerOptions & { logger?: Logger } = {}): Promise<TestServer> {
  const config = loadConfig({
    env: {},
    argv: [],
    // Quiet logs keep the mocha output readable; ports 0 let suites run side by side.
    // Resume is off unless a suite configures it (`resume: {...}`): the suites written for "a dropped
    // socket ends the session at once" keep testing that; test/integration/resume/ tests the default.
    overrides: { wsPort: 0, restPort: 0, logDefaultLevel: 'error', resume: { windowSec: 0 }, ...overrides },
  });
  const server = createServer(config, options);
  const { wsPort, restPort } = await server.start();
  return {
    server,
    wsPort,
    restPort,
    serverId: config.id,
    restUrl: `http://127.0.0.1:${restPort}`,
    url(token?: string, path = '/') {
      const base = `ws://127.0.0.1:${wsPort}${path}`;
      return token === undefined ? base : `${base}?appToken=${encodeURIComponent(token)}`;
    },
    async stop() {
      await server.stop();
    },
  };
}
