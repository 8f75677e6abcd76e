/** The Membership contract (test/contracts/membership-contract.ts) against RedisMembership on a real Redis. */
import { randomUUID } from 'node:crypto';
import { RedisCluster } from '../../src/cluster/redis-cluster.js';
import { loadConfig } from '../../src/config/load.js';
import { Connections } from '../../src/connections/connections.js';
import { Stats } from '../../src/observability/stats.js';
import { MessageBuilder } from '../../src/protocol/build.js';
import { Rooms } from '../../src/rooms/rooms.js';
import { createApp } from '../../src/transport/uws.js';
import { describeMembershipContract } from '../contracts/membership-contract.js';
import { fakeConnector } from '../helpers/fake-socket.js';
import { RecordingLogger } from '../helpers/logger.js';
import { useRedis } from './helpers.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS } from './nodes.js';

describe('Redis membership', () => {
  const fixture = useRedis();

  describeMembershipContract('RedisMembership (Lua scripts on a real Redis)', async () => {
    const config = loadConfig({
      env: {}, argv: [],
      overrides: {
        wsPort: 0, restPort: 0, logDefaultLevel: 'error',
        cluster: { engine: 'redis', redisUrl: fixture.redis.url, nodeId: `contract-${randomUUID().slice(0, 8)}`, heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, heartbeatTtlMs: HEARTBEAT_TTL_MS },
      },
    });
    const stats = new Stats();
    const builder = new MessageBuilder({ id: config.id, version: '3', info: '' });
    const cluster = new RedisCluster(config, new RecordingLogger(), createApp(config));
    const connections = new Connections({ stats, builder, pubsub: cluster.pubsub, onDeparture: () => undefined });
    const rooms = new Rooms({ io: connections, stats }, builder, config.multiRoomPrefix);
    const membership = cluster.attach(rooms, connections);
    await cluster.start();
    const cli = fixture.redis.cli();
    return {
      membership,
      rooms,
      connections,
      connect: fakeConnector(connections),
      storedMembers: async (rid) => cli.hkeys(`${config.cluster.keyPrefix}r:${rid}:m`),
      stop: async () => {
        membership.clear();
        await cluster.stop();
      },
    };
  });
});
