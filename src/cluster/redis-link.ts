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
 *
 * A frozen Redis (SIGSTOP, a stuck host, a black-holed network) keeps the TCP connection open, so
 * ioredis stays "ready" while nothing answers. Every script therefore races a timeout
 * (`cluster.commandTimeoutMs`): past it the caller gets an error at once (a join answers 503002)
 * and the link counts as not answering until some script answers again. The subscriber
 * connection's commands (SUBSCRIBE on a join's path) get ioredis's own `commandTimeout`; PUBLISH
 * gets neither (a timer per publish would cost the hot path), and is not sent while the link is
 * not answering (`cmdReady`). A timed-out command is not withdrawn: Redis runs it when it wakes,
 * in order, before anything sent later — which is why the node re-synchronises after a stall.
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

/** A script that Redis did not answer within the command timeout (it may still run later). */
export class CommandTimeout extends Error {
  override name = 'CommandTimeout';
}

export class RedisLink {
  readonly cmd: Redis;
  readonly sub: Redis;
  private lastErrorLogged = 0;
  lastError = '';
  /** Called before each script: RedisPubSub writes its pending frames first, keeping issue order. */
  beforeCommand: (() => void) | null = null;
  /** False from a script's timeout until a script answers again (Redis frozen or the path black-holed). */
  private answering = true;
  /** Scripts given up after the command timeout (jsongle_cluster_command_timeouts_total). */
  timeouts = 0;
  /** Called when a script times out (the first of a stall and every later one). */
  onStall: ((script: ScriptName) => void) | null = null;

  constructor(url: string, nodeId: string, private readonly logger: Logger, private readonly commandTimeoutMs: number) {
    // Auto-pipelining writes every command issued in one tick in one socket write (a burst of
    // relays becomes one write), in issue order: per-sender order is kept.
    this.cmd = new Redis(url, { ...OPTIONS, enableAutoPipelining: true, connectionName: `jsongle:${nodeId}:cmd` });
    this.sub = new Redis(url, { ...OPTIONS, commandTimeout: commandTimeoutMs, connectionName: `jsongle:${nodeId}:sub` });
    for (const script of Object.keys(SCRIPTS) as ScriptName[]) {
      this.cmd.defineCommand(script, { numberOfKeys: 0, lua: SCRIPTS[script] });
    }
    // A new connection has nothing queued behind a stall: it answered the ready check.
    this.cmd.on('ready', () => { this.answering = true; });
    for (const [name, conn] of [['cmd', this.cmd], ['sub', this.sub]] as const) {
      // Without an 'error' listener ioredis reports every failed reconnect as unhandled.
      conn.on('error', (err: Error) => this.onError(name, err));
    }
  }

  /** Runs one of scripts.ts's scripts (EVALSHA, EVAL on NOSCRIPT: Redis restarted empty), within the command timeout. */
  readonly run: ScriptRunner = (name, args) => {
    let sent: Promise<unknown>;
    try {
      this.beforeCommand?.();
      sent = (this.cmd as unknown as Record<ScriptName, (...a: (string | number)[]) => Promise<unknown>>)[name](...args);
    } catch (err) {
      // Callers run inside actor actions: a failure is a rejected promise, never a throw.
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.answering = false;
        this.timeouts++;
        reject(new CommandTimeout(`redis did not answer ${name} within ${this.commandTimeoutMs} ms`));
        this.onStall?.(name);
      }, this.commandTimeoutMs);
      sent.then((value) => {
        clearTimeout(timer);
        // Any answer, even a late one to a command already given up, shows Redis is back.
        this.answering = true;
        resolve(value);
      }, (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  };

  /** Connected and answering: commands may be sent (frames are dropped and counted otherwise). */
  get cmdReady(): boolean {
    return this.answering && this.cmd.status === 'ready';
  }

  /** Connected, answering or not: the heartbeat still probes a silent Redis through it. */
  get cmdConnected(): boolean {
    return this.cmd.status === 'ready';
  }

  /** Whether the last script answered in time (false during a stall). */
  get isAnswering(): boolean {
    return this.answering;
  }

  get subReady(): boolean {
    return this.sub.status === 'ready';
  }

  async connect(): Promise<void> {
    await Promise.all([this.cmd.connect(), this.sub.connect()]);
  }

  /** QUIT politely, but never wait longer than the command timeout for it (a frozen Redis would never answer). */
  async close(): Promise<void> {
    await Promise.all([this.cmd, this.sub].map(async (conn) => {
      if (conn.status !== 'ready' || !this.answering) {
        conn.disconnect();
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.commandTimeoutMs); });
      await Promise.race([conn.quit().then(() => undefined, () => undefined), gaveUp]);
      clearTimeout(timer);
      if ((conn.status as string) !== 'end') conn.disconnect();
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
