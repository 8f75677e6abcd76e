/**
 * The connection machine's implementations. Replies to the client go straight to its socket;
 * relays are published on the room's topic (the publisher excluded by uWS); joins and leaves are
 * forwarded to the supervisor, the single authority over membership.
 */
import { createActor, type ActorRefFrom, type AnyActorRef } from 'xstate';
import { connectionMachine, type ConnectionContext, type ConnectionEvent } from '../../machines/connection.js';
import type { SupervisorEvent } from '../../machines/supervisor.js';
import { CALL_ACTIONS, MESSAGE_ACTIONS } from '../protocol/actions.js';
import { isoNow } from '../protocol/clock.js';
import { badParameter, CloseCode, ErrorCode } from '../protocol/codes.js';
import { helloProblem } from '../protocol/hello.js';
import type { Envelope, RelayEnvelope } from '../protocol/types.js';
import { connTopic } from '../pubsub/topics.js';
import { endSocket, sendText } from '../transport/outbox.js';
import type { Socket } from '../transport/socket-data.js';
import type { ServerCore } from './core.js';
import type { HelloClock } from './hello-clock.js';

export type ConnectionActor = ActorRefFrom<typeof connectionMachine>;

/** Longest call duration one session-metrics message may report (a week). */
export const MAX_CALL_SECONDS = 7 * 24 * 3600;

type Args = { context: ConnectionContext; event: ConnectionEvent };
type WithMsg<T = Envelope> = { msg: T };

export function provideConnectionMachine(core: ServerCore, toSupervisor: (event: SupervisorEvent) => void, helloClock: HelloClock) {
  const { builder, stats, registry, pubsub, sockets } = core;

  const socketOf = (id: string): Socket | undefined => sockets.get(id);
  const reply = (context: ConnectionContext, text: string): void => {
    const ws = socketOf(context.id);
    if (ws) sendText(ws, text, stats);
  };
  const replyError = (context: ConnectionContext, msg: Envelope | undefined, code: ErrorCode, arg?: string): void => {
    stats.countError(code);
    const j = msg?.jsongle;
    reply(context, j && j.action === 'iq-set'
      ? builder.iqError(context.id, j.query, j.transaction, code, arg)
      : builder.sessionError(context.id, code, arg));
  };
  /** JSON.stringify overflows its stack on a few thousand levels of nesting (an 8 KB frame can hold
   * them): such a message is answered, not allowed to fail the actor. */
  const encode = (msg: RelayEnvelope): string | null => {
    try {
      return JSON.stringify(msg);
    } catch {
      return null;
    }
  };
  const replyTooDeep = (context: ConnectionContext): void =>
    replyError(context, undefined, ErrorCode.BadParameter, badParameter('description', 'nested too deeply'));
  const msgOf = (event: ConnectionEvent): Envelope => (event as unknown as WithMsg).msg;
  const roomOf = (event: ConnectionEvent) => registry.get((event as unknown as WithMsg<RelayEnvelope>).msg.to);
  const nobodyElseInP2P = (event: ConnectionEvent): boolean => {
    const room = roomOf(event);
    return room !== undefined && room.kind === 'room' && room.members.size < 2;
  };

  return connectionMachine.provide({
    guards: {
      isHelloValid: ({ context, event }: Args) => helloProblem(msgOf(event), context.helloTransaction, core.config.limits) === null,
      isCallWithNobodyToReach: ({ event }: Args) =>
        CALL_ACTIONS.has(msgOf(event).jsongle.action) && nobodyElseInP2P(event),
      isMessageWithNobodyToReach: ({ event }: Args) =>
        MESSAGE_ACTIONS.has(msgOf(event).jsongle.action) && nobodyElseInP2P(event),
    },
    actions: {
      sendHelloRequest: ({ context }: Args) => reply(context, builder.helloRequest(context.id, context.helloTransaction)),
      startHelloClock: ({ context }: Args) => helloClock.add(context.id),
      stopHelloClock: ({ context }: Args) => helloClock.remove(context.id),
      acknowledgeHello: ({ context, event }: Args) =>
        reply(context, builder.ack(context.id, msgOf(event).jsongle.transaction, 'success')),
      rejectHello: ({ context, event }: Args) => {
        const msg = msgOf(event);
        reply(context, builder.ack(context.id, msg.jsongle.transaction, 'failed'));
        replyError(context, undefined, ErrorCode.BadParameter, helloProblem(msg, context.helloTransaction, core.config.limits) ?? 'uid');
      },
      rejectSecondHello: ({ context, event }: Args) => {
        const msg = msgOf(event);
        reply(context, builder.ack(context.id, msg.jsongle.transaction, 'failed'));
        replyError(context, undefined, ErrorCode.ActionNotSupported, 'iq-result');
      },
      replyHelloTimeout: ({ context }: Args) => replyError(context, undefined, ErrorCode.HelloTimeout),
      closeForHelloTimeout: ({ context }: Args) => {
        const ws = socketOf(context.id);
        stats.countServerClose('helloTimeout');
        if (ws) endSocket(ws, CloseCode.HelloTimeout, 'session-hello not received in time');
      },
      replyHelloRequired: ({ context, event }: Args) => replyError(context, msgOf(event), ErrorCode.HelloRequired),
      replyMalformed: ({ context, event }: Args) =>
        replyError(context, undefined, (event as { code: ErrorCode }).code),
      replyInvalid: ({ context, event }: Args) => {
        const { code, param } = event as { code: ErrorCode; param: string };
        replyError(context, msgOf(event), code, param);
      },
      replyQueryNotSupported: ({ context, event }: Args) => {
        const msg = msgOf(event);
        replyError(context, msg, ErrorCode.QueryNotSupported, String(msg.jsongle.query));
      },
      replyNotInRoom: ({ context, event }: Args) =>
        replyError(context, msgOf(event), ErrorCode.NotInRoom, `Can't call - not in room ${String(msgOf(event).to)}`),
      replyUnreachable: ({ context, event }: Args) =>
        reply(context, builder.callInfo(context.id, msgOf(event).jsongle, 'unreachable')),
      replyNoOtherMember: ({ context, event }: Args) =>
        replyError(context, msgOf(event), ErrorCode.NoOtherMember, String(msgOf(event).to)),
      replyTrying: ({ context, event }: Args) =>
        reply(context, builder.callInfo(context.id, msgOf(event).jsongle, 'trying')),
      acknowledgeMessage: ({ context, event }: Args) => {
        const msg = msgOf(event);
        reply(context, builder.messageAck(context.id, msg.jsongle.namespace, msg.id));
      },
      // The hot path: one stamp, one rewrite, one stringify, one publish. No assign, no log.
      relayToRoom: ({ context, event }: Args) => {
        const msg = (event as unknown as WithMsg<RelayEnvelope>).msg;
        const rid = msg.to;
        const room = registry.get(rid);
        const ws = socketOf(context.id);
        if (room === undefined || ws === undefined) return;
        const j = msg.jsongle;
        if (j.action !== 'session-propose') {
          const d = j.description;
          const now = isoNow();
          if (d.sent === undefined) d.sent = now;
          d.relayed = now;
        }
        stats.countRelay(j, room.kind);
        const others = room.members.size - 1;
        if (room.kind === 'muc') {
          msg.from = rid + '/' + (context.profile as { uid: string }).uid;
          const text = encode(msg);
          if (text === null) return replyTooDeep(context);
          pubsub.publishFrom(ws, room.topic, text);
          stats.framesSent += others;
          stats.bytesSent += Buffer.byteLength(text) * others;
          return;
        }
        msg.from = rid;
        if (others === 1) {
          for (const id of room.members.keys()) if (id !== context.id) msg.to = id;
          const text = encode(msg);
          if (text === null) return replyTooDeep(context);
          pubsub.publishFrom(ws, room.topic, text);
          stats.framesSent++;
          stats.bytesSent += Buffer.byteLength(text);
          return;
        }
        // P2P rooms configured for more than two: `to` differs per recipient, one encoding each.
        for (const id of room.members.keys()) {
          if (id === context.id) continue;
          msg.to = id;
          const text = encode(msg);
          if (text === null) return replyTooDeep(context);
          pubsub.publish(connTopic(id), text);
          stats.framesSent++;
          stats.bytesSent += Buffer.byteLength(text);
        }
      },
      trackCallState: ({ event }: Args) => {
        const msg = (event as unknown as WithMsg<RelayEnvelope>).msg;
        const room = registry.get(msg.to);
        if (!room || room.kind !== 'room') return;
        if (msg.jsongle.action === 'session-accept') {
          if (!room.inCall) {
            room.inCall = true;
            stats.callsInProgress++;
            stats.callsAccepted++;
          }
        } else if (room.inCall) {
          room.inCall = false;
          stats.callsInProgress--;
        }
      },
      recordCallMetrics: ({ event }: Args) => {
        const d = (msgOf(event).jsongle.description ?? {}) as { duration?: unknown; error?: unknown };
        // One call reports at most a week: a client cannot push the total to Infinity.
        if (typeof d.duration === 'number' && d.duration >= 0 && d.duration <= MAX_CALL_SECONDS) stats.callSeconds += d.duration;
        if (d.error === 'ice-failed') stats.callsFailed++;
      },
      requestJoin: ({ context, event }: Args) => {
        const { msg, kind } = event as Extract<ConnectionEvent, { type: 'client.join' }>;
        toSupervisor({ type: 'conn.join', id: context.id, kind, msg });
      },
      requestLeave: ({ context, event }: Args) => toSupervisor({ type: 'conn.leave', id: context.id, msg: msgOf(event) }),
      announceShutdown: ({ context }: Args) => {
        const ws = socketOf(context.id);
        replyError(context, undefined, ErrorCode.ShuttingDown);
        stats.countServerClose('shutdown');
        if (ws) endSocket(ws, CloseCode.GoingAway, 'server shutting down');
      },
    },
  });
}

export type ProvidedConnectionMachine = ReturnType<typeof provideConnectionMachine>;

/**
 * Creates and starts a connection actor in the supervisor's actor system (`parent`): no system of
 * its own per connection, and a failure reaches the supervisor as `xstate.error.actor.<id>`
 * instead of being rethrown (which would take the process down). It is never stopped from outside:
 * `ws.closed` takes it to its final state and it stops itself.
 *
 * Every connection actor has the same id, `connection`: XState caches transitions per event type,
 * and the done/error events a child sends its parent are typed by the child's id, so a distinct id
 * per connection would add one cache entry per connection ever opened (measured: ~140 B each,
 * never freed). The connection id is in the context, which is what the inspector shows.
 */
export function startConnectionActor(
  machine: ProvidedConnectionMachine,
  input: { id: string; helloTransaction: string },
  parent: AnyActorRef,
): ConnectionActor {
  const actor = createActor(machine, { id: 'connection', input, parent });
  actor.start();
  return actor;
}
