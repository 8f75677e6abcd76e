/**
 * One actor per WebSocket: connected → helloed (outOfRoom ⇄ inRoom) → closing → closed.
 *
 * Pure and visual: this file imports only xstate and can be pasted into Stately Studio.
 * Actions and I/O guards are named stubs here; src/actors/connection.ts supplies them with
 * `connectionMachine.provide(...)`. The relay transition assigns nothing, so a relayed message
 * costs one event and the guards below, and nothing else in the actor.
 */
import { assign, setup } from 'xstate';

type RoomKind = 'room' | 'muc';
/** A client frame that passed the envelope checks (typed loosely: the machine only routes it). */
interface Frame {
  to?: unknown;
  jsongle: { action: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ConnectionContext {
  /** Connection id: the client's address for server-made messages (conn/<id>). */
  id: string;
  /** Transaction of the session-hello request; the client's answer must echo it. */
  helloTransaction: string;
  /** What the hello said, once it was valid. */
  profile: { uid: string; dn?: string } | null;
  /** Rooms this connection is in, with their kind. */
  rooms: Record<string, RoomKind>;
}

export interface ConnectionInput {
  id: string;
  helloTransaction: string;
}

export type ConnectionEvent =
  | { type: 'client.hello'; msg: Frame }
  | { type: 'client.join'; msg: Frame; kind: RoomKind }
  | { type: 'client.leave'; msg: Frame }
  | { type: 'client.unknownQuery'; msg: Frame }
  | { type: 'client.relay'; msg: Frame }
  | { type: 'client.metrics'; msg: Frame }
  | { type: 'client.invalid'; msg: Frame; code: number; param: string }
  | { type: 'client.malformed'; code: number }
  | { type: 'room.joined'; rid: string; kind: RoomKind }
  | { type: 'room.left'; rid: string }
  | { type: 'hello.timeout' }
  | { type: 'server.drain' }
  | { type: 'ws.closed' };

export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
  },
  actions: {
    // I/O — supplied by src/actors/connection.ts
    sendHelloRequest: () => {},
    startHelloClock: () => {},
    stopHelloClock: () => {},
    acknowledgeHello: () => {},
    rejectHello: () => {},
    rejectSecondHello: () => {},
    replyHelloTimeout: () => {},
    closeForHelloTimeout: () => {},
    replyHelloRequired: () => {},
    replyMalformed: () => {},
    replyInvalid: () => {},
    replyQueryNotSupported: () => {},
    replyNotInRoom: () => {},
    replyUnreachable: () => {},
    replyNoOtherMember: () => {},
    replyTrying: () => {},
    acknowledgeMessage: () => {},
    relayToRoom: () => {},
    trackCallState: () => {},
    recordCallMetrics: () => {},
    requestJoin: () => {},
    requestLeave: () => {},
    announceShutdown: () => {},
    // Pure
    assignProfile: assign({
      profile: ({ event }) => {
        const d = (event as { msg: Frame }).msg.jsongle.description as { uid: string; dn?: string };
        return d.dn === undefined ? { uid: d.uid } : { uid: d.uid, dn: d.dn };
      },
    }),
    assignRoom: assign({
      rooms: ({ context, event }) => {
        const { rid, kind } = event as { rid: string; kind: RoomKind };
        return { ...context.rooms, [rid]: kind };
      },
    }),
    unassignRoom: assign({
      rooms: ({ context, event }) => {
        const { rid } = event as { rid: string };
        const rooms = { ...context.rooms };
        delete rooms[rid];
        return rooms;
      },
    }),
  },
  guards: {
    // Supplied by src (they read the room registry or the hello rules)
    isHelloValid: () => false,
    isCallWithNobodyToReach: () => false,
    isMessageWithNobodyToReach: () => false,
    // Pure
    isNotMemberOfTarget: ({ context, event }) => {
      const to = (event as { msg: Frame }).msg.to;
      return typeof to !== 'string' || !Object.hasOwn(context.rooms, to);
    },
    isCallSignal: ({ event }) => {
      const a = (event as { msg: Frame }).msg.jsongle.action;
      return a === 'session-accept' || a === 'session-terminate';
    },
    isSessionPropose: ({ event }) => (event as { msg: Frame }).msg.jsongle.action === 'session-propose',
    isChatMessage: ({ event }) => {
      const a = (event as { msg: Frame }).msg.jsongle.action;
      return a === 'session-text' || a === 'session-custom';
    },
    isLastRoom: ({ context, event }) => {
      const { rid } = event as { rid: string };
      const rids = Object.keys(context.rooms);
      return rids.length === 1 && rids[0] === rid;
    },
  },
}).createMachine({
  id: 'connection',
  context: ({ input }) => ({
    id: input.id,
    helloTransaction: input.helloTransaction,
    profile: null,
    rooms: {},
  }),
  initial: 'connected',
  on: {
    'ws.closed': { target: '.closed' },
    'server.drain': { target: '.closing', actions: 'announceShutdown' },
    'client.malformed': { actions: 'replyMalformed' },
  },
  states: {
    connected: {
      description: 'The server sent iq-get session-hello and waits for the iq-result answer.',
      // One shared hello clock (src) sends hello.timeout after helloTimeoutMs: no timer per actor.
      entry: ['sendHelloRequest', 'startHelloClock'],
      exit: 'stopHelloClock',
      on: {
        'hello.timeout': { target: 'closing', actions: ['replyHelloTimeout', 'closeForHelloTimeout'] },
        'client.hello': [
          { guard: 'isHelloValid', target: 'helloed', actions: ['assignProfile', 'acknowledgeHello'] },
          { actions: 'rejectHello' },
        ],
        'client.join': { actions: 'replyHelloRequired' },
        'client.leave': { actions: 'replyHelloRequired' },
        'client.unknownQuery': { actions: 'replyHelloRequired' },
        'client.relay': { actions: 'replyHelloRequired' },
        'client.metrics': { actions: 'replyHelloRequired' },
        'client.invalid': { actions: 'replyHelloRequired' },
      },
    },
    helloed: {
      description: 'The client said hello: it may join rooms, send metrics and relay in its rooms.',
      initial: 'outOfRoom',
      on: {
        'client.hello': { actions: 'rejectSecondHello' },
        'client.join': { actions: 'requestJoin' },
        'client.leave': { actions: 'requestLeave' },
        'client.unknownQuery': { actions: 'replyQueryNotSupported' },
        'client.metrics': { actions: 'recordCallMetrics' },
        'client.invalid': { actions: 'replyInvalid' },
      },
      states: {
        outOfRoom: {
          on: {
            'client.relay': { actions: 'replyNotInRoom' },
            'room.joined': { target: 'inRoom', actions: 'assignRoom' },
          },
        },
        inRoom: {
          description: 'Member of at least one room: relays go straight to the room topic.',
          on: {
            'client.relay': [
              { guard: 'isNotMemberOfTarget', actions: 'replyNotInRoom' },
              { guard: 'isCallWithNobodyToReach', actions: 'replyUnreachable' },
              { guard: 'isMessageWithNobodyToReach', actions: 'replyNoOtherMember' },
              { guard: 'isSessionPropose', actions: ['relayToRoom', 'replyTrying'] },
              { guard: 'isChatMessage', actions: ['relayToRoom', 'acknowledgeMessage'] },
              { guard: 'isCallSignal', actions: ['trackCallState', 'relayToRoom'] },
              { actions: 'relayToRoom' },
            ],
            'room.joined': { actions: 'assignRoom' },
            'room.left': [
              { guard: 'isLastRoom', target: 'outOfRoom', actions: 'unassignRoom' },
              { actions: 'unassignRoom' },
            ],
          },
        },
      },
    },
    closing: {
      description: 'The server is closing the socket (hello timeout or shutdown) and waits for it to close.',
      on: {
        'server.drain': {},
        'client.malformed': {},
      },
    },
    closed: {
      description: 'The socket closed: the supervisor has removed this connection from every room.',
      type: 'final',
    },
  },
});
