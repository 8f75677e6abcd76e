/**
 * The owner of users on this node (users-calls-sessions.md §2): which of this node's connections
 * are registered at which uid, the answers to session-register / -unregister, the lookup of a uid
 * a relay names, and the delivery of a message to every device of a uid. The directory (local or
 * Redis, src/users/directory.ts) is the authority over every node's registrations; this owner is
 * the only one that asks it. Direct calls are calls: src/calls/ owns them.
 */
import type { RelayClientEvent, UserView } from '../../machines/connection.js';
import type { Lifecycle } from '../admin/lifecycle.js';
import type { ConnectionEvent, Frame } from '../../machines/connection.js';
import type { Stats } from '../observability/stats.js';
import type { MessageBuilder } from '../protocol/build.js';
import { ErrorCode } from '../protocol/codes.js';
import { identifierRule } from '../protocol/identifiers.js';
import { stamp } from '../protocol/relay-stamp.js';
import type { Envelope, RelayEnvelope } from '../protocol/types.js';
import type { Device, Directory } from './directory.js';

export interface UsersDeps {
  directory: Directory;
  stats: Stats;
  builder: MessageBuilder;
  /** The connection owner: one frame to a connection of this node, or to a device on any node. */
  send(connId: string, text: string): boolean;
  sendToDevice(device: Device, text: string): void;
  sendError(connId: string, msg: Envelope, code: ErrorCode, arg?: string): void;
  /** Whether a connection is still a session of this node (a verdict may come after it ended). */
  has(connId: string): boolean;
  /** An event for one of this node's connection actors (the directory's verdicts). */
  tell(connId: string, event: ConnectionEvent): void;
  lifecycle?: Pick<Lifecycle, 'userRegistered' | 'userUnregistered'>;
  /** limits.uidMaxLength: a `to` longer than any uid is looked up nowhere. */
  uidMaxLength: number;
}

export class Users {
  /** This node's registrations: connection id → uid. */
  private readonly uidOf = new Map<string, string>();
  /** How many of this node's connections each uid has (the registered-users gauge). */
  private readonly localDevices = new Map<string, number>();

  constructor(private readonly deps: UsersDeps) {}

  /** session-register: the directory's verdict goes back to the connection's actor as an event. */
  register(connId: string, uid: string, msg: Frame): void {
    this.deps.directory.register(uid, connId,
      (devices) => {
        if (this.settle(connId, uid)) this.deps.tell(connId, { type: 'user.registered', msg, devices });
      },
      (why) => {
        this.deps.stats.registrationsRefused[why] = (this.deps.stats.registrationsRefused[why] ?? 0) + 1;
        this.deps.tell(connId, { type: 'user.registerRefused', msg, why });
      });
  }

  replyRegistered(connId: string, msg: Frame, devices: number): void {
    const j = msg.jsongle;
    this.deps.send(connId, this.deps.builder.iqResult(connId, j.query, j.transaction, { uid: this.uidOf.get(connId), devices }));
  }

  replyRefused(connId: string, msg: Frame, why: 'full' | 'unavailable'): void {
    this.deps.sendError(connId, msg as Envelope, why === 'full' ? ErrorCode.TooManyDevices : ErrorCode.MembershipUnavailable);
  }

  /** session-unregister: not reachable at its uid any more (its calls go on: they route by sid). */
  unregister(connId: string, msg: Frame): void {
    const uid = this.uidOf.get(connId);
    this.release(connId);
    const j = msg.jsongle;
    this.deps.send(connId, this.deps.builder.iqResult(connId, j.query, j.transaction, { uid }));
  }

  /** The session ended (or unregister): the directory forgets the connection. Idempotent. */
  release(connId: string): void {
    const uid = this.uidOf.get(connId);
    if (uid === undefined) return;
    this.forgetLocally(connId, uid);
    this.deps.directory.unregister(uid, connId);
    this.count();
    this.deps.lifecycle?.userUnregistered?.(uid, connId);
  }

  /**
   * The `to` of a relay, looked up as a uid: the verdict is the same event again, with `user` (its
   * devices, the sender's own left out) or null when the directory cannot answer. One node: before
   * this returns; Redis: when it answers.
   */
  resolve(connId: string, e: RelayClientEvent): void {
    const uid = e.msg.to;
    // A name no hello could have claimed (too long, a '/', a control character) is nobody's: no lookup.
    if (identifierRule(uid, this.deps.uidMaxLength, false) !== null) {
      this.deps.tell(connId, { ...e, user: { uid, devices: [] } });
      return;
    }
    this.deps.directory.devicesOf(uid,
      (devices) => {
        const user: UserView = { uid, devices: devices.filter((d) => d.id !== connId) };
        this.deps.tell(connId, { ...e, user });
      },
      () => this.deps.tell(connId, { ...e, user: null }));
  }

  /** A message (or a call frame outside any call) to every device of a uid: `from` the sender's uid,
   * `to` each device's connection id, stamped as a P2P relay is. */
  relayToDevices(senderUid: string, user: UserView, msg: RelayEnvelope): void {
    stamp(msg);
    msg.from = senderUid;
    this.deps.stats.countDirectRelay(msg.jsongle.action);
    for (const device of user.devices) {
      msg.to = device.id;
      this.deps.sendToDevice(device, JSON.stringify(msg));
    }
  }

  /** A registration the directory accepted: recorded here (first time: counted and announced).
   * False when the connection is gone meanwhile (its registration is withdrawn at once). */
  private settle(connId: string, uid: string): boolean {
    if (this.uidOf.has(connId)) return true;
    if (!this.deps.has(connId)) {
      this.deps.directory.unregister(uid, connId);
      return false;
    }
    this.uidOf.set(connId, uid);
    this.localDevices.set(uid, (this.localDevices.get(uid) ?? 0) + 1);
    this.count();
    this.deps.lifecycle?.userRegistered?.(uid, connId);
    return true;
  }

  // --- resume across nodes (src/cluster/resume-handover.ts): the registration moves with its session ---

  /** Old node: the session leaves with its registration (returned); forgotten here without a
   * departure: the directory entry stays until the new node takes it over, no user.unregistered. */
  handOut(connId: string): string | null {
    const uid = this.uidOf.get(connId);
    if (uid === undefined) return null;
    this.forgetLocally(connId, uid);
    this.deps.directory.handOut(uid, connId);
    return uid;
  }

  /** New node: the session arrived registered at `uid`; registering it again moves its directory entry here. */
  adopt(connId: string, uid: string): void {
    this.uidOf.set(connId, uid);
    this.localDevices.set(uid, (this.localDevices.get(uid) ?? 0) + 1);
    this.count();
    this.deps.directory.register(uid, connId, () => {}, (why) => {
      this.deps.stats.registrationsRefused[why] = (this.deps.stats.registrationsRefused[why] ?? 0) + 1;
    });
  }

  private forgetLocally(connId: string, uid: string): void {
    this.uidOf.delete(connId);
    const n = (this.localDevices.get(uid) ?? 1) - 1;
    if (n === 0) this.localDevices.delete(uid);
    else this.localDevices.set(uid, n);
    this.count();
  }

  private count(): void {
    this.deps.stats.registeredConnections = this.uidOf.size;
    this.deps.stats.registeredUsers = this.localDevices.size;
  }

  clear(): void {
    this.uidOf.clear();
    this.localDevices.clear();
    this.deps.directory.clear();
    this.count();
  }
}
