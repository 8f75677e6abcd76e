/** The Directory contract (test/contracts/directory-contract.ts) against RedisDirectory on a real Redis. */
import { randomUUID } from 'node:crypto';
import { describeDirectoryContract } from '../contracts/directory-contract.js';
import { startDirectoryNode } from './directory-node.js';
import { useRedis } from './helpers.js';

describe('Redis directory', () => {
  const fixture = useRedis();

  describeDirectoryContract('RedisDirectory (Lua scripts on a real Redis)', async () => {
    const node = await startDirectoryNode(fixture.redis.url, `dir-contract-${randomUUID().slice(0, 8)}`, { maxDevicesPerUser: 3 });
    return { directory: node.directory, maxDevicesPerUser: 3, stop: () => node.stop() };
  });
});
