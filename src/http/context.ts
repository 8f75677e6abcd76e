/** What the monitoring routes may read or do: handed in by server.ts, no singletons. */
import type { Config } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';
import type { ClusterStatus } from '../observability/cluster-status.js';
import type { TokenVerifier } from '../auth/jwt.js';

export interface MonitoringContext {
  readonly config: Config;
  readonly stats: Stats;
  readonly logger: Logger;
  readonly version: string;
  /** Config `info`: /about says what the session-hello says. */
  readonly description: string;
  /** ISO date the server started. */
  readonly started: string;
  /** Both ports serve TLS. */
  readonly tls: boolean;
  /** uWebSockets.js runs its native binary (always true: the server refuses to start otherwise). */
  readonly uwsNative: boolean;
  /** The WebSocket port actually listened on (config wsPort may be 0). */
  wsPort(): number;
  /** The monitoring port actually listened on. */
  restPort(): number;
  /** Open connections of both doors (users_count). */
  connectionCount(): number;
  /** Of which through the Socket.IO door (absent: none). */
  socketIOCount?(): number;
  /** Rooms of each kind that exist now. */
  roomCounts(): { p2p: number; muc: number };
  /** Supervisor state: accepting | draining | stopped. */
  lifecycle(): string;
  /** The Redis engine's health and counters; null with the local engine. */
  cluster(): ClusterStatus | null;
  /** Identity tokens (auth.jwt*): the self-check mints its own; absent or null: none needed. */
  readonly tokenVerifier?: TokenVerifier | null;
}
