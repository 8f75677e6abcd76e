/**
 * The connection machine's implementations: each a short call into an owner — the connection
 * owner for anything written to this socket, the room named by the relay for the fan-out, the
 * supervisor for joins and leaves.
 */
import { createActor, type AnyActorRef } from 'xstate';
import {
  connectionMachine, type ConnectionContext, type ConnectionInput, type FrameParams, type RelayEvent, type UserView,
} from '../../machines/connection.js';
import type { SupervisorEvent } from '../../machines/supervisor.js';
import type { Calls } from '../calls/calls.js';
import type { Users } from '../users/users.js';
import type { Config } from '../config/types.js';
import type { Connections } from '../connections/connections.js';
import type { DeadlineClock } from '../timers/deadline-clock.js';
import type { Stats } from '../observability/stats.js';
import type { MessageBuilder } from '../protocol/build.js';
import { CloseCode, ErrorCode } from '../protocol/codes.js';
import { helloProblem } from '../protocol/hello.js';
import type { Envelope, RelayEnvelope } from '../protocol/types.js';
import type { Room } from '../rooms/room.js';
import { iceServersFor } from '../auth/ice-servers.js';

export type { ConnectionActor } from '../../machines/connection.js';
import type { ConnectionActor } from '../../machines/connection.js';

/** Longest call duration one session-metrics message may report (a week). */
export const MAX_CALL_SECONDS = 7 * 24 * 3600;

export interface ConnectionDeps {
  config: Config;
  stats: Stats;
  builder: MessageBuilder;
  connections: Connections;
  helloClock: DeadlineClock;
  calls: Calls;
  users: Users;
  toSupervisor(event: SupervisorEvent): void;
}

type Ctx = { context: ConnectionContext };
const env = (p: FrameParams): Envelope => p.msg as Envelope;
const relayed = (e: RelayEvent): RelayEnvelope => e.msg as RelayEnvelope;
/** The chart's guards checked the room before any relay action runs. */
const roomOf = (e: RelayEvent): Room => e.room as Room;

export function provideConnectionMachine(deps: ConnectionDeps) {
  const { config, builder, stats, connections, helloClock, calls, users, toSupervisor } = deps;
  const uidOf = (context: ConnectionContext): string => (context.profile as { uid: string }).uid;
  const reply = ({ context }: Ctx, text: string) => connections.send(context.id, text);
  const replyError = ({ context }: Ctx, msg: Envelope | undefined, code: ErrorCode, arg?: string) =>
    connections.sendError(context.id, msg, code, arg);
  // Fresh TURN credentials for the helloed uid (null: no TURN or STUN configured).
  const iceServersOf = (context: ConnectionContext) => iceServersFor(config, context.profile?.uid ?? '', Date.now());
  /** The hello ack's description: the ICE servers (turn/stun configured) and the resume grant (resume on). */
  const helloAckDescription = (context: ConnectionContext) => {
    const iceServers = iceServersOf(context);
    const resume = connections.sessions?.grant(context.id);
    if (iceServers === null && resume === undefined) return undefined;
    return { ...(iceServers === null ? {} : { iceServers }), ...(resume === undefined ? {} : { resume }) };
  };

  return connectionMachine.provide({
    guards: {
      isHelloValid: ({ context }, p) => helloProblem(env(p), context.helloTransaction, config.limits, context.identity !== null) === null,
      isOverDirectCallLimit: ({ context }) => calls.directCallsPlacedBy(context.id) >= config.users.maxDirectCallsPerConnection,
    },
    actions: {
      // Resume: a fresh session after a resume that failed says why; the ack carries the resume token.
      sendHelloRequest: (a) => reply(a, builder.helloRequest(a.context.id, a.context.helloTransaction, connections.sessions?.failureOf(a.context.id))),
      startHelloClock: ({ context }) => helloClock.add(context.id),
      stopHelloClock: ({ context }) => helloClock.remove(context.id),
      acknowledgeHello: (a, p) => reply(a, builder.ack(a.context.id, p.msg.jsongle.transaction, 'success', helloAckDescription(a.context))),
      endSuspendedSession: ({ context }) => connections.sessions?.endSuspended(context.id),
      rejectHello: (a, p) => {
        reply(a, builder.ack(a.context.id, p.msg.jsongle.transaction, 'failed'));
        replyError(a, undefined, ErrorCode.BadParameter, helloProblem(env(p), a.context.helloTransaction, config.limits, a.context.identity !== null) ?? 'uid');
      },
      rejectSecondHello: (a, p) => {
        reply(a, builder.ack(a.context.id, p.msg.jsongle.transaction, 'failed'));
        replyError(a, undefined, ErrorCode.ActionNotSupported, 'iq-result');
      },
      // Identity (users-calls-sessions.md §1, §5): the token's sub, its room grant, the ICE servers.
      rejectHelloForIdentity: (a, p) => {
        reply(a, builder.ack(a.context.id, p.msg.jsongle.transaction, 'failed'));
        replyError(a, undefined, ErrorCode.UidNotTokenSubject, a.context.identity?.sub);
      },
      replyNotGranted: (a, p) => replyError(a, env(p), ErrorCode.RoomNotGranted, String(ridOf(p.msg))),
      replyIceServers: (a, p) => {
        const j = p.msg.jsongle;
        reply(a, builder.iqResult(a.context.id, j.query, j.transaction, { iceServers: iceServersOf(a.context) ?? [] }));
      },
      replyHelloRequired: (a, p) => replyError(a, env(p), ErrorCode.HelloRequired),
      replyMalformed: (a, p) => replyError(a, undefined, p.code as ErrorCode),
      replyInvalid: (a, p) => replyError(a, env(p), p.code as ErrorCode, p.param),
      replyQueryNotSupported: (a, p) => replyError(a, env(p), ErrorCode.QueryNotSupported, String(p.msg.jsongle.query)),
      replyNotInRoom: (a, p) => replyError(a, env(p), ErrorCode.NotInRoom, `Can't call - not in room ${String(p.msg.to)}`),
      replyUnreachable: (a, p) => reply(a, builder.callInfo(a.context.id, p.msg.jsongle, 'unreachable')),
      replyNoOtherMember: (a, p) => replyError(a, env(p), ErrorCode.NoOtherMember, String(p.msg.to)),
      replyRoomUnavailable: (a, p) => replyError(a, env(p), ErrorCode.MembershipUnavailable),
      replyTrying: (a, p) => reply(a, builder.callInfo(a.context.id, p.msg.jsongle, 'trying')),
      acknowledgeMessage: (a, p) => reply(a, builder.messageAck(a.context.id, p.msg.jsongle.namespace, p.msg.id)),
      // The hot path: one call into the room the edge looked up.
      relayToPeer: ({ context }, e) => roomOf(e).relayToPeer(context.id, relayed(e)),
      relayToMultiRoom: ({ context }, e) => roomOf(e).relayToMultiRoom(context.id, (context.profile as { uid: string }).uid, relayed(e)),
      relayToEachMember: ({ context }, e) => roomOf(e).relayToEachMember(context.id, relayed(e)),
      // Calls: one call into the call owner.
      replyNotCallParty: (a, p) => replyError(a, env(p), ErrorCode.NotCallParty, String(p.msg.jsongle.sid)),
      replyBusy: (a, p) => {
        calls.refusedBusy();
        reply(a, builder.callUnreachable(a.context.id, env(p).jsongle, 'busy'));
      },
      startCall: ({ context }, e) => calls.propose(context.id, (context.profile as { uid: string }).uid, roomOf(e), e.msg.jsongle),
      tellCall: ({ context }, e) => calls.step(e.call, context.id, e.msg.jsongle),
      claimCall: ({ context }, e) => calls.claim(context.id, e),
      // Users: one call into the users owner (registration, lookups, messages to a uid) or the call owner (direct calls).
      askToRegister: ({ context }, p) => users.register(context.id, uidOf(context), p.msg),
      replyRegistered: ({ context }, p) => users.replyRegistered(context.id, p.msg, p.devices),
      replyRegisterRefused: ({ context }, p) => users.replyRefused(context.id, p.msg, p.why),
      unregisterUser: ({ context }) => users.release(context.id),
      replyUnregistered: (a, p) => {
        const j = p.msg.jsongle;
        reply(a, builder.iqResult(a.context.id, j.query, j.transaction, { uid: uidOf(a.context) }));
      },
      replyNotRegistered: (a, p) => replyError(a, env(p), ErrorCode.NotRegistered),
      resolveUser: ({ context }, e) => users.resolve(context.id, e),
      replyOverDirectCallLimit: (a, p) => {
        stats.countCallEnded('busy');
        reply(a, builder.callUnreachable(a.context.id, env(p).jsongle, 'busy'));
      },
      replyUserUnreachable: (a, p) => replyError(a, env(p), ErrorCode.UserUnreachable, String(p.msg.to)),
      relayToUser: ({ context }, e) => users.relayToDevices(uidOf(context), e.user as UserView, relayed(e)),
      startDirectCall: ({ context }, e) => calls.proposeDirect(context.id, uidOf(context), e.user as UserView, relayed(e)),
      tellDirectCall: ({ context }, e) => calls.stepDirect(e.call, context.id, relayed(e)),
      recordCallMetrics: (_, p) => {
        const d = (p.msg.jsongle.description ?? {}) as { duration?: unknown; error?: unknown };
        // One call reports at most a week: a client cannot push the total to Infinity.
        if (typeof d.duration === 'number' && d.duration >= 0 && d.duration <= MAX_CALL_SECONDS) stats.callSeconds += d.duration;
        if (d.error === 'ice-failed') stats.callsFailed++;
      },
      askSupervisorToJoin: ({ context }, p) =>
        toSupervisor({ type: 'conn.join', id: context.id, kind: p.kind, msg: p.msg, rid: ridOf(p.msg) }),
      askSupervisorToLeave: ({ context }, p) => toSupervisor({ type: 'conn.leave', id: context.id, msg: p.msg, rid: ridOf(p.msg) }),
      closeForHelloTimeout: (a) => {
        replyError(a, undefined, ErrorCode.HelloTimeout);
        connections.end(a.context.id, CloseCode.HelloTimeout, 'session-hello not received in time', 'helloTimeout');
      },
      closeForShutdown: (a) => {
        replyError(a, undefined, ErrorCode.ShuttingDown);
        connections.end(a.context.id, CloseCode.GoingAway, 'server shutting down', 'shutdown');
      },
    },
  });
}

/** The rid a join or leave names (checked by the supervisor). */
function ridOf(msg: FrameParams['msg']): unknown {
  const d = msg.jsongle.description as { rid?: unknown } | undefined;
  return d?.rid;
}

export type ProvidedConnectionMachine = ReturnType<typeof provideConnectionMachine>;

/**
 * Creates a connection actor (started by the caller once its socket is registered) in the supervisor's actor system (`parent`): no system of
 * its own per connection, and a failure reaches the supervisor as `xstate.error.actor.<id>`
 * instead of being rethrown (which would take the process down). It is never stopped from outside:
 * `ws.closed` takes it to its final state and it stops itself.
 *
 * Every connection actor has the same id, `connection`: XState caches transitions per event type,
 * and the done/error events a child sends its parent are typed by the child's id, so a distinct id
 * per connection would add one cache entry per connection ever opened (measured: ~140 B each,
 * never freed). The connection id is in the context, which is what the inspector shows.
 */
export function createConnectionActor(
  machine: ProvidedConnectionMachine,
  input: ConnectionInput,
  parent: AnyActorRef,
): ConnectionActor {
  return createActor(machine, { id: 'connection', input, parent });
}

/** Resume across nodes: the actor of a session handed over by another node, created `suspended`
 * (as registered or not) with the context it had there (no entry action runs); the resume that
 * follows takes it to helloed, registered again when it was. */
export function createSuspendedConnectionActor(
  machine: ProvidedConnectionMachine, context: ConnectionContext, parent: AnyActorRef, registered: boolean,
): ConnectionActor {
  const input: ConnectionInput = { id: context.id, helloTransaction: '', identity: context.identity }; // unused: the snapshot wins
  const snapshot = machine.resolveState({ value: { suspended: registered ? 'registered' : 'unregistered' }, context });
  return createActor(machine, { id: 'connection', input, snapshot, parent });
}
