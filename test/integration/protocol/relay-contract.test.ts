/** The relay contract (test/contracts/relay-contract.ts) over LocalPubSub: both endpoints are one server. */
import { RELAY_CONTRACT_CONFIG, describeRelayContract } from '../../contracts/relay-contract.js';
import { useTestServer } from '../../helpers/suite.js';

describe('LocalPubSub', () => {
  const srv = useTestServer(RELAY_CONTRACT_CONFIG);
  describeRelayContract('LocalPubSub (one process, uWS topics)', () => [srv().url(), srv().url()]);
});
