/**
 * One actor per call (per `sid`): the jingle-session life cycle, starting → pending → active →
 * ended, kept by the server so that it can end a call nobody else will end (a party gone, nobody
 * answering) and count calls from what really happened.
 *
 * Pure and visual: this file imports only xstate and pastes into Stately Studio. Every action is a
 * named stub; src/actors/call.ts supplies them with `callMachine.provide(...)`, each a one-line call
 * into the call owner (src/calls/calls.ts).
 *
 * The chart is driven by the call actions the two parties relay (the owner turns each into a
 * `party.*` event saying who sent it: the caller or the callee) and by server events: a party gone
 * (it left the room or disconnected) and the ring timeout. It never relays anything itself: the
 * connection actor relays (see docs/architecture.md), so a party's action the chart does not expect
 * is relayed anyway, as it was before calls were tracked, and changes nothing here.
 */
import { assign, setup } from 'xstate';

/** Which side of the call sent an action or went away. */
export type Side = 'caller' | 'callee';

/** Why a call ended (XEP-0166 conditions for the server-made endings). */
export type CallEndReason = 'decline' | 'retract' | 'terminate' | 'gone' | 'timeout';

/** Who ended it: a party, or the server (ring timeout). */
export type EndedBy = Side | 'server';

export interface CallContext {
  sid: string;
  /** The P2P room the call is in. */
  rid: string;
  /** Connection ids of the parties. */
  caller: string;
  callee: string;
  reason: CallEndReason | null;
  endedBy: EndedBy | null;
}

export interface CallInput {
  sid: string;
  rid: string;
  caller: string;
  callee: string;
}

/** A party's call action, or its departure. */
export interface PartyEvent {
  by: Side;
}

export type CallEvent =
  | ({ type: 'party.ringing' } & PartyEvent)
  | ({ type: 'party.proceed' } & PartyEvent)
  | ({ type: 'party.decline' } & PartyEvent)
  | ({ type: 'party.retract' } & PartyEvent)
  | ({ type: 'party.initiate' } & PartyEvent)
  | ({ type: 'party.accept' } & PartyEvent)
  | ({ type: 'party.terminate' } & PartyEvent)
  | ({ type: 'party.gone' } & PartyEvent)
  | { type: 'ring.timeout' }
  // Resume across nodes: the caller's session moved to another node, which goes on with this call
  // from this actor's persisted snapshot; here it stops without ending (nothing reported).
  | { type: 'owner.moved' };

/** Params of a server-made ending: the condition or reason it carries. */
export interface EndingParams {
  why: 'gone' | 'timeout';
}

export interface EndParams {
  reason: CallEndReason;
  by: EndedBy;
}

export const callMachine = setup({
  types: {
    context: {} as CallContext,
    events: {} as CallEvent,
    input: {} as CallInput,
  },
  actions: {
    // The ring clock (one shared clock in src, no timer per call)
    startRingClock: () => {},
    stopRingClock: () => {},
    // Server-made endings, each in the form the other party's client library accepts in its state
    tellCallerUnreachable: (_, _p: EndingParams) => {},
    tellCalleeUnreachable: (_, _p: EndingParams) => {},
    retractForCallee: (_, _p: EndingParams) => {},
    // Metrics and the call-detail record
    recordActive: () => {},
    recordInactive: () => {},
    reportEnded: () => {},
    // Pure
    endAs: assign({
      reason: (_, p: EndParams) => p.reason,
      endedBy: (_, p: EndParams) => p.by,
    }),
  },
  guards: {
    byCaller: (_, e: PartyEvent) => e.by === 'caller',
    byCallee: (_, e: PartyEvent) => e.by === 'callee',
  },
}).createMachine({
  id: 'call',
  context: ({ input }) => ({ ...input, reason: null, endedBy: null }),
  initial: 'starting',
  on: {
    // Either party may hang up at any point: the call is over for the server too.
    'party.terminate': { target: '.ended', actions: { type: 'endAs', params: ({ event }) => ({ reason: 'terminate', by: event.by }) } },
    'owner.moved': { target: '.movedAway' },
  },
  states: {
    starting: {
      description: 'Proposed: the callee has not answered yet. The ring clock runs (calls.ringTimeoutSec).',
      initial: 'proposed',
      entry: 'startRingClock',
      exit: 'stopRingClock',
      states: {
        proposed: {
          on: {
            'party.ringing': { guard: { type: 'byCallee', params: ({ event }) => event }, target: 'ringing' },
          },
        },
        ringing: {},
      },
      on: {
        'party.proceed': { guard: { type: 'byCallee', params: ({ event }) => event }, target: 'pending' },
        // A client that answers without proceeding first still makes the call active.
        'party.accept': { guard: { type: 'byCallee', params: ({ event }) => event }, target: 'active' },
        'party.decline': {
          guard: { type: 'byCallee', params: ({ event }) => event },
          target: 'ended',
          actions: { type: 'endAs', params: { reason: 'decline', by: 'callee' } },
        },
        'party.retract': {
          guard: { type: 'byCaller', params: ({ event }) => event },
          target: 'ended',
          actions: { type: 'endAs', params: { reason: 'retract', by: 'caller' } },
        },
        'party.gone': [
          {
            guard: { type: 'byCaller', params: ({ event }) => event },
            target: 'ended',
            actions: [{ type: 'retractForCallee', params: { why: 'gone' } }, { type: 'endAs', params: { reason: 'gone', by: 'caller' } }],
          },
          {
            target: 'ended',
            actions: [{ type: 'tellCallerUnreachable', params: { why: 'gone' } }, { type: 'endAs', params: { reason: 'gone', by: 'callee' } }],
          },
        ],
        'ring.timeout': {
          target: 'ended',
          actions: [
            { type: 'tellCallerUnreachable', params: { why: 'timeout' } },
            { type: 'retractForCallee', params: { why: 'timeout' } },
            { type: 'endAs', params: { reason: 'timeout', by: 'server' } },
          ],
        },
      },
    },
    pending: {
      description: 'The callee proceeded: the caller sends its offer (initiate), the callee answers (accept).',
      initial: 'proceeded',
      states: {
        proceeded: {
          on: {
            'party.initiate': { guard: { type: 'byCaller', params: ({ event }) => event }, target: 'initiated' },
          },
        },
        initiated: {},
      },
      on: {
        'party.accept': { guard: { type: 'byCallee', params: ({ event }) => event }, target: 'active' },
        'party.retract': {
          guard: { type: 'byCaller', params: ({ event }) => event },
          target: 'ended',
          actions: { type: 'endAs', params: { reason: 'retract', by: 'caller' } },
        },
        'party.gone': [
          {
            guard: { type: 'byCaller', params: ({ event }) => event },
            target: 'ended',
            actions: [{ type: 'retractForCallee', params: { why: 'gone' } }, { type: 'endAs', params: { reason: 'gone', by: 'caller' } }],
          },
          {
            target: 'ended',
            actions: [{ type: 'tellCallerUnreachable', params: { why: 'gone' } }, { type: 'endAs', params: { reason: 'gone', by: 'callee' } }],
          },
        ],
      },
    },
    active: {
      description: 'Accepted: media flows between the parties. Counted in p2p_count while here.',
      entry: 'recordActive',
      exit: 'recordInactive',
      on: {
        // The client library accepts no session-retract and no session-terminate with reason "gone" here.
        'party.gone': [
          {
            guard: { type: 'byCaller', params: ({ event }) => event },
            target: 'ended',
            actions: [{ type: 'tellCalleeUnreachable', params: { why: 'gone' } }, { type: 'endAs', params: { reason: 'gone', by: 'caller' } }],
          },
          {
            target: 'ended',
            actions: [{ type: 'tellCallerUnreachable', params: { why: 'gone' } }, { type: 'endAs', params: { reason: 'gone', by: 'callee' } }],
          },
        ],
      },
    },
    ended: {
      description: 'Over, with a reason and who ended it: the owner records it and forgets the call.',
      type: 'final',
      entry: 'reportEnded',
    },
    movedAway: {
      description: 'Resume across nodes: the call goes on at the caller\'s new node (this actor\'s snapshot); nothing ends here.',
      type: 'final',
    },
  },
});
