/** The relay contract (test/contracts/relay-contract.ts) over RedisPubSub: the endpoints are two nodes on one Redis. */
import { RELAY_CONTRACT_CONFIG, describeRelayContract } from '../contracts/relay-contract.js';
import { useInProcessNodes } from './helpers.js';

describe('RedisPubSub', () => {
  const cluster = useInProcessNodes([
    { id: 'contract-a', overrides: RELAY_CONTRACT_CONFIG },
    { id: 'contract-b', overrides: RELAY_CONTRACT_CONFIG },
  ]);
  describeRelayContract('RedisPubSub (two nodes, one Redis)', () => [cluster.nodes[0].url, cluster.nodes[1].url]);
});
