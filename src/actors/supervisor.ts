/**
 * The supervisor machine's implementations: admission and the drain (through the connection
 * owner), joins and leaves (the membership authority decides, the room owner announces, the
 * connection owner answers). Each action is a short call into one of them.
 */
import { randomUUID } from 'node:crypto';
import { createActor, type ActorRefFrom, type InspectionEvent } from 'xstate';
import { supervisorMachine, type DecidedRequest, type SupervisorEvent } from '../../machines/supervisor.js';
import type { Calls } from '../calls/calls.js';
import type { Users } from '../users/users.js';
import type { Config } from '../config/types.js';
import type { Connections } from '../connections/connections.js';
import { DeadlineClock } from '../timers/deadline-clock.js';
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';
import type { MessageBuilder } from '../protocol/build.js';
import { CloseCode, ErrorCode } from '../protocol/codes.js';
import { isValidRoomId, roomIdProblem } from '../protocol/parse.js';
import type { Envelope, Profile, RoomKind } from '../protocol/types.js';
import type { Member } from '../rooms/room.js';
import type { JoinVerdict, LeaveResult, Membership } from '../rooms/membership.js';
import type { Rooms } from '../rooms/rooms.js';
import type { Socket } from '../transport/socket-data.js';
import { createConnectionActor, createSuspendedConnectionActor, provideConnectionMachine } from './connection.js';
import type { ConnectionContext } from '../../machines/connection.js';

export type SupervisorActor = ActorRefFrom<typeof supervisorMachine>;

export interface SupervisorDeps {
  config: Config;
  logger: Logger;
  stats: Stats;
  builder: MessageBuilder;
  connections: Connections;
  rooms: Rooms;
  membership: Membership;
  /** The owner of call actors (created under this actor). */
  calls: Calls;
  users: Users;
  /** Close the WebSocket listen socket (draining starts). */
  stopListening(): void;
  /** Every connection is gone (or the drain timed out). */
  stopped(): void;
  inspect?: (event: InspectionEvent) => void;
}

/** Connections drained per batch, and the pause between batches: a shutdown with 100k sockets
 * must not block the loop for seconds (Phoenix's PoolDrainer does the same). */
const DRAIN_BATCH = 2000;

/** The authority's verdict → the event the chart handles. */
const JOIN_EVENT = {
  joined: 'join.accepted',
  alreadyMember: 'join.alreadyMember',
  kindConflict: 'join.kindConflict',
  full: 'join.roomFull',
  tooManyMultiRooms: 'join.tooManyMultiRooms',
  tooManyRooms: 'join.tooManyRooms',
} as const satisfies Record<JoinVerdict, SupervisorEvent['type']>;

/** Calls back at once with a plain value, or when a promise settles: the local path never awaits. */
function settle<T>(result: T | Promise<T>, onValue: (value: T) => void, onError: (err: unknown) => void): void {
  if (result instanceof Promise) result.then(onValue, onError);
  else onValue(result);
}

export function createSupervisor(deps: SupervisorDeps) {
  const { config, connections, rooms, membership, stats, builder, logger } = deps;
  let self: SupervisorActor | null = null;
  const toSupervisor = (event: SupervisorEvent) => self?.send(event);
  const helloClock = new DeadlineClock(config.helloTimeoutMs, (id) => connections.tell(id, { type: 'hello.timeout' }));
  const connectionMachine = provideConnectionMachine({ config, stats, builder, connections, helloClock, calls: deps.calls, users: deps.users, toSupervisor });

  const capacityOf = (kind: RoomKind) => (kind === 'muc' ? config.maxMembersPerMultiRoom : config.maxMembersPerRoom);
  const iqError = (r: { id: string; msg: unknown }, code: ErrorCode, arg?: string) => connections.sendError(r.id, r.msg as Envelope, code, arg);
  const answerJoin = (r: DecidedRequest) => {
    const room = rooms.get(r.rid);
    const j = r.msg.jsongle;
    connections.send(r.id, builder.iqResult(r.id, j.query, j.transaction, { members: room ? room.profilesExcept(r.id) : [], rid: r.rid }));
  };
  const membershipFailed = (r: { id: string; msg: DecidedRequest['msg']; rid: string }, err: unknown) => {
    logger.error('membership authority failed', { connectionId: r.id, error: String((err as Error)?.message ?? err) });
    self?.send({ type: 'membership.failed', id: r.id, msg: r.msg, rid: r.rid });
  };

  const machine = supervisorMachine.provide({
    delays: { drainTimeout: config.drainTimeoutMs },
    guards: {
      isRoomIdInvalid: (_, r) => !isValidRoomId(r.rid, config.id, config.limits),
      isRequesterGone: (_, r) => !connections.has(r.id),
      hasNoConnections: () => connections.size === 0,
    },
    actions: {
      spawnConnection: (_, { socket }) => {
        const ws = socket as Socket;
        const d = ws.getUserData();
        stats.connectionsOpened++;
        // identity: the token's verified claims, bound at the upgrade (null without JWT).
        const actor = createConnectionActor(connectionMachine, { id: d.id, helloTransaction: randomUUID(), identity: d.identity }, self as SupervisorActor);
        d.actor = actor;
        connections.add(ws);
        actor.start();
      },
      refuseConnection: (_, { id, socket }) => {
        const ws = socket as Socket;
        ws.getUserData().actor = null;
        connections.add(ws);
        connections.sendError(id, undefined, ErrorCode.ShuttingDown);
        connections.end(id, CloseCode.GoingAway, 'server shutting down');
      },
      releaseConnection: (_, { id }) => connections.release(id),
      decideJoin: (_, r) => {
        const rid = r.rid as string;
        settle<JoinVerdict>(
          membership.join({
            connId: r.id, rid, kind: r.kind, profile: connections.profileOf(r.id) ?? { uid: '' },
            capacity: capacityOf(r.kind), maxMultiRooms: config.maxMultiRoomPerUser, maxRooms: config.maxRoomsPerConnection,
          }),
          (verdict) => self?.send({ type: JOIN_EVENT[verdict], id: r.id, kind: r.kind, msg: r.msg, rid }),
          (err) => membershipFailed({ ...r, rid }, err),
        );
      },
      decideLeave: (_, r) => {
        const rid = r.rid as string;
        settle<LeaveResult>(
          membership.leave(r.id, rid),
          ({ verdict, kind }) => self?.send({ type: verdict === 'left' ? 'leave.accepted' : 'leave.notMember', id: r.id, msg: r.msg, rid, kind: kind ?? 'room' }),
          (err) => membershipFailed({ ...r, rid }, err),
        );
      },
      announceJoin: (_, r) => {
        const room = rooms.get(r.rid);
        const profile = connections.profileOf(r.id);
        if (room && profile) rooms.announce(room, r.id, 'joined', profile);
      },
      announceLeave: (_, r) => {
        const room = rooms.get(r.rid);
        const profile = connections.profileOf(r.id);
        if (room && profile) rooms.announce(room, r.id, 'left', profile);
      },
      confirmJoin: (_, r) => answerJoin(r),
      confirmLeave: (_, r) => {
        const j = r.msg.jsongle;
        connections.send(r.id, builder.iqResult(r.id, j.query, j.transaction, { rid: r.rid }));
      },
      rejectInvalidRoomId: (_, r) => iqError(r, ErrorCode.BadParameter, roomIdProblem(r.rid, config.id, config.limits) ?? 'rid'),
      rejectKindConflict: (_, r) => iqError(r, ErrorCode.RoomKindConflict, r.rid),
      rejectRoomFull: (_, r) => iqError(r, ErrorCode.RoomFull, r.kind === 'muc' ? 'multi room' : 'room'),
      rejectTooManyMultiRooms: (_, r) => iqError(r, ErrorCode.TooManyMultiRooms),
      rejectTooManyRooms: (_, r) => iqError(r, ErrorCode.TooManyRooms),
      rejectNotMember: (_, r) => iqError(r, ErrorCode.NotInRoom, `Not member of room ${r.rid}`),
      rejectMembershipUnavailable: (_, r) => iqError(r, ErrorCode.MembershipUnavailable),
      tellConnectionJoined: (_, r) => connections.tell(r.id, { type: 'room.joined', rid: r.rid }),
      tellConnectionLeft: (_, r) => connections.tell(r.id, { type: 'room.left', rid: r.rid }),
      stopAccepting: () => deps.stopListening(),
      drainConnections: () => {
        const ids = [...connections.ids()];
        const drainBatch = (from: number) => {
          for (let i = from; i < Math.min(from + DRAIN_BATCH, ids.length); i++) connections.tell(ids[i], { type: 'server.drain' });
          if (from + DRAIN_BATCH < ids.length) setImmediate(drainBatch, from + DRAIN_BATCH);
        };
        drainBatch(0);
      },
      closeRemainingConnections: () => {
        logger.warn('drain timeout: closing the remaining connections', { remaining: connections.size });
        // The supervisor is reaching its final state: clean up here rather than through ws.closed events.
        connections.closeAll();
        membership.clear();
      },
      notifyStopped: () => {
        helloClock.stop();
        deps.stopped();
      },
      forgetFailedCall: () => deps.calls.forgetFailed(),
      // --- admin API: a room closed by an operator. Members of this node leave it one at a time,
      // each removal announced (admin.memberRemoved) while the others are still in the room. ---
      removeRoomMembers: (_, { rid, done }) => {
        const tried = new Set<string>();
        let removed = 0;
        const next = (): void => {
          const room = rooms.get(rid);
          let member: Member | undefined;
          if (room) for (const m of room.members.values()) if (m.node === undefined && !tried.has(m.id)) { member = m; break; }
          if (room === undefined || member === undefined) return done(removed);
          const { id, profile } = member;
          tried.add(id);
          settle<LeaveResult>(
            membership.leave(id, rid),
            ({ verdict, kind }) => {
              if (verdict === 'left') {
                removed++;
                self?.send({ type: 'admin.memberRemoved', id, rid, kind: kind ?? room.kind, profile });
              }
              // On a later turn: the removal just sent has been announced by then.
              setImmediate(next);
            },
            (err) => {
              logger.error('membership authority failed to remove a member', { connectionId: id, rid, error: String((err as Error)?.message ?? err) });
              setImmediate(next);
            },
          );
        };
        next();
      },
      announceRemoval: (_, r) => {
        const room = rooms.get(r.rid);
        const profile = r.profile as Profile;
        if (room) rooms.announce(room, r.id, 'left', profile);
        // The removed member hears it too, naming itself: nobody else will tell it it is out.
        connections.send(r.id, builder.memberEvent(r.id, r.kind, 'left', profile, r.rid));
      },
      tellConnectionRemoved: (_, r) => connections.tell(r.id, { type: 'room.left', rid: r.rid }),
      closeFailedConnection: ({ event }) => {
        // Every connection actor has the same id (see createConnectionActor), so the failed one is
        // found by its status: a scan, but only when a bug made an action throw.
        const { error } = event as unknown as { error: unknown };
        for (const id of connections.ids()) {
          if (connections.actorOf(id)?.getSnapshot().status !== 'error') continue;
          logger.error('connection actor failed', { connectionId: id, error: String((error as Error)?.stack ?? error) });
          connections.end(id, CloseCode.InternalError, 'internal error');
        }
      },
    },
  });

  const actor = createActor(machine, deps.inspect ? { inspect: deps.inspect } : {});
  actor.subscribe({
    error: (err) => logger.error('supervisor failed', { error: String((err as Error)?.stack ?? err) }),
  });
  self = actor;

  return {
    actor,
    start: () => {
      actor.start();
      helloClock.start();
    },
    /** Hello deadlines still pending (leak checks: one store of per-connection state). */
    helloPending: () => helloClock.pending,
    /** True while upgrades are admitted. */
    isAccepting: () => actor.getSnapshot().matches('accepting'),
    lifecycle: () => String(actor.getSnapshot().value),
    /** Resume across nodes: the actor of a session another node handed over (suspended until its resume). */
    adoptConnection: (context: ConnectionContext, registered: boolean) => createSuspendedConnectionActor(connectionMachine, context, actor, registered),
  };
}

export type Supervisor = ReturnType<typeof createSupervisor>;
