/**
 * Cluster nodes for the suite. Processes (dist/src/main.js, configured by environment as operators
 * do) when a test kills one with SIGKILL; in-process servers when a test reads a node's state.
 */
import { loadConfig } from '../../src/config/load.js';
import type { ConfigOverrides } from '../../src/config/types.js';
import { createServer, type ServerHandle, type ServerOptions } from '../../src/server.js';
import { startChildServer, type ChildServer } from '../hardening/child-server.js';
import { RecordingLogger } from '../helpers/logger.js';

/** Short heartbeats so a dead node is cleaned up within a few seconds. */
export const HEARTBEAT_INTERVAL_MS = 250;
export const HEARTBEAT_TTL_MS = 1500;

export interface NodeProcess extends ChildServer {
  nodeId: string;
  url: string;
}

export async function startNodeProcess(redisUrl: string, nodeId: string, env: Record<string, string> = {}): Promise<NodeProcess> {
  const child = await startChildServer({
    cluster_engine: 'redis',
    cluster_redisUrl: redisUrl,
    cluster_nodeId: nodeId,
    cluster_heartbeatIntervalMs: String(HEARTBEAT_INTERVAL_MS),
    cluster_heartbeatTtlMs: String(HEARTBEAT_TTL_MS),
    // As in-process nodes: a dropped socket ends its session at once unless a test turns resume on.
    resume_windowSec: '0',
    ...env,
  }, { timeoutMs: 15_000 });
  return Object.assign(child, { nodeId, url: `ws://127.0.0.1:${child.wsPort}/` });
}

export interface InProcessNode {
  server: ServerHandle;
  nodeId: string;
  url: string;
  restPort: number;
  /** Everything the node logged (the outage must be loud). */
  logger: RecordingLogger;
}

export async function startInProcessNode(redisUrl: string, nodeId: string, overrides: ConfigOverrides = {}, options: Pick<ServerOptions, 'inspect'> = {}): Promise<InProcessNode> {
  const config = loadConfig({
    env: {}, argv: [],
    overrides: {
      // Resume off unless a test configures it (as in test/helpers/server.ts).
      wsPort: 0, restPort: 0, logDefaultLevel: 'error', resume: { windowSec: 0 }, ...overrides,
      cluster: { engine: 'redis', redisUrl, nodeId, heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, heartbeatTtlMs: HEARTBEAT_TTL_MS, ...overrides.cluster },
    },
  });
  const logger = new RecordingLogger();
  const server = createServer(config, { logger, ...options });
  const { wsPort, restPort } = await server.start();
  return { server, nodeId, url: `ws://127.0.0.1:${wsPort}/`, restPort, logger };
}
