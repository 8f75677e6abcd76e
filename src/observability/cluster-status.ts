/**
 * What the Redis engine reports about itself, as plain data: the metrics, /stats and /tests read
 * it without depending on the engine (src/cluster/ produces it; null with the local engine).
 */
export interface ClusterFrameCounters {
  /** Frames published to Redis (room channels and other nodes' channels). */
  published: number;
  /** PUBLISH commands they took (several frames of one channel share one). */
  publishCommands: number;
  /** Frames from other nodes delivered to this node's sockets. */
  received: number;
  /** Frames for other nodes dropped because Redis was unreachable. */
  dropped: number;
  /** Frames for a connection of this node that is gone. */
  unroutable: number;
}

export interface ClusterStatus {
  readonly engine: 'redis';
  readonly nodeId: string;
  /** Redis reachable and this node's memberships in it: what /tests reports (503 when false). */
  readonly healthy: boolean;
  readonly redis: { readonly cmd: string; readonly sub: string };
  /** False from a script timing out (Redis frozen or black-holed) until Redis answers again. */
  readonly answering: boolean;
  readonly lastError: string;
  /** Times the node went unhealthy, resyncs completed, members of dead nodes this node removed. */
  readonly outages: number;
  readonly resyncs: number;
  readonly reapedMembers: number;
  /** Heartbeats answered (each followed by a look for dead nodes): tests wait for rounds with it. */
  readonly heartbeats: number;
  /** Scripts Redis did not answer within cluster.commandTimeoutMs (each a stall sign; a join among them answered 503002). */
  readonly commandTimeouts: number;
  /** Room channels subscribed now (interest). */
  readonly roomChannels: number;
  readonly frames: Readonly<ClusterFrameCounters>;
}
