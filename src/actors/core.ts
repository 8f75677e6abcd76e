/**
 * What the actor implementations share: built once per server by server.ts and passed down
 * (no module-level singletons, so two servers can run in one test process).
 */
import type { Config } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';
import type { MessageBuilder } from '../protocol/build.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { Socket } from '../transport/socket-data.js';
import type { RoomRegistry } from './rooms.js';

export interface ServerCore {
  readonly config: Config;
  readonly logger: Logger;
  readonly stats: Stats;
  readonly builder: MessageBuilder;
  readonly pubsub: PubSub<Socket>;
  readonly registry: RoomRegistry;
  /** Open sockets by connection id: owned by the supervisor. */
  readonly sockets: Map<string, Socket>;
}
