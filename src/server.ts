/**
 * createServer(config): the only place where the pieces are wired. Tests build as many servers as
 * they like in one process (ports 0), so nothing here is module-level state.
 */
import { readFileSync } from 'node:fs';
import type { InspectionEvent } from 'xstate';
import { createSupervisor } from './actors/supervisor.js';
import { createTokenVerifier, type TokenVerifier } from './auth/jwt.js';
import { listenShared } from './cluster/listen.js';
import { RedisCluster } from './cluster/redis-cluster.js';
import type { ClusterStatus } from './observability/cluster-status.js';
import type { Config } from './config/types.js';
import type { MonitoringContext } from './http/context.js';
import { registerMonitoringRoutes } from './http/router.js';
import { createInspection, type Inspection } from './observability/inspect.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Stats } from './observability/stats.js';
import { MessageBuilder } from './protocol/build.js';
import { ErrorCode } from './protocol/codes.js';
import type { Envelope } from './protocol/types.js';
import { Connections } from './connections/connections.js';
import { Calls } from './calls/calls.js';
import { LocalDirectory } from './users/directory.js';
import { Users } from './users/users.js';
import { LocalPubSub } from './pubsub/local.js';
import { LocalMembership, type Membership } from './rooms/membership.js';
import { Rooms } from './rooms/rooms.js';
import type { Room } from './rooms/room.js';
import type { SocketData } from './transport/socket-data.js';
import { assertNativeUws, closeListenSocket, connectionCeiling, createApp, listen, localPort, openFileLimit, StartupError } from './transport/uws.js';
import { attachWebSocket } from './transport/ws.js';
import { createResumeHandover } from './cluster/resume-handover.js';
import { attachUpgradeRequired } from './transport/upgrade-required.js';
import { EdgeGuards } from './transport/edge-guards.js';
import { attachSocketIO, type SocketIODoor } from './transport/socketio.js';
import { startBackpressureSweep } from './transport/backpressure-budget.js';
import { PACKAGE } from './version.js';
import { AdminApi } from './admin/admin-api.js';
import { ClusterPeers } from './admin/cluster-peers.js';
import { CallIndex } from './admin/call-index.js';
import { LeaveReasons } from './admin/leave-reasons.js';
import { fanOut } from './admin/lifecycle.js';
import { NodeAdmin } from './admin/node-admin.js';
import { roomLifecycle } from './admin/room-lifecycle.js';
import { DeliveryQueue } from './webhooks/delivery-queue.js';
import { Webhooks } from './webhooks/webhooks.js';

export interface ServerOptions {
  logger?: Logger;
  /** Stately inspection callback handed to the supervisor and every connection actor (off by default). */
  inspect?: (event: InspectionEvent) => void;
}

export interface ServerHandle {
  readonly config: Config;
  readonly stats: Stats;
  readonly logger: Logger;
  start(): Promise<{ wsPort: number; restPort: number }>;
  /** Graceful drain: 503001 + close 1001 to every connection, then the ports close. Idempotent. */
  stop(): Promise<void>;
  /** Live sizes for leak checks: nothing may linger after a connection goes. */
  inspectState(): { connections: number; helloPending: number; rooms: number; memberIndex: number; lifecycle: string; calls: number; sessions: number; unconfirmedSessions: number };
  numSubscribers(topic: string): number;
  /** The Redis engine's state (null with the local engine): /tests and the metrics report it. */
  cluster(): ClusterStatus | null;
}

export function createServer(config: Config, options: ServerOptions = {}): ServerHandle {
  assertNativeUws();
  // Identity tokens (auth.jwt*): null when none is configured. A key file that cannot be used stops the start.
  let tokenVerifier: TokenVerifier | null;
  try {
    tokenVerifier = createTokenVerifier(config.auth, config.limits);
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  const logger = options.logger ?? createLogger(config);
  const stats = new Stats();
  const wsApp = createApp(config);
  const restApp = createApp(config);
  const tls = Boolean(config.key && config.cert);
  const started = new Date().toJSON();

  const builder = new MessageBuilder({ id: config.id, version: PACKAGE.version, info: config.info });
  // cluster.engine: "local" keeps everything in this process; "redis" spans processes and hosts.
  const cluster = config.cluster?.engine === 'redis' ? new RedisCluster(config, logger, wsApp) : null;

  // --- admin API and webhooks: the lifecycle hooks the owners call (src/admin/lifecycle.ts) ---
  const leaveReasons = new LeaveReasons();
  const callIndex = new CallIndex();
  const webhookQueue = (config.webhooks?.urls.length ?? 0) > 0 ? new DeliveryQueue(config.webhooks, stats, logger) : null;
  const lifecycle = fanOut([
    callIndex,
    ...(webhookQueue ? [new Webhooks({ config: config.webhooks, queue: webhookQueue, serverId: config.id, nodeId: cluster?.nodeId })] : []),
  ], (hook, err) => logger.error('lifecycle listener failed', { hook, error: String((err as Error)?.stack ?? err) }));
  const roomEvents = roomLifecycle(lifecycle, leaveReasons);
  // --- end admin API and webhooks wiring (continued below: rooms, calls, monitoring) ---

  // The owners: sockets (connections), rooms, and the membership authority; each asks the others.
  let membership: Membership | null = null;
  const connections: Connections = new Connections({
    stats, builder,
    pubsub: cluster ? cluster.pubsub : new LocalPubSub<SocketData>(),
    onDeparture: (connId, profile) => leaveReasons.departingWhile(connId, () => {
      if (profile) rooms.announceDeparture(connId, profile);
      membership?.leaveAll(connId);
      // --- users: no longer reachable at its uid; its direct calls hear it is gone ---
      users.release(connId);
      calls.connectionGone(connId);
    }),
    // --- resume: sessions that outlive their socket (src/connections/sessions.ts) ---
    resume: config.resume,
    nodeId: cluster?.nodeId, // resume tokens name their node (resume across nodes)
    topicsOf: (connId: string): string[] => {
      const topics: string[] = [];
      for (const rid of rooms.ridsOf(connId)) {
        const room: Room | undefined = rooms.get(rid);
        if (room !== undefined) topics.push(room.topic);
      }
      return topics;
    },
  });
  const rooms: Rooms = new Rooms({ io: connections, stats }, builder, config.multiRoomPrefix, {
    roomCreated: () => stats.roomsCreated++,
    roomRemoved: (room) => { stats.roomSeconds += (Date.now() - room.createdAt) / 1000; },
    // --- calls: a party gone from the room (leave, disconnect, kick, node gone) ends its calls there ---
    memberRemoved: (room, connId, member) => {
      calls.partyLeft(room.rid, connId);
      roomEvents.memberRemoved(room, connId, member); // lifecycle: member left, room closed
    },
    memberAdded: roomEvents.memberAdded, // lifecycle: room created, member joined
  });
  // --- calls: the owner of call actors, created under the supervisor (one actor system) ---
  const calls: Calls = new Calls({
    stats, builder, logger,
    send: (connId, text) => connections.send(connId, text),
    sendToDevice: (device, text) => connections.sendToDevice(device, text),
    ringTimeoutMs: (config.calls?.ringTimeoutSec ?? 60) * 1000,
    parent: () => supervisor.actor,
    lifecycle, // call started / answered / ended
    // --- calls across two nodes (Redis engine): the owner is the caller's node, the callee's keeps a mirror ---
    cluster: cluster ? {
      bus: cluster.callBus,
      sendToMember: (member, text) => connections.sendToMember(member, text),
      tell: (connId, event) => connections.tell(connId, event),
      roomOf: (rid) => rooms.get(rid),
      holdsLocally: (rid, connId) => { const m = rooms.get(rid)?.members.get(connId); return m !== undefined && m.node === undefined; },
      refuseUnavailable: (connId, msg) => connections.sendError(connId, msg as Envelope, ErrorCode.MembershipUnavailable),
    } : null,
  });
  membership = cluster ? cluster.attach(rooms, connections) : new LocalMembership(rooms);
  // --- users: the directory (which connections a uid is reachable at) and its owner on this node ---
  const users: Users = new Users({
    directory: cluster ? cluster.directory : new LocalDirectory(config.users.maxDevicesPerUser),
    stats, builder, lifecycle, uidMaxLength: config.limits.uidMaxLength,
    send: (connId, text) => connections.send(connId, text),
    sendToDevice: (device, text) => connections.sendToDevice(device, text),
    sendError: (connId, msg, code, arg) => connections.sendError(connId, msg, code, arg),
    tell: (connId, event) => connections.tell(connId, event),
    has: (connId) => connections.has(connId),
  });
  // A node gone (its heartbeat expired, or it stopped): direct calls with a party there end for it.
  if (cluster) cluster.onNodeGone = (node) => calls.nodeGone(node);
  // Workers of one host share wsPort (SO_REUSEPORT); a single process holds it exclusively.
  const listenWs = (config.cluster?.workers ?? 1) > 1 ? listenShared : listen;

  let wsListen: ReturnType<typeof closeListenSocket> | unknown = null;
  let restListen: unknown = null;
  let wsPort = 0;
  let restPort = 0;
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => { resolveStopped = resolve; });

  // An explicit callback (tests) wins; otherwise the config turns the WebSocket inspector on.
  const inspection: Inspection | null = !options.inspect && config.inspect.enabled ? createInspection(config.inspect, logger) : null;
  const inspect = options.inspect ?? inspection?.inspect;

  const supervisor = createSupervisor({
    config, logger, stats, builder, connections, rooms, membership, calls, users,
    stopListening: () => {
      if (wsListen) closeListenSocket(wsListen as never);
      wsListen = null;
    },
    stopped: () => resolveStopped(),
    inspect,
  });

  const fdLimit = openFileLimit(() => readFileSync('/proc/self/limits', 'utf8'));
  // Edge hardening: the ceiling also keeps room for sockets that have not upgraded (yet).
  const fdCeiling = connectionCeiling(fdLimit);
  const maxConnections = Math.min(config.maxConcurrentUsers, fdCeiling);
  if (config.maxConcurrentUsers > fdCeiling) {
    logger.warn('maxConcurrentUsers exceeds what the open-file limit allows; capping', {
      maxConcurrentUsers: config.maxConcurrentUsers, openFileLimit: fdLimit, cappedTo: maxConnections,
    });
  }

  // --- resume across nodes (Redis engine, resume on): a token naming another node is handed over from there ---
  const handover = createResumeHandover(cluster, {
    config: config.resume, stats, logger, connections, rooms, membership, calls,
    adoptConnection: (context, registered) => supervisor.adoptConnection(context, registered),
    users, // a registration moves with its session
  });
  // --- end resume across nodes ---

  // One set of per-address guards for both doors (Socket.IO door: a budget per address, not per door).
  const edge = new EdgeGuards(config, logger);
  attachWebSocket(wsApp, {
    config, stats, logger, builder, rooms, connections, calls,
    toSupervisor: (event) => supervisor.actor.send(event),
    isAccepting: supervisor.isAccepting,
    connectionCount: () => connections.size,
    maxConnections, edge,
    tokenVerifier,
    handover, // resume across nodes
  });
  // --- Socket.IO door: /socket.io/ on wsPort (a more specific route than the raw door's /*) ---
  const socketIO: SocketIODoor | null = config.socketio.enabled ? attachSocketIO(wsApp, {
    config, stats, logger, rooms, connections, calls, edge, tokenVerifier,
    toSupervisor: (event) => supervisor.actor.send(event),
    isAccepting: supervisor.isAccepting,
    connectionCount: () => connections.size,
    maxConnections,
  }) : null;
  // Relays from other nodes reach this node's raw members through uWS; its Socket.IO members here.
  // With resume on, every local copy is also numbered by its recipient's session.
  if (cluster && (socketIO || connections.sessions)) {
    cluster.pubsub.onLocalRoomFrame = (topic, frame) => {
      const room = connections.sessions ? rooms.ofTopic(topic) : rooms.withSocketIOMembers(topic);
      room?.receivedFromOtherNode(frame);
    };
  }
  // --- end Socket.IO door ---
  // Edge hardening: plain HTTP to wsPort gets 426 (a catch-all: a more specific route, e.g. /socket.io/*, precedes it).
  attachUpgradeRequired(wsApp, stats);

  const nodeAdmin = new NodeAdmin({
    connections, rooms, calls: callIndex, reasons: leaveReasons, nodeId: cluster?.nodeId,
    closeRoom: (rid, done) => supervisor.actor.send({ type: 'admin.closeRoom', rid, done }),
    drain: () => { if (supervisor.isAccepting()) supervisor.actor.send({ type: 'server.drain' }); },
    lifecycle: supervisor.lifecycle,
  });
  const monitoring: MonitoringContext = {
    config, stats, logger, tls, started,
    version: PACKAGE.version,
    description: config.info,
    uwsNative: true,
    wsPort: () => wsPort,
    restPort: () => restPort,
    connectionCount: () => connections.size,
    socketIOCount: () => socketIO?.open ?? 0,
    roomCounts: () => {
      let p2p = 0;
      let muc = 0;
      for (const room of rooms.all()) room.kind === 'muc' ? muc++ : p2p++;
      return { p2p, muc };
    },
    lifecycle: supervisor.lifecycle,
    cluster: () => cluster?.status() ?? null,
    tokenVerifier,
    // --- admin API: this node's connections, rooms and calls; cluster-wide through the other nodes ---
    admin: new AdminApi(nodeAdmin, cluster ? new ClusterPeers(cluster.adminBus(), nodeAdmin, config.admin.clusterTimeoutMs, logger) : null),
  };
  registerMonitoringRoutes(restApp, monitoring);

  let starting: Promise<{ wsPort: number; restPort: number }> | null = null;
  let stopBackpressureSweep = (): void => {};
  let stopping: Promise<void> | null = null;

  return {
    config, stats, logger,
    start() {
      starting ??= (async () => {
        // Redis first: a client let in before the node is synchronised would get 503002 for its joins.
        await cluster?.start();
        supervisor.start();
        calls.start();
        connections.sessions?.start();
        try {
          wsListen = await listenWs(wsApp, config.wsHost, config.wsPort);
        } catch (err) {
          await cluster?.stop();
          throw err;
        }
        wsPort = localPort(wsListen as never);
        try {
          restListen = await listen(restApp, config.restHost, config.restPort);
        } catch (err) {
          closeListenSocket(wsListen as never);
          await cluster?.stop();
          throw err;
        }
        restPort = localPort(restListen as never);
        // Edge hardening: process-wide backpressure budget and slow-reader deadline (1 s sweep).
        stopBackpressureSweep = startBackpressureSweep(connections, {
          maxTotalBytes: config.maxBackpressureTotalBytes ?? 0, slowReaderTimeoutMs: (config.slowReaderTimeoutSec ?? 0) * 1000,
        }, stats, logger);
        if (!config.appToken && !tokenVerifier) logger.warn('appToken is empty and no identity token is configured: any client may connect and claim any uid');
        logger.info('listening', {
          ws: `${tls ? 'wss' : 'ws'}://${config.wsHost}:${wsPort}/`,
          rest: `${tls ? 'https' : 'http'}://${config.restHost}:${restPort}/`,
          version: PACKAGE.version, maxConnections, ...(cluster ? { node: cluster.nodeId } : {}),
        });
        return { wsPort, restPort };
      })();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        if (!starting) {
          // Never started: nothing listens and no actor runs.
          await logger.close();
          return;
        }
        await starting.catch(() => undefined);
        logger.info('draining', { connections: connections.size });
        stopBackpressureSweep();
        // Already drained through POST /admin/drain: the supervisor has stopped, nothing to send.
        if (supervisor.actor.getSnapshot().status === 'active') supervisor.actor.send({ type: 'server.drain' });
        if (supervisor.actor.getSnapshot().status === 'active') await stopped;
        if (wsListen) closeListenSocket(wsListen as never);
        wsListen = null;
        if (restListen) closeListenSocket(restListen as never);
        restListen = null;
        // After the drain: Engine.IO sessions that never connected, and Socket.IO's timers.
        await socketIO?.close();
        // After the drain: the leaves of every closed connection are in Redis before this node leaves it.
        await cluster?.stop();
        calls.stop();
        users.clear();
        connections.sessions?.stop();
        handover?.stop();
        // The drain's last events (members left, rooms closed) get a moment to go out.
        await webhookQueue?.settle(Math.min(config.webhooks.timeoutMs, 2000));
        webhookQueue?.stop();
        inspection?.stop();
        logger.info('stopped');
        await logger.close();
      })();
      return stopping;
    },
    inspectState: () => ({
      connections: connections.size,
      helloPending: supervisor.helloPending(),
      rooms: rooms.size,
      memberIndex: rooms.memberIndexSize,
      lifecycle: supervisor.lifecycle(),
      calls: calls.size,
      sessions: connections.sessions?.size ?? 0,
      unconfirmedSessions: connections.sessions?.sizes.unconfirmed ?? 0,
    }),
    numSubscribers: (topic) => wsApp.numSubscribers(topic),
    cluster: () => cluster?.status() ?? null,
  };
}
