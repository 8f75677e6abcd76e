/**
 * The authority over "which connections is a uid reachable at" (users-calls-sessions.md §2), behind
 * one small interface so it can live in this process (LocalDirectory) or in a shared store spanning
 * nodes (src/cluster/redis-directory.ts), like the membership authority of rooms.
 *
 * Answers come through callbacks: the local directory calls them before returning (no promise, no
 * microtask on one node), a shared store when Redis answers. Registration is idempotent; a
 * connection's registration goes when it unregisters or its session ends (src/users/users.ts).
 */

/** One reachable connection of a user; `node` set when another node holds it (Redis engine). */
export interface Device {
  readonly id: string;
  readonly node?: string;
}

/** Why a registration was refused: the uid has maxDevicesPerUser devices already / the store did not answer. */
export type RegisterRefusal = 'full' | 'unavailable';

export interface Directory {
  /** Registers `connId` at `uid` (again: no change). `done` gets the uid's device count, this one included. */
  register(uid: string, connId: string, done: (devices: number) => void, refused: (why: RegisterRefusal) => void): void;
  /** `connId` is no longer reachable at `uid` (unregister, or its session ended). */
  unregister(uid: string, connId: string): void;
  /** Resume across nodes: `connId`'s session left this node registered; the node it moved to takes
   * the entry over (registers it again), so this node forgets it without unregistering it. */
  handOut(uid: string, connId: string): void;
  /** Every device of `uid`, on every node (empty: nobody reachable); `failed` when the store cannot answer. */
  devicesOf(uid: string, done: (devices: readonly Device[]) => void, failed: () => void): void;
  /** The server stops: forget everything held for this process. */
  clear(): void;
}

/** The directory of one process: a uid's devices in a Set changed in place (O(1) register and release). */
export class LocalDirectory implements Directory {
  private readonly byUid = new Map<string, Map<string, Device>>();

  constructor(private readonly maxDevicesPerUser: number) {}

  /** Registered users (uids with at least one device). */
  get users(): number {
    return this.byUid.size;
  }

  register(uid: string, connId: string, done: (devices: number) => void, refused: (why: RegisterRefusal) => void): void {
    let devices = this.byUid.get(uid);
    if (devices?.has(connId)) return done(devices.size);
    if (devices !== undefined && devices.size >= this.maxDevicesPerUser) return refused('full');
    if (devices === undefined) this.byUid.set(uid, (devices = new Map()));
    devices.set(connId, { id: connId });
    done(devices.size);
  }

  unregister(uid: string, connId: string): void {
    const devices = this.byUid.get(uid);
    if (devices === undefined) return;
    devices.delete(connId);
    if (devices.size === 0) this.byUid.delete(uid);
  }

  /** One process: no other node to move to. */
  handOut(): void {}

  devicesOf(uid: string, done: (devices: readonly Device[]) => void): void {
    const devices = this.byUid.get(uid);
    done(devices === undefined ? [] : [...devices.values()]);
  }

  clear(): void {
    this.byUid.clear();
  }
}
