/**
 * The two Redis connections of one node (colyseus redis-presence's shape): `cmd` runs the Lua
 * scripts and every PUBLISH (one connection, so whatever this node publishes reaches every other
 * node in the order it was published: per-sender order across nodes), `sub` holds the node's
 * subscriptions.
 *
 * Failures are fast and loud, never queued: with the offline queue off, a command issued while
 * Redis is unreachable fails at once (a join answers 503002) instead of waiting in memory for an
 * unknown time, and a command in flight when the link drops is failed, not resent (a resent
 * membership script could apply twice). ioredis reconnects by itself; the node re-subscribes and
 * re-synchronises when both connections are ready again (redis-cluster.ts).
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { SCRIPTS, type ScriptName } from './scripts.js';

/** Reconnect every 100 ms at first, backing off to 2 s: an outage is retried for ever. */
const retryStrategy = (attempt: number): number => Math.min(100 * attempt, 2000);

const OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  // Subscriptions are restored by the node (it knows which rooms it still serves).
  autoResubscribe: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 2000,
  lazyConnect: true,
  retryStrategy,
};

export type ScriptRunner = (name: ScriptName, args: (string | number)[]) => Promise<unknown>;

export class RedisLink {
  readonly cmd: Redis;
  readonly sub: Redis;
  private lastErrorLogged = 0;
  lastError = '';
  /** Called before each script: RedisPubSub writes its pending frames first, keeping issue order. */
  beforeCommand: (() => void) | null = null;

  constructor(url: string, nodeId: string, private readonly logger: Logger) {
    // Auto-pipelining writes every command issued in one tick in one socket write (a burst of
    // relays becomes one write), in issue order: per-sender order is kept.
    this.cmd = new Redis(url, { ...OPTIONS, enableAutoPipelining: true, connectionName: `jsongle:${nodeId}:cmd` });
    this.sub = new Redis(url, { ...OPTIONS, connectionName: `jsongle:${nodeId}:sub` });
    for (const script of Object.keys(SCRIPTS) as ScriptName[]) {
      this.cmd.defineCommand(script, { numberOfKeys: 0, lua: SCRIPTS[script] });
    }
    for (const [name, conn] of [['cmd', this.cmd], ['sub', this.sub]] as const) {
      // Without an 'error' listener ioredis reports every failed reconnect as unhandled.
      conn.on('error', (err: Error) => this.onError(name, err));
    }
  }

  /** Runs one of scripts.ts's scripts (EVALSHA, EVAL on NOSCRIPT: Redis restarted empty). */
  readonly run: ScriptRunner = (name, args) => {
    try {
      this.beforeCommand?.();
      return (this.cmd as unknown as Record<ScriptName, (...a: (string | number)[]) => Promise<unknown>>)[name](...args);
    } catch (err) {
      // Callers run inside actor actions: a failure is a rejected promise, never a throw.
      return Promise.reject(err);
    }
  };

  get cmdReady(): boolean {
    return this.cmd.status === 'ready';
  }

  get subReady(): boolean {
    return this.sub.status === 'ready';
  }

  async connect(): Promise<void> {
    await Promise.all([this.cmd.connect(), this.sub.connect()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.cmd, this.sub].map(async (conn) => {
      if (conn.status === 'ready') await conn.quit().catch(() => conn.disconnect());
      else conn.disconnect();
    }));
  }

  /** Loud but bounded: one error line per second at most while Redis stays unreachable. */
  private onError(conn: string, err: Error): void {
    this.lastError = `${conn}: ${err.message}`;
    const now = Date.now();
    if (now - this.lastErrorLogged < 1000) return;
    this.lastErrorLogged = now;
    this.logger.error('redis connection error', { connection: conn, error: err.message });
  }
}
