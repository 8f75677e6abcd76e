/** The Membership contract (test/contracts/membership-contract.ts) against LocalMembership. */
import { Connections } from '../../src/connections/connections.js';
import { Stats } from '../../src/observability/stats.js';
import { MessageBuilder } from '../../src/protocol/build.js';
import { LocalPubSub } from '../../src/pubsub/local.js';
import { LocalMembership } from '../../src/rooms/membership.js';
import { Rooms } from '../../src/rooms/rooms.js';
import type { SocketData } from '../../src/transport/socket-data.js';
import { describeMembershipContract } from '../contracts/membership-contract.js';
import { fakeConnector } from '../helpers/fake-socket.js';

describeMembershipContract('LocalMembership (one process)', async () => {
  const stats = new Stats();
  const builder = new MessageBuilder({ id: 'jsongle-server', version: '3', info: '' });
  const connections = new Connections({ stats, builder, pubsub: new LocalPubSub<SocketData>(), onDeparture: () => undefined });
  const rooms = new Rooms({ io: connections, stats }, builder, 'muc/');
  return {
    membership: new LocalMembership(rooms),
    rooms,
    connections,
    connect: fakeConnector(connections),
    storedMembers: async (rid) => [...(rooms.get(rid)?.members.keys() ?? [])],
    stop: async () => undefined,
  };
});
