/**
 * The user directory with Redis as the single authority across nodes (Directory's shared-store
 * implementation, users-calls-sessions.md §2). Register, unregister and the device list are one
 * atomic script each (directory-scripts.ts), run within cluster.commandTimeoutMs like every other.
 *
 * This node also keeps its own registrations in memory: they are what it writes back when Redis
 * and it may disagree (a resync after an outage, a Redis restart, or being reaped while alive,
 * as RedisMembership writes back its members), and they are the truth about this node's devices
 * in devicesOf (Redis may lag behind them until that resync).
 *
 * Nothing here throws or leaves a promise rejected: a script that fails or times out answers
 * `refused('unavailable')` / `failed()`, an unregister that does not reach Redis marks the node
 * dirty (the resync removes it there).
 */
import type { Logger } from '../observability/logger.js';
import type { Device, Directory, RegisterRefusal } from '../users/directory.js';
import type { ScriptRunner } from './redis-link.js';

export interface RedisDirectoryDeps {
  nodeId: string;
  prefix: string;
  maxDevicesPerUser: number;
  run: ScriptRunner;
  logger: Logger;
  /** Redis reachable and this node re-synchronised: registrations may be decided. */
  isHealthy(): boolean;
  /** The command link is up and answering: a read may be sent (fails fast otherwise). */
  isAnswering(): boolean;
  /** Redis and this node may disagree: re-synchronise at the next chance. */
  markDirty(reason: string): void;
}

export class RedisDirectory implements Directory {
  /** This node's registrations: uid → connection ids (what a resync writes back). */
  private readonly local = new Map<string, Set<string>>();
  /** Registrations sent and not answered: an unregister or clear meanwhile withdraws the token. */
  private readonly pending = new Map<string, object>();
  private running = 0;

  constructor(private readonly deps: RedisDirectoryDeps) {}

  /** Registrations sent and not answered yet (a resync waits for them, as for membership operations). */
  get inFlight(): number {
    return this.running;
  }

  register(uid: string, connId: string, done: (devices: number) => void, refused: (why: RegisterRefusal) => void): void {
    const { deps } = this;
    // The authority that could refuse is not there (or this node's registrations are not in it yet).
    if (!deps.isHealthy()) return this.answer(() => refused('unavailable'));
    const key = pairKey(uid, connId);
    const token = {};
    this.pending.set(key, token);
    this.running++;
    deps.run('jsongleRegister', [deps.prefix, uid, connId, deps.nodeId, deps.maxDevicesPerUser]).then((devices) => {
      const current = this.pending.get(key) === token;
      if (current) this.pending.delete(key);
      if (typeof devices !== 'number') return this.answer(() => refused('full'));
      // Unregistered or cleared while the script ran: Redis forgets it through that unregister.
      if (current) this.addLocal(uid, connId);
      this.answer(() => done(devices));
    }, (err: Error) => {
      if (this.pending.get(key) === token) this.pending.delete(key);
      // A timeout marks the node unhealthy (RedisLink.onStall): a late run is undone by the resync.
      deps.logger.debug('session-register not decided: redis did not answer', { uid, connId, error: err.message });
      this.answer(() => refused('unavailable'));
    }).finally(() => {
      this.running--;
    });
  }

  unregister(uid: string, connId: string): void {
    this.pending.delete(pairKey(uid, connId));
    const conns = this.local.get(uid);
    if (conns !== undefined && conns.delete(connId) && conns.size === 0) this.local.delete(uid);
    const { deps } = this;
    if (!deps.isAnswering()) return deps.markDirty('unregister decided without redis');
    deps.run('jsongleUnregister', [deps.prefix, uid, connId, deps.nodeId]).catch((err: Error) => {
      deps.logger.debug('session-unregister not written to redis; the resync removes it', { uid, connId, error: err.message });
      deps.markDirty('unregister failed');
    });
  }

  /** The session moved to another node, which registers it there: no longer this node's to answer
   * for (devicesOf) nor to write back (resync), and its Redis entry is left to the new node. */
  handOut(uid: string, connId: string): void {
    this.pending.delete(pairKey(uid, connId));
    const conns = this.local.get(uid);
    if (conns !== undefined && conns.delete(connId) && conns.size === 0) this.local.delete(uid);
  }

  devicesOf(uid: string, done: (devices: readonly Device[]) => void, failed: () => void): void {
    const { deps } = this;
    if (!deps.isAnswering()) return this.answer(failed);
    deps.run('jsongleDevices', [deps.prefix, uid]).then((flat) => {
      const pairs = flat as string[];
      const devices: Device[] = [];
      // This node's own devices are the ones it holds (Redis may lag behind until a resync).
      for (const id of this.local.get(uid) ?? []) devices.push({ id });
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        if (pairs[i + 1] !== deps.nodeId) devices.push({ id: pairs[i], node: pairs[i + 1] });
      }
      this.answer(() => done(devices));
    }, (err: Error) => {
      deps.logger.debug('devices of a uid not read: redis did not answer', { uid, error: err.message });
      this.answer(failed);
    });
  }

  clear(): void {
    // What Redis holds for this node goes with the stop script (RedisCluster.stop).
    this.local.clear();
    this.pending.clear();
  }

  /** Makes Redis hold exactly this node's registrations (RedisCluster's recover path). */
  async resync(): Promise<number> {
    const entries: [string, string][] = [];
    for (const [uid, conns] of this.local) for (const connId of conns) entries.push([uid, connId]);
    const { deps } = this;
    await deps.run('jsongleDirectoryResync', [deps.prefix, deps.nodeId, JSON.stringify(entries)]);
    return entries.length;
  }

  private addLocal(uid: string, connId: string): void {
    let conns = this.local.get(uid);
    if (conns === undefined) this.local.set(uid, (conns = new Set()));
    conns.add(connId);
  }

  /** Runs a caller's callback; one that throws is logged, never a rejected promise or a crash. */
  private answer(callback: () => void): void {
    try {
      callback();
    } catch (err) {
      this.deps.logger.error('directory callback failed', { error: (err as Error).message });
    }
  }
}

/** Connection ids are server-made (no newline): the pair's key is unambiguous. */
const pairKey = (uid: string, connId: string): string => `${connId}\n${uid}`;
