/**
 * One cluster node reduced to what the directory needs: a RedisCluster with its membership
 * attached (the node turns healthy only once it has resynchronised both), no WebSocket port.
 * What the directory tests drive directly, since the server's users wiring lives elsewhere.
 */
import { RedisCluster } from '../../src/cluster/redis-cluster.js';
import type { RedisDirectory } from '../../src/cluster/redis-directory.js';
import { loadConfig } from '../../src/config/load.js';
import { Connections } from '../../src/connections/connections.js';
import { Stats } from '../../src/observability/stats.js';
import { MessageBuilder } from '../../src/protocol/build.js';
import { Rooms } from '../../src/rooms/rooms.js';
import { createApp } from '../../src/transport/uws.js';
import { RecordingLogger } from '../helpers/logger.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS } from './nodes.js';

export interface DirectoryNode {
  nodeId: string;
  cluster: RedisCluster;
  directory: RedisDirectory;
  /** Every onNodeGone this node fired, in order. */
  gone: string[];
  logger: RecordingLogger;
  stop(): Promise<void>;
}

export async function startDirectoryNode(
  redisUrl: string,
  nodeId: string,
  options: { maxDevicesPerUser?: number; commandTimeoutMs?: number } = {},
): Promise<DirectoryNode> {
  const config = loadConfig({
    env: {}, argv: [],
    overrides: {
      wsPort: 0, restPort: 0, logDefaultLevel: 'error',
      users: { maxDevicesPerUser: options.maxDevicesPerUser ?? 3 },
      cluster: {
        engine: 'redis', redisUrl, nodeId, heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, heartbeatTtlMs: HEARTBEAT_TTL_MS,
        ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
      },
    },
  });
  const stats = new Stats();
  const builder = new MessageBuilder({ id: config.id, version: '3', info: '' });
  const logger = new RecordingLogger();
  const cluster = new RedisCluster(config, logger, createApp(config));
  const connections = new Connections({ stats, builder, pubsub: cluster.pubsub, onDeparture: () => undefined });
  const rooms = new Rooms({ io: connections, stats }, builder, config.multiRoomPrefix);
  const membership = cluster.attach(rooms, connections);
  const gone: string[] = [];
  cluster.onNodeGone = (node) => gone.push(node);
  await cluster.start();
  return {
    nodeId,
    cluster,
    directory: cluster.directory,
    gone,
    logger,
    stop: async () => {
      cluster.directory.clear();
      membership.clear();
      await cluster.stop();
    },
  };
}
