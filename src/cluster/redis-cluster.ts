/**
 * One node of a Redis-coordinated cluster: the link, the interest-based room channels, RedisPubSub,
 * RedisMembership, the heartbeat and the clean-up of dead nodes, and recovery after an outage.
 *
 * Health: the node is healthy when both Redis connections are ready, Redis answers (the last
 * script did not time out: a frozen Redis keeps its connections "ready"), and Redis holds exactly
 * this node's memberships (a resync ran after the last reconnect or stall). The heartbeat is the
 * liveness probe: it times out after cluster.commandTimeoutMs when Redis is silent (→ unhealthy at
 * once), and its first answer afterwards starts the resync (→ healthy). While unhealthy, joins answer
 * 503002, leaves are decided by the mirror, relays inside this process keep flowing, and frames
 * for other nodes are dropped and counted. Every transition is logged (error going down, info
 * coming back) and status() reports it for /tests and the metrics.
 */
import { randomUUID } from 'node:crypto';
import type { TemplatedApp } from 'uWebSockets.js';
import type { Config } from '../config/types.js';
import type { Connections } from '../connections/connections.js';
import type { Logger } from '../observability/logger.js';
import { Interest } from './interest.js';
import { RedisNames } from './keys.js';
import { CommandTimeout, RedisLink } from './redis-link.js';
import { RedisMembership } from './redis-membership.js';
import type { ClusterStatus } from '../observability/cluster-status.js';
import { RedisPubSub } from './redis-pubsub.js';
import { RedisCallBus } from './redis-call-bus.js';
import { RedisDirectory } from './redis-directory.js';
import type { Rooms } from '../rooms/rooms.js';
import type { AdminBus } from '../admin/cluster-peers.js';


/** How long start() waits for Redis before serving anyway (unhealthy, recovering in the background). */
const START_WAIT_MS = 5000;

export class RedisCluster {
  readonly nodeId: string;
  readonly pubsub: RedisPubSub;
  /** Calls whose parties sit on two nodes (src/calls/call-bus.ts). */
  readonly callBus: RedisCallBus;
  /** Which connections a uid is reachable at, on every node (src/users/directory.ts). */
  readonly directory: RedisDirectory;
  /**
   * A node was removed from the cluster (its heartbeat expired and some node reaped it, or it
   * stopped): its members and registrations are gone from Redis, so call owners end the calls
   * whose parties were there. Fires once per removed node on every live node, this one included,
   * never for this node itself, within one heartbeat interval of the removal.
   *
   * How: the reap (or stop) appends the node to a log in Redis, in the same script that removes
   * it, and every node reads the log past its own cursor in each heartbeat (jsongleGoneSince).
   * Not a pub/sub notice from the reaper: a node whose subscriber link is down at that moment
   * would never hear it, while a cursor catches up when the link returns; and whichever node
   * reaps, every node reads the same log, once each, because only the answer moves its cursor.
   */
  onNodeGone: (nodeId: string) => void = () => {};
  /** How far this node has read the gone log (-1: not yet; the first resync starts it at the log's end). */
  private goneCursor = -1;
  private readonly link: RedisLink;
  private readonly names: RedisNames;
  private readonly interest: Interest;
  private readonly nodeChannel: string;
  private membership: RedisMembership | null = null;
  private rooms: Rooms | null = null;
  private healthy = false;
  private dirty = true;
  private stopped = false;
  private recovering: Promise<void> | null = null;
  private recoverAgain = false;
  private heartbeat: NodeJS.Timeout | null = null;
  /** A beat still waiting for Redis: the next tick skips (a slow Redis must not pile beats up). */
  private beating = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private outages = 0;
  private resyncs = 0;
  private reapedMembers = 0;
  private heartbeats = 0;
  private becameHealthy: (() => void) | null = null;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    app: TemplatedApp,
  ) {
    const c = config.cluster;
    this.nodeId = c.nodeId || `${process.pid}-${randomUUID().slice(0, 8)}`;
    this.names = new RedisNames(c.keyPrefix);
    this.nodeChannel = this.names.nodeChannel(this.nodeId);
    this.link = new RedisLink(c.redisUrl, this.nodeId, logger, c.commandTimeoutMs);
    this.link.onStall = (script) => this.down(`redis did not answer ${script} within ${c.commandTimeoutMs} ms`);
    this.interest = new Interest(this.link.sub, this.names, (topic) => {
      const room = this.rooms?.ofTopic(topic);
      return room !== undefined && room.members.size > room.remoteMembers;
    });
    this.pubsub = new RedisPubSub(app, this.link, this.names, this.nodeId, () => this.healthy);
    this.callBus = new RedisCallBus(this.nodeId, c.keyPrefix, c.heartbeatTtlMs, this.pubsub, this.link.run, logger);
    this.directory = new RedisDirectory({
      nodeId: this.nodeId,
      prefix: c.keyPrefix,
      maxDevicesPerUser: config.users.maxDevicesPerUser,
      run: this.link.run,
      logger,
      isHealthy: () => this.healthy,
      isAnswering: () => this.link.cmdReady,
      markDirty: (reason) => this.markDirty(reason),
    });
    this.link.sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    for (const conn of [this.link.cmd, this.link.sub]) {
      conn.on('ready', () => this.scheduleRecover());
      conn.on('close', () => this.down('redis connection lost'));
    }
  }

  /** The membership authority, once the room and connection owners exist (frames from other nodes go to them). */
  attach(rooms: Rooms, connections: Connections): RedisMembership {
    this.rooms = rooms;
    this.pubsub.deliverToConnection = (connId, frame) => connections.send(connId, frame);
    this.membership = new RedisMembership({
      rooms,
      connections,
      logger: this.logger,
      heartbeatTtlMs: this.config.cluster.heartbeatTtlMs,
      nodeId: this.nodeId,
      prefix: this.config.cluster.keyPrefix,
      run: this.link.run,
      interest: this.interest,
      isHealthy: () => this.healthy,
      markDirty: (reason) => this.markDirty(reason),
      noticeTimeoutMs: this.config.cluster.heartbeatTtlMs,
    });
    return this.membership;
  }

  /** Connects and synchronises; after START_WAIT_MS the server starts anyway, unhealthy and loud. */
  async start(): Promise<void> {
    const ready = new Promise<void>((resolve) => { this.becameHealthy = resolve; });
    this.link.connect().catch((err: Error) => this.logger.error('redis unreachable at start', { url: maskUrl(this.config.cluster.redisUrl), error: err.message }));
    this.heartbeat = setInterval(() => void this.beat(), this.config.cluster.heartbeatIntervalMs);
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([ready.then(() => true), new Promise<boolean>((r) => { timer = setTimeout(() => r(false), START_WAIT_MS); })]);
    clearTimeout(timer);
    if (!waited) this.logger.error('cluster not ready: serving without redis (joins answer 503002) until it is reachable', { nodeId: this.nodeId });
    else this.logger.info('cluster node ready', { nodeId: this.nodeId, engine: 'redis' });
  }

  /** After the supervisor stopped: what this node still holds in Redis is removed and announced. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.link.cmdReady) {
      await this.link.run('jsongleStop', [this.config.cluster.keyPrefix, this.nodeId]).catch((err: Error) =>
        this.logger.error('redis clean-up at stop failed', { error: err.message }));
    }
    await this.link.close();
  }

  /** Resume across nodes: hand-over requests and answers ('r') on the node channels (src/cluster/resume-handover.ts). */
  resumeHandler: ((body: string) => void) | null = null;

  // --- admin API (src/admin/cluster-peers.ts): requests and answers ('a') on the node channels ---
  private adminHandler: ((payload: string) => void) | null = null;

  adminBus(): AdminBus {
    const cluster = this;
    return {
      nodeId: this.nodeId,
      nodes: async () => (await this.link.cmd.smembers(`${this.config.cluster.keyPrefix}nodes`)) as string[],
      publish: (node, payload) => {
        this.link.cmd.publish(this.names.nodeChannel(node), 'a' + payload).catch((err: Error) =>
          this.logger.warn('admin message not published', { node, error: err.message }));
      },
      set onMessage(fn: ((payload: string) => void) | null) { cluster.adminHandler = fn; },
      get onMessage() { return cluster.adminHandler; },
    };
  }
  // --- end admin API ---

  /** Cheap and synchronous (a field): Redis reachable, answering, and holding this node's memberships. */

  status(): ClusterStatus {
    return {
      engine: 'redis',
      nodeId: this.nodeId,
      healthy: this.healthy,
      redis: { cmd: this.link.cmd.status, sub: this.link.sub.status },
      answering: this.link.isAnswering,
      lastError: this.link.lastError,
      outages: this.outages,
      resyncs: this.resyncs,
      reapedMembers: this.reapedMembers,
      heartbeats: this.heartbeats,
      commandTimeouts: this.link.timeouts,
      roomChannels: this.interest.size,
      frames: { ...this.pubsub.counters },
    };
  }

  private onMessage(channel: string, message: string): void {
    if (channel === this.nodeChannel) {
      if (message.charCodeAt(0) === 0x6d /* m */) this.membership?.onNotice(message.slice(1));
      else if (message.charCodeAt(0) === 0x63 /* c */) this.pubsub.onConnectionFrame(message.slice(1));
      else if (message.charCodeAt(0) === 0x61 /* a */) this.adminHandler?.(message.slice(1)); // admin API requests/answers
      else if (message.charCodeAt(0) === 0x6b /* k */) this.callBus.onMessage(message.slice(1));
      else if (message.charCodeAt(0) === 0x72 /* r */) this.resumeHandler?.(message.slice(1)); // resume across nodes

      return;
    }
    const topic = this.names.topicOfChannel(channel);
    if (topic !== null) this.pubsub.onRoomFrame(topic, message);
  }

  private down(reason: string): void {
    if (this.stopped) return;
    this.dirty = true;
    this.membership?.failWaiting(reason);
    if (!this.healthy) return;
    this.healthy = false;
    this.outages++;
    this.logger.error('cluster unhealthy: redis lost or not answering; joins answer 503002, rooms inside this process keep relaying', {
      nodeId: this.nodeId, reason, cmd: this.link.cmd.status, sub: this.link.sub.status, answering: this.link.isAnswering,
    });
  }

  private markDirty(reason: string): void {
    if (this.stopped) return;
    if (this.healthy) {
      this.healthy = false;
      this.logger.warn('cluster state may differ from redis: re-synchronising', { nodeId: this.nodeId, reason });
    }
    this.dirty = true;
    this.scheduleRecover();
  }

  /** Runs recover() once at a time; a request during a run runs it again afterwards. */
  private scheduleRecover(): void {
    if (this.stopped) return;
    if (this.recovering) {
      this.recoverAgain = true;
      return;
    }
    this.recovering = this.recover().finally(() => {
      this.recovering = null;
      if (this.recoverAgain) {
        this.recoverAgain = false;
        this.scheduleRecover();
      }
    });
  }

  private async recover(): Promise<void> {
    const membership = this.membership;
    if (!membership || !this.link.cmdReady || !this.link.subReady || this.stopped) return;
    this.healthy = false;
    try {
      await this.interest.resubscribe(this.nodeChannel);
      // Operations already under way finish first (they fail fast without Redis, and new joins are refused).
      const until = Date.now() + this.config.cluster.heartbeatTtlMs + 1000;
      while ((membership.inFlight > 0 || this.directory.inFlight > 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      const registrations = await this.directory.resync();
      // Before this node is first healthy it holds nothing anyone could have reached: the nodes
      // gone until now are none of its business, every one gone after is (read in the beats).
      if (this.goneCursor < 0) this.nodesGone((await this.link.run('jsongleGoneSince', [this.config.cluster.keyPrefix, -1])) as (string | number)[]);
      // The memberships last: their resync announces this node's members again (`joined` elsewhere),
      // and a member that hears it may relay at once, so nothing may stand between it and `healthy`.
      const kept = await membership.resync();
      if (this.stopped) return;
      this.resyncs++;
      this.dirty = false;
      this.healthy = true;
      this.logger.info('cluster healthy: memberships synchronised with redis', { nodeId: this.nodeId, members: kept, registrations, resyncs: this.resyncs });
      this.becameHealthy?.();
      this.becameHealthy = null;
    } catch (err) {
      this.logger.error('cluster resync failed; retrying', { nodeId: this.nodeId, error: (err as Error).message });
      this.retryTimer = setTimeout(() => this.scheduleRecover(), this.config.cluster.heartbeatIntervalMs);
    }
  }

  /**
   * Heartbeat, then the clean-up of nodes whose heartbeat expired (any node may do it; the script
   * runs once per dead node). Sent while Redis is silent too: it is the probe that notices a stall
   * (its timeout) and the end of one (its answer).
   */
  private async beat(): Promise<void> {
    if (!this.link.cmdConnected || this.stopped || this.beating) return;
    this.beating = true;
    const { keyPrefix: prefix, heartbeatTtlMs: ttl, heartbeatIntervalMs: interval } = this.config.cluster;
    try {
      const added = await this.link.run('jsongleHeartbeat', [prefix, this.nodeId, ttl, interval]);
      // Not registered while we thought we were: reaped while alive (a stall), or Redis lost its data.
      if (added === 1 && this.healthy) this.markDirty('node was not registered in redis');
      else if (this.dirty && !this.recovering) this.scheduleRecover();
      // Sent in one write: the gone log is read after this reap ran, so the reaper hears at once.
      // Not read before the first resync started the cursor (recover), so no start-up read races it.
      const [reaped, gone] = (await Promise.all([
        this.link.run('jsongleReap', [prefix, ttl, interval]),
        this.goneCursor < 0 ? null : this.link.run('jsongleGoneSince', [prefix, this.goneCursor]),
      ])) as [(string | number)[], (string | number)[] | null];
      for (let i = 0; i < reaped.length; i += 2) {
        this.reapedMembers += Number(reaped[i + 1]);
        this.logger.warn('removed the members and registrations of a dead node', { deadNode: reaped[i], members: Number(reaped[i + 1]), by: this.nodeId });
      }
      this.heartbeats++;
      if (gone !== null) this.nodesGone(gone);
    } catch (err) {
      // A timeout was reported (at most once per outage) by down(); anything else is logged here.
      if (!(err instanceof CommandTimeout)) this.logger.error('heartbeat failed', { nodeId: this.nodeId, error: (err as Error).message });
    } finally {
      this.beating = false;
    }
  }

  /** The answer of jsongleGoneSince: the new cursor, then the nodes removed since the old one. */
  private nodesGone([seq, ...nodes]: (string | number)[]): void {
    this.goneCursor = Number(seq);
    if (this.stopped) return;
    for (const node of nodes) {
      // This node reaped while alive (a stall): it writes itself back; nothing of it is gone here.
      if (node === this.nodeId) continue;
      try {
        this.onNodeGone(String(node));
      } catch (err) {
        this.logger.error('onNodeGone failed', { deadNode: node, error: (err as Error).message });
      }
    }
  }
}

/** redis://user:password@host → redis://user:***@host for logs. */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
