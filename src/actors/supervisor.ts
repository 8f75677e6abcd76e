/**
 * The supervisor machine's implementations: the Map of connections it owns, admission state,
 * room membership through the RoomRegistry, and the drain in batches.
 */
import { randomUUID } from 'node:crypto';
import { createActor, type ActorRefFrom, type InspectionEvent } from 'xstate';
import { supervisorMachine, type SupervisorEvent } from '../../machines/supervisor.js';
import { CloseCode, ErrorCode } from '../protocol/codes.js';
import { isValidRoomId, roomIdProblem } from '../protocol/parse.js';
import type { Envelope, Profile, RoomKind } from '../protocol/types.js';
import { connTopic, roomTopicFactory } from '../pubsub/topics.js';
import { endSocket, sendText } from '../transport/outbox.js';
import type { Socket } from '../transport/socket-data.js';
import { provideConnectionMachine, startConnectionActor, type ConnectionActor } from './connection.js';
import type { ServerCore } from './core.js';
import { HelloClock } from './hello-clock.js';
import type { JoinVerdict, LeaveResult, Membership } from './membership.js';
import type { Room } from './rooms.js';

export type SupervisorActor = ActorRefFrom<typeof supervisorMachine>;

export interface SupervisorHooks {
  /** Close the WebSocket listen socket (draining starts). */
  stopListening(): void;
  /** Every connection is gone (or the drain timed out). */
  stopped(): void;
  inspect?: (event: InspectionEvent) => void;
}

/** Connections drained per batch, and the pause between batches: a shutdown with 100k sockets
 * must not block the loop for seconds (Phoenix's PoolDrainer does the same). */
const DRAIN_BATCH = 2000;

type Ev = { event: SupervisorEvent };
type JoinEvent = Extract<SupervisorEvent, { type: 'conn.join' | 'join.decided' }>;
type LeaveEvent = Extract<SupervisorEvent, { type: 'conn.leave' | 'leave.decided' }>;
type Request = Extract<SupervisorEvent, { msg: unknown }>;

/** Calls back at once with a plain value, or when a promise settles: the local path never awaits. */
function settle<T>(result: T | Promise<T>, onValue: (value: T) => void, onError: (err: unknown) => void): void {
  if (result instanceof Promise) result.then(onValue, onError);
  else onValue(result);
}

export function createSupervisor(core: ServerCore, membership: Membership, hooks: SupervisorHooks) {
  const { config, registry, sockets, stats, builder, pubsub, logger } = core;
  const actors = new Map<string, ConnectionActor>();
  let self: SupervisorActor | null = null;
  const toSupervisor = (event: SupervisorEvent) => self?.send(event);
  const helloClock = new HelloClock(config.helloTimeoutMs, (id) => actors.get(id)?.send({ type: 'hello.timeout' }));
  const connectionMachine = provideConnectionMachine(core, toSupervisor, helloClock);

  const ridOf = (event: SupervisorEvent): unknown => {
    const d = (event as JoinEvent | LeaveEvent).msg.jsongle.description as { rid?: unknown } | undefined;
    return d?.rid;
  };
  const profileOf = (id: string): Profile => actors.get(id)?.getSnapshot().context.profile ?? { uid: '' };
  const capacityOf = (kind: RoomKind) => (kind === 'muc' ? config.maxMembersPerMultiRoom : config.maxMembersPerRoom);
  const replyTo = (id: string, text: string) => {
    const ws = sockets.get(id);
    if (ws) sendText(ws, text, stats);
  };
  const iqError = (event: Request, code: ErrorCode, arg?: string) => {
    stats.countError(code);
    const j = event.msg.jsongle;
    replyTo(event.id, builder.iqError(event.id, j.query, j.transaction, code, arg));
  };
  /** Server-made message to another connection. A local socket is written at once (uWS keeps one
   * subscriber's order across its topics and direct sends, so it stays behind earlier relays), so the
   * members hear `joined` before the joiner's iq-result is written. A connection that is not local
   * is reached through its conn/<id> topic. */
  const toConnection = (id: string, text: string) => {
    const ws = sockets.get(id);
    if (ws) {
      sendText(ws, text, stats);
      return;
    }
    pubsub.publish(connTopic(id), text);
    stats.framesSent++;
    stats.bytesSent += Buffer.byteLength(text);
  };
  const notifyOthers = (room: Room, exceptId: string, event: 'joined' | 'left', member: Profile) => {
    for (const id of room.members.keys()) {
      if (id !== exceptId) toConnection(id, builder.memberEvent(id, room.kind, event, member, room.rid));
    }
  };
  const otherProfiles = (room: Room, exceptId: string): Profile[] => {
    const out: Profile[] = [];
    for (const m of room.members.values()) if (m.id !== exceptId) out.push(m.profile);
    return out;
  };
  const topicOf = roomTopicFactory(config.multiRoomPrefix);
  const membershipFailed = (id: string, msg: Envelope, err: unknown) => {
    logger.error('membership authority failed', { connectionId: id, error: String((err as Error)?.message ?? err) });
    self?.send({ type: 'membership.failed', id, msg });
  };


  const machine = supervisorMachine.provide({
    delays: { drainTimeout: config.drainTimeoutMs },
    guards: {
      isRoomIdInvalid: ({ event }: Ev) => !isValidRoomId(ridOf(event), config.id, config.limits),
      // The requester disconnected while its join/leave was being decided: its departure was announced already.
      isRequesterGone: ({ event }: Ev) => !actors.has((event as Request).id),
      hasNoConnections: () => actors.size === 0,
    },
    actions: {
      spawnConnection: ({ event }: Ev) => {
        const { id, socket } = event as Extract<SupervisorEvent, { type: 'ws.opened' }>;
        const ws = socket as Socket;
        sockets.set(id, ws);
        pubsub.subscribe(ws, connTopic(id));
        stats.connectionsOpened++;
        const actor = startConnectionActor(connectionMachine, { id, helloTransaction: randomUUID() }, self as SupervisorActor);
        actors.set(id, actor);
        ws.getUserData().actor = actor;
      },
      refuseConnection: ({ event }: Ev) => {
        const { id, socket } = event as Extract<SupervisorEvent, { type: 'ws.opened' }>;
        const ws = socket as Socket;
        stats.countError(ErrorCode.ShuttingDown);
        sendText(ws, builder.sessionError(id, ErrorCode.ShuttingDown), stats);
        endSocket(ws, CloseCode.GoingAway, 'server shutting down');
      },
      notifyRoomsOfDeparture: ({ event }: Ev) => {
        const { id } = event as { id: string };
        const member = profileOf(id);
        for (const rid of registry.ridsOf(id)) {
          const room = registry.get(rid);
          if (room) notifyOthers(room, id, 'left', member);
        }
      },
      releaseConnection: ({ event }: Ev) => {
        const { id } = event as { id: string };
        membership.leaveAll(id);
        const actor = actors.get(id);
        actors.delete(id);
        sockets.delete(id);
        // The actor reaches its final state and stops itself; if it is mid-event, after that event.
        actor?.send({ type: 'ws.closed' });
      },
      rejectInvalidRoomId: ({ event }: Ev) => iqError(event as JoinEvent, ErrorCode.BadParameter, roomIdProblem(ridOf(event), config.id, config.limits) ?? 'rid'),
      rejectKindConflict: ({ event }: Ev) => iqError(event as JoinEvent, ErrorCode.RoomKindConflict, ridOf(event) as string),
      rejectRoomFull: ({ event }: Ev) =>
        iqError(event as JoinEvent, ErrorCode.RoomFull, (event as JoinEvent).kind === 'muc' ? 'multi room' : 'room'),
      rejectTooManyMultiRooms: ({ event }: Ev) => iqError(event as JoinEvent, ErrorCode.TooManyMultiRooms),
      rejectNotMember: ({ event }: Ev) => iqError(event as LeaveEvent, ErrorCode.NotInRoom, `Not member of room ${ridOf(event) as string}`),
      rejectMembershipUnavailable: ({ event }: Ev) => iqError(event as Request, ErrorCode.MembershipUnavailable),
      decideJoin: ({ event }: Ev) => {
        const { id, kind, msg } = event as Extract<SupervisorEvent, { type: 'conn.join' }>;
        const rid = ridOf(event) as string;
        settle<JoinVerdict>(
          membership.join({
            connId: id, rid, kind, profile: profileOf(id), capacity: capacityOf(kind), maxMultiRooms: config.maxMultiRoomPerUser,
          }),
          (verdict) => self?.send({ type: 'join.decided', id, kind, msg, verdict }),
          (err) => membershipFailed(id, msg, err),
        );
      },
      decideLeave: ({ event }: Ev) => {
        const { id, msg } = event as Extract<SupervisorEvent, { type: 'conn.leave' }>;
        settle<LeaveResult>(
          membership.leave(id, ridOf(event) as string),
          ({ verdict, kind }) => self?.send({ type: 'leave.decided', id, msg, verdict, kind }),
          (err) => membershipFailed(id, msg, err),
        );
      },
      confirmExistingMembership: ({ event }: Ev) => {
        const e = event as JoinEvent;
        const rid = ridOf(e) as string;
        const room = registry.get(rid) as Room;
        replyTo(e.id, builder.iqResult(e.id, e.msg.jsongle.query, e.msg.jsongle.transaction, { members: otherProfiles(room, e.id), rid }));
      },
      notifyMemberJoined: ({ event }: Ev) => {
        const e = event as JoinEvent;
        const room = registry.get(ridOf(e) as string);
        if (room) notifyOthers(room, e.id, 'joined', profileOf(e.id));
      },
      subscribeToRoom: ({ event }: Ev) => {
        const e = event as JoinEvent;
        const ws = sockets.get(e.id);
        if (ws) pubsub.subscribe(ws, topicOf(ridOf(e) as string, e.kind));
      },
      confirmJoin: ({ event }: Ev) => {
        const e = event as JoinEvent;
        const rid = ridOf(e) as string;
        const room = registry.get(rid) as Room;
        replyTo(e.id, builder.iqResult(e.id, e.msg.jsongle.query, e.msg.jsongle.transaction, { members: otherProfiles(room, e.id), rid }));
        actors.get(e.id)?.send({ type: 'room.joined', rid, kind: room.kind });
      },
      notifyMemberLeft: ({ event }: Ev) => {
        const e = event as LeaveEvent;
        const room = registry.get(ridOf(e) as string);
        if (room) notifyOthers(room, e.id, 'left', profileOf(e.id));
      },
      unsubscribeFromRoom: ({ event }: Ev) => {
        const e = event as Extract<SupervisorEvent, { type: 'leave.decided' }>;
        const rid = ridOf(e) as string;
        const ws = sockets.get(e.id);
        if (ws && e.kind && !ws.getUserData().closed) pubsub.unsubscribe(ws, topicOf(rid, e.kind));
        actors.get(e.id)?.send({ type: 'room.left', rid });
      },
      confirmLeave: ({ event }: Ev) => {
        const e = event as LeaveEvent;
        replyTo(e.id, builder.iqResult(e.id, e.msg.jsongle.query, e.msg.jsongle.transaction, { rid: ridOf(e) as string }));
      },
      stopAccepting: () => hooks.stopListening(),
      drainConnections: () => {
        const ids = [...actors.keys()];
        const drainBatch = (from: number) => {
          for (let i = from; i < Math.min(from + DRAIN_BATCH, ids.length); i++) actors.get(ids[i])?.send({ type: 'server.drain' });
          if (from + DRAIN_BATCH < ids.length) setImmediate(drainBatch, from + DRAIN_BATCH);
        };
        drainBatch(0);
      },
      closeRemainingConnections: () => {
        logger.warn('drain timeout: closing the remaining connections', { remaining: actors.size });
        // The supervisor is reaching its final state: clean up here rather than through ws.closed events.
        const remaining = [...sockets.values()];
        for (const actor of actors.values()) actor.send({ type: 'ws.closed' });
        actors.clear();
        sockets.clear();
        membership.clear();
        for (const ws of remaining) if (!ws.getUserData().closed) ws.close();
      },
      notifyStopped: () => {
        helloClock.stop();
        hooks.stopped();
      },
      closeFailedConnection: ({ event }: Ev) => {
        // Every connection actor has the same id (see startConnectionActor), so the failed one is
        // found by its status: a scan, but only when a bug made an action throw.
        const { error } = event as unknown as { error: unknown };
        for (const [id, actor] of actors) {
          if (actor.getSnapshot().status !== 'error') continue;
          logger.error('connection actor failed', { connectionId: id, error: String((error as Error)?.stack ?? error) });
          const ws = sockets.get(id);
          if (ws) endSocket(ws, CloseCode.InternalError, 'internal error');
        }
      },
    },
  });

  const actor = createActor(machine, hooks.inspect ? { inspect: hooks.inspect } : {});
  actor.subscribe({
    error: (err) => logger.error('supervisor failed', { error: String((err as Error)?.stack ?? err) }),
  });
  self = actor;

  return {
    actor,
    actors,
    start: () => {
      actor.start();
      helloClock.start();
    },
    /** Connections still awaiting their hello (leak checks). */
    helloPending: () => helloClock.pending,
    /** True while upgrades are admitted. */
    isAccepting: () => actor.getSnapshot().matches('accepting'),
    lifecycle: () => String(actor.getSnapshot().value),
  };
}

export type Supervisor = ReturnType<typeof createSupervisor>;
export type { Envelope };
