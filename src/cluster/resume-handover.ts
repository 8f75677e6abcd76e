/**
 * Resume across nodes (Redis engine; docs/architecture.md "Across nodes"): a client whose session
 * node A holds reconnects through the load balancer to node B. The token names A
 * (`<random>.<nodeId>`), so B asks A on A's node channel and holds the upgrade meanwhile
 * (src/transport/ws.ts). Messages ('r' then JSON, in each node's one ordered outbox):
 *
 *   q  B → A  {req, token, lastSeen, sub, from}: take over this session, please
 *   f  A → B  {req, failed, id?}: no (unknown / expired / gap, decided by A's own claim), or the move failed
 *   h  A → B  {req, session, context, calls, registration}: here it is
 *   s  B → A  {id, from}: B's mirror holds the member now (sent on reading V): every room frame B
 *             published for it before reached A ahead of this, and none after, so A stops forwarding them
 *   F  A → B  {id, frame}: a frame that was on its way to A for the moved connection (forwarded)
 *   S  A → B  {id}: A forwards nothing more (its answer to `s`). B holds the frames that reached it
 *             directly from V on, numbers them after the handed-over and forwarded ones, and only
 *             then answers the upgrade: each sender's frames stay in order, none twice.
 *
 * A validates with the same claim as a local resume, then reserves the session (its window stops, a
 * socket that still looks open is closed 4409) and moves its memberships in one script (MOVE in
 * scripts.ts): Redis executes it at one point in the stream of everything published, so every
 * frame for the connection published before it reached A before A's own notice (M), and every frame
 * after it goes where the mirrors say the member now is. On reading M, in that same turn, A hands
 * out its calls and its session (frames after lastSeen, counts, the actor's context), stops its
 * actor without a departure and publishes `h`. B read V (its own notice) first: frames for the
 * connection arriving from then on are kept for it and numbered after the handed-over ones.
 *
 * Frames that were still on their way to A when it moved (relays B published before it read V,
 * frames for the connection on A's node channel) are forwarded by A to B for resume.forwardSec;
 * call steps sent to A as the old owner likewise (src/calls/calls.ts).
 *
 * Registration (session-register): the uid travels in `h`; the old node forgets it without a departure
 * (no user.unregistered), the new one registers it again, which moves its directory entry to itself.
 */
import type { ConnectionActor, ConnectionContext } from '../../machines/connection.js';
import { parseHandoverMessage, type HandoverMessage } from './resume-messages.js';
import type { Calls } from '../calls/calls.js';
import type { Users } from '../users/users.js';
import type { ResumeConfig } from '../config/types.js';
import type { Connections } from '../connections/connections.js';
import { nodeOfToken } from '../connections/resume-token.js';
import type { HandedSession, Sessions } from '../connections/sessions.js';
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';
import type { Profile } from '../protocol/types.js';
import type { Rooms } from '../rooms/rooms.js';
import type { ResumeFailure } from '../transport/socket-data.js';
import { randomUUID } from 'node:crypto';
import type { RedisMembership } from './redis-membership.js';
import type { RedisPubSub } from './redis-pubsub.js';

/** cluster.nodeId's format (src/config/schema.ts). */
const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** What the new node tells the upgrade it holds: the session is here now (claim it), or why not. */
export type HandoverResult = { ok: true } | { ok: false; failed: ResumeFailure };

type Message = HandoverMessage;

export interface ResumeHandoverDeps {
  nodeId: string;
  config: ResumeConfig;
  stats: Stats;
  logger: Logger;
  connections: Connections;
  rooms: Rooms;
  membership: RedisMembership;
  calls: Calls;
  pubsub: RedisPubSub;
  /** The supervisor's: a connection actor created suspended with a handed-over context. */
  adoptConnection(context: ConnectionContext, registered: boolean): ConnectionActor;
  /** The users owner: a session's registration leaves the old node and is taken over by the new one. */
  users: Pick<Users, 'handOut' | 'adopt'>;
}

interface Asking {
  resolve(result: HandoverResult): void;
  timer: NodeJS.Timeout;
  startedAt: bigint;
}

interface Forward {
  connId: string;
  node: string;
}

/** Builds the hand-over of a Redis node with resume on (null otherwise) and plugs it into the bus. */
export function createResumeHandover(
  cluster: { nodeId: string; pubsub: RedisPubSub; resumeHandler: ((body: string) => void) | null } | null,
  deps: Omit<ResumeHandoverDeps, 'nodeId' | 'pubsub' | 'membership'> & { membership: unknown },
): ResumeHandover | null {
  if (cluster === null || deps.connections.sessions === null) return null;
  const handover = new ResumeHandover({ ...deps, nodeId: cluster.nodeId, pubsub: cluster.pubsub, membership: deps.membership as RedisMembership });
  cluster.resumeHandler = (body) => handover.onMessage(body);
  // Frames for a connection that moved away lately go on to its new node.
  const deliver = cluster.pubsub.deliverToConnection;
  cluster.pubsub.deliverToConnection = (connId, frame) => deliver(connId, frame) || handover.forwardToConnection(connId, frame);
  return handover;
}

export class ResumeHandover {
  private readonly sessions: Sessions;
  /** New node: upgrades waiting for their session, by request. */
  private readonly asking = new Map<string, Asking>();
  /** New node: connections whose move was decided (V) and whose session has not come yet. */
  private readonly arrivals = new Map<string, NodeJS.Timeout>();
  /** New node: sessions installed (h) whose old node has not said `S` yet → the request that asked. */
  private readonly installedBy = new Map<string, string>();
  /** Old node: sessions being moved, until their M notice (by connection). */
  private readonly leaving = new Map<string, { req: string; to: string; lastSeen: number }>();
  /** Old node: room topics whose frames from the new node are forwarded to a moved member. */
  private readonly forwardByTopic = new Map<string, Forward[]>();
  /** Old node: the room topics forwarded for each moved connection (their channels held meanwhile). */
  private readonly forwardTopics = new Map<string, string[]>();
  /** Old node: connections whose frames are forwarded to their new node. */
  private readonly forwardById = new Map<string, string>();

  constructor(private readonly deps: ResumeHandoverDeps) {
    this.sessions = deps.connections.sessions as Sessions;
    deps.membership.moveHooks = {
      movedOut: (connId, to) => this.movedOut(connId, to),
      arriving: (connId, from) => this.arriving(connId, from),
    };
  }

  /** The node a token names when it is another one (the hand-over path), else null (a local resume). */
  ownerElsewhere(token: string): string | null {
    const node = nodeOfToken(token);
    // Not a node id (cluster.nodeId's format): no node to ask; the local claim answers `unknown`.
    return node === '' || node === this.deps.nodeId || !NODE_ID.test(node) ? null : node;
  }

  /** A frame for a connection of this node that is not here: forwarded when it moved away lately. */
  forwardToConnection(connId: string, frame: string): boolean {
    const node = this.forwardById.get(connId);
    if (node === undefined) return false;
    this.send(node, { t: 'F', id: connId, frame });
    return true;
  }

  // --- new node (B) ---

  /** Asks the node named by the token for its session; resolves once it is installed here (or why not). */
  request(owner: string, token: string, lastSeen: string | null, sub: string | undefined): Promise<HandoverResult> {
    const req = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.asking.delete(req);
        this.deps.stats.countResumeFailed('handoverTimeout');
        this.deps.logger.warn('resume hand-over timed out', { owner, timeoutMs: this.deps.config.handoverTimeoutMs });
        resolve({ ok: false, failed: 'unknown' });
      }, this.deps.config.handoverTimeoutMs);
      this.asking.set(req, { resolve, timer, startedAt: process.hrtime.bigint() });
      this.send(owner, { t: 'q', req, token, lastSeen, ...(sub === undefined ? {} : { sub }), from: this.deps.nodeId });
    });
  }

  /** A hand-over message from another node (the JSON after the 'r'; several, newline-separated). */
  onMessage(body: string): void {
    for (const line of body.split('\n')) {
      const m = parseHandoverMessage(line);
      if (m === null) {
        this.deps.logger.error('unreadable resume hand-over message', { message: line.slice(0, 200) });
        continue;
      }
      try {
        if (m.t === 'q') this.onRequest(m);
        else if (m.t === 'h') this.onHandedOver(m);
        else if (m.t === 'f') this.onRefused(m);
        else if (m.t === 's') this.onNewNodeHolds(m.id, m.from);
        else if (m.t === 'S') this.onForwardingDone(m.id);
        else if (m.t === 'F') this.sessions.deliverAhead(m.id, m.frame);
      } catch (err) {
        this.deps.logger.error('resume hand-over failed', { type: m.t, error: String((err as Error)?.stack ?? err) });
      }
    }
  }

  private arriving(connId: string, from: string): void {
    this.sessions.expectArrival(connId);
    this.send(from, { t: 's', id: connId, from: this.deps.nodeId });
    clearTimeout(this.arrivals.get(connId));
    // The old node decided the move: its session follows within a few Redis round trips. If it never
    // comes (that node died mid-way), the connection is gone: its rooms hear `left` from here.
    this.arrivals.set(connId, setTimeout(() => {
      // Installed, but the old node's `S` never came: what is held here goes out as it is.
      if (this.installedBy.has(connId)) this.onForwardingDone(connId);
      else this.arrivalFailed(connId);
    }, this.deps.config.handoverTimeoutMs).unref());
  }

  private onHandedOver(m: Extract<Message, { t: 'h' }>): void {
    const { session, context, calls, registration } = m;
    const id = session.id;
    const { rooms } = this.deps;
    // The rooms as this node's mirror holds them (the move put them there, in V).
    const held = new Set<string>();
    for (const rid of context.rooms) if (rooms.get(rid)?.members.get(id)?.node === undefined && rooms.isMember(rid, id)) held.add(rid);
    const actor = this.deps.adoptConnection({ id, helloTransaction: '', profile: context.profile, rooms: held, identity: context.identity }, registration !== null);
    this.sessions.adopt(session, actor);
    if (registration !== null) this.deps.users.adopt(id, registration);
    actor.start();
    this.deps.calls.adopt(id, calls, (rid, connId) => rooms.get(rid)?.members.get(connId));
    this.installedBy.set(id, m.req);
    if (this.sessions.isArriving(id) === false) this.installed(id);
  }

  /** The old node forwards nothing more (its `S`): the frames held here follow the forwarded ones. */
  private onForwardingDone(connId: string): void {
    this.sessions.releaseHeld(connId);
    if (this.installedBy.has(connId)) this.installed(connId);
  }

  /** Session here and nothing more on its way: the upgrade that asked for it claims it now. */
  private installed(connId: string): void {
    clearTimeout(this.arrivals.get(connId));
    this.arrivals.delete(connId);
    const req = this.installedBy.get(connId);
    this.installedBy.delete(connId);
    const asking = req === undefined ? undefined : this.asking.get(req);
    if (req === undefined || asking === undefined) return; // the upgrade timed out: the session waits here for a resume, or its window
    this.asking.delete(req);
    clearTimeout(asking.timer);
    this.deps.stats.resumeHandoverSeconds.observe(Number(process.hrtime.bigint() - asking.startedAt) / 1e9);
    asking.resolve(this.sessions.actorOf(connId) === undefined ? { ok: false, failed: 'unknown' } : { ok: true });
  }

  private onRefused(m: Extract<Message, { t: 'f' }>): void {
    if (m.id !== undefined) this.arrivalFailed(m.id);
    const asking = this.asking.get(m.req);
    if (asking === undefined) return;
    this.asking.delete(m.req);
    clearTimeout(asking.timer);
    asking.resolve({ ok: false, failed: m.failed });
  }

  /** The move was decided but no session came: the connection ends here as a disconnect would. */
  private arrivalFailed(connId: string): void {
    clearTimeout(this.arrivals.get(connId));
    this.arrivals.delete(connId);
    if (this.sessions.actorOf(connId) !== undefined) return;
    this.sessions.cancelArrival(connId);
    const { rooms, membership } = this.deps;
    let profile: Profile | null = null;
    for (const rid of rooms.ridsOf(connId)) profile ??= rooms.get(rid)?.members.get(connId)?.profile ?? null;
    if (profile === null) return;
    this.deps.logger.warn('resume hand-over lost after the move: the connection ends', { connectionId: connId });
    rooms.announceDeparture(connId, profile);
    membership.leaveAll(connId);
  }

  // --- old node (A) ---

  private onRequest(m: Extract<Message, { t: 'q' }>): void {
    const refuse = (failed: ResumeFailure, id?: string) => this.send(m.from, { t: 'f', req: m.req, failed, ...(id === undefined ? {} : { id }) });
    const claimed = this.sessions.claim(m.token, m.lastSeen, m.sub);
    if (!('id' in claimed) || 'failed' in claimed.claim) return refuse('failed' in claimed.claim ? claimed.claim.failed : 'unknown');
    const id = claimed.id;
    const lastSeen = claimed.claim.lastSeen;
    const snapshot = this.sessions.actorOf(id)?.getSnapshot();
    // A session being drained or already moving is not handed over.
    if (snapshot === undefined || !(snapshot.matches('helloed') || snapshot.matches('suspended')) || !this.sessions.reserve(id)) {
      this.deps.stats.countResumeFailed('unknown');
      return refuse('unknown');
    }
    this.leaving.set(id, { req: m.req, to: m.from, lastSeen });
    this.deps.membership.move(id, m.from).then(
      () => {
        // The notice came but the session had gone meanwhile (movedOut found nothing to hand): the
        // new node's arrival ends it there.
        if (this.leaving.get(id)?.req === m.req) {
          this.leaving.delete(id);
          refuse('unknown', id);
        }
      },
      (err: Error) => {
        if (this.leaving.get(id)?.req !== m.req) return;
        this.leaving.delete(id);
        this.sessions.unreserve(id);
        this.deps.stats.countResumeFailed('handoverFailed');
        this.deps.logger.warn('resume hand-over failed: the membership move did not complete', { connectionId: id, error: err.message });
        refuse('unknown');
      },
    );
  }

  /** In the turn this node reads its own M notice, before its mirror changes: hand everything over. */
  private movedOut(connId: string, to: string): void {
    const leaving = this.leaving.get(connId);
    if (leaving === undefined || leaving.to !== to) return;
    const actor = this.sessions.actorOf(connId);
    if (actor === undefined) return; // ended meanwhile (overflow): the caller answers `f`
    this.leaving.delete(connId);
    const forwardMs = this.deps.config.forwardSec * 1000;
    const ctx = actor.getSnapshot().context;
    const calls = this.deps.calls.handOut(connId, to, forwardMs);
    const session = this.sessions.handOut(connId, leaving.lastSeen) as HandedSession;
    const registration = this.deps.users.handOut(connId);
    // Its final state, without a departure: departures are Connections.release's, which never runs for it.
    actor.send({ type: 'ws.closed' });
    this.startForwarding(connId, to, [...ctx.rooms], forwardMs);
    this.send(to, {
      t: 'h', req: leaving.req, session, calls, registration,
      context: { profile: ctx.profile, identity: ctx.identity, rooms: [...ctx.rooms] },
    });
  }

  /** The new node's mirror holds the member (its `s`): it publishes nothing more for it on the room
   * channels, and every such frame it did publish reached this node ahead of `s` and was forwarded. */
  private onNewNodeHolds(connId: string, node: string): void {
    this.stopForwardingRoomFrames(connId);
    this.send(node, { t: 'S', id: connId });
  }

  private stopForwardingRoomFrames(connId: string): void {
    const topics = this.forwardTopics.get(connId);
    if (topics === undefined) return;
    this.forwardTopics.delete(connId);
    for (const topic of topics) {
      const rest = (this.forwardByTopic.get(topic) ?? []).filter((f) => f.connId !== connId);
      if (rest.length === 0) this.forwardByTopic.delete(topic);
      else this.forwardByTopic.set(topic, rest);
      this.deps.membership.releaseChannel(topic);
    }
    if (this.forwardByTopic.size === 0) this.deps.pubsub.onForwardedRoomFrame = null;
  }

  private startForwarding(connId: string, to: string, rids: string[], forwardMs: number): void {
    const topics: string[] = [];
    for (const rid of rids) {
      const room = this.deps.rooms.get(rid);
      if (room === undefined) continue;
      topics.push(room.topic);
      // The room may leave this node's mirror now (its last member here moved): its channel stays
      // subscribed until the new node says it publishes nothing more there for this member.
      this.deps.membership.holdChannel(room.topic);
      const list = this.forwardByTopic.get(room.topic) ?? [];
      list.push({ connId, node: to });
      this.forwardByTopic.set(room.topic, list);
    }
    this.forwardTopics.set(connId, topics);
    this.forwardById.set(connId, to);
    this.deps.pubsub.onForwardedRoomFrame = (topic, origin, frame) => this.forwardRoomFrame(topic, origin, frame);
    setTimeout(() => {
      if (this.forwardById.get(connId) === to) this.forwardById.delete(connId);
      this.stopForwardingRoomFrames(connId);
    }, forwardMs).unref();
  }

  /** A room frame the new node published before it knew the member was its own: it never delivers
   * its own frames from the channel, so this node hands it on (other nodes' frames reach it directly). */
  private forwardRoomFrame(topic: string, origin: string, frame: string): void {
    const list = this.forwardByTopic.get(topic);
    if (list === undefined) return;
    for (const f of list) if (f.node === origin) this.send(f.node, { t: 'F', id: f.connId, frame });
  }

  private send(node: string, m: Message): void {
    this.deps.pubsub.toNodeResume(node, JSON.stringify(m));
  }

  /** Shutdown: the timers go. */
  stop(): void {
    for (const a of this.asking.values()) clearTimeout(a.timer);
    for (const t of this.arrivals.values()) clearTimeout(t);
    this.asking.clear();
    this.arrivals.clear();
    this.installedBy.clear();
  }
}
