/**
 * One actor per direct call (a `session-propose` addressed to a uid, not to a room): the same
 * jingle-session life cycle as a room call (machines/call.ts) — starting → answered (pending →
 * active) → ended — plus what a room does for a room call and nobody does for a direct one:
 * **forking** and **routing**. The propose rang every reachable device of the callee; the first
 * device to proceed, accept or decline is **pinned**: the others get a server-made session-retract
 * (answered-elsewhere / declined-elsewhere) and a later answer from one of them is refused (409001).
 * From then on the call's frames go between the caller and the pinned device only.
 *
 * Pure and visual: this file imports only xstate and pastes into Stately Studio. Every action is a
 * named stub; src/actors/direct-call.ts supplies them with `directCallMachine.provide(...)`, each a
 * one-line call into the call owner (src/calls/), which writes the frames. The routing decisions
 * are the rows below: who sent it (the caller, the pinned device, another device) and in which state.
 */
import { assign, setup } from 'xstate';

/** What a frame of the call does to it: the chart's event names (transport-info and the rest: `party.other`). */
export type DirectStep =
  | 'party.ringing' | 'party.proceed' | 'party.decline' | 'party.retract' | 'party.initiate'
  | 'party.accept' | 'party.terminate' | 'party.other';

/** Why a direct call ended (machines/call.ts's reasons). */
export type DirectCallEndReason = 'decline' | 'retract' | 'terminate' | 'gone' | 'timeout';
export type DirectEndedBy = 'caller' | 'callee' | 'server';

export interface DirectCallContext {
  sid: string;
  /** The caller's connection id. */
  caller: string;
  /** The pinned device's connection id; '' while every device rings. */
  callee: string;
  /** Devices still ringing (before the pin): the last one gone ends the call. */
  ringing: number;
  reason: DirectCallEndReason | null;
  endedBy: DirectEndedBy | null;
}

export interface DirectCallInput {
  sid: string;
  caller: string;
  /** Devices the propose was forked to. */
  ringing: number;
}

/** A party's frame: `device` is the sending device's connection id ('' from the caller); `frame` what
 * the relay actions forward (the owner's parsed frame: only the routing reads it here). */
export interface DirectPartyEvent {
  by: 'caller' | 'device';
  device: string;
  frame: unknown;
}

export type DirectCallEvent =
  | ({ type: DirectStep } & DirectPartyEvent)
  | { type: 'party.gone'; by: 'caller' | 'device'; device: string }
  | { type: 'ring.timeout' }
  // Resume across nodes: the caller's session moved to another node, which goes on with this call
  // from this actor's persisted snapshot; here it stops without ending (nothing reported).
  | { type: 'owner.moved' };

/** Params of the server-made endings. */
export interface DirectEndingParams {
  why: 'gone' | 'timeout';
}
export interface ElsewhereParams {
  reason: 'answered-elsewhere' | 'declined-elsewhere';
}
export interface DirectEndParams {
  reason: DirectCallEndReason;
  by: DirectEndedBy;
}

export const directCallMachine = setup({
  types: {
    context: {} as DirectCallContext,
    events: {} as DirectCallEvent,
    input: {} as DirectCallInput,
  },
  actions: {
    // The ring clock (the owner's one shared clock, no timer per call)
    startRingClock: () => {},
    stopRingClock: () => {},
    // Routing: the owner writes the frame to the connection(s) the row names
    relayToCaller: (_, _p: DirectPartyEvent) => {},
    relayToCallee: (_, _p: DirectPartyEvent) => {},
    relayToRingingDevices: (_, _p: DirectPartyEvent) => {},
    // Forking: the first answer pins its device, the others are told
    retractOtherDevices: (_, _p: ElsewhereParams) => {},
    refuseLateAnswer: (_, _p: DirectPartyEvent) => {},
    refuseStranger: (_, _p: DirectPartyEvent) => {},
    // Server-made endings, each in the form the other party's library accepts in its state
    tellCallerUnreachable: (_, _p: DirectEndingParams) => {},
    tellCalleeUnreachable: (_, _p: DirectEndingParams) => {},
    retractForCallee: (_, _p: DirectEndingParams) => {},
    retractRingingDevices: (_, _p: DirectEndingParams) => {},
    // Metrics and the call-detail record
    recordActive: () => {},
    recordInactive: () => {},
    reportEnded: () => {},
    // Pure
    pinDevice: assign({ callee: (_, p: { device: string }) => p.device }),
    dropRingingDevice: assign({ ringing: ({ context }) => context.ringing - 1 }),
    endAs: assign({
      reason: (_, p: DirectEndParams) => p.reason,
      endedBy: (_, p: DirectEndParams) => p.by,
    }),
  },
  guards: {
    byCaller: (_, e: { by: string }) => e.by === 'caller',
    byDevice: (_, e: { by: string }) => e.by === 'device',
    isFromPinnedDevice: ({ context }, e: { by: string; device: string }) => e.by === 'device' && e.device === context.callee,
    isLastRingingDevice: ({ context }) => context.ringing <= 1,
  },
}).createMachine({
  id: 'directCall',
  context: ({ input }) => ({ sid: input.sid, caller: input.caller, callee: '', ringing: input.ringing, reason: null, endedBy: null }),
  initial: 'starting',
  on: {
    'owner.moved': { target: '.movedAway' },
  },
  states: {
    starting: {
      description: 'Forked: every reachable device of the callee rings; the first to answer is pinned. The ring clock runs.',
      initial: 'proposed',
      entry: 'startRingClock',
      exit: 'stopRingClock',
      states: {
        proposed: {},
        ringing: {},
      },
      on: {
        'party.ringing': { guard: { type: 'byDevice', params: ({ event }) => event }, target: '.ringing', actions: { type: 'relayToCaller', params: ({ event }) => event } },
        'party.proceed': {
          guard: { type: 'byDevice', params: ({ event }) => event },
          target: 'answered.pending',
          actions: [
            { type: 'pinDevice', params: ({ event }) => event },
            { type: 'relayToCaller', params: ({ event }) => event },
            { type: 'retractOtherDevices', params: { reason: 'answered-elsewhere' } },
          ],
        },
        // A client that answers without proceeding first still makes the call active.
        'party.accept': {
          guard: { type: 'byDevice', params: ({ event }) => event },
          target: 'answered.active',
          actions: [
            { type: 'pinDevice', params: ({ event }) => event },
            { type: 'relayToCaller', params: ({ event }) => event },
            { type: 'retractOtherDevices', params: { reason: 'answered-elsewhere' } },
          ],
        },
        'party.decline': {
          guard: { type: 'byDevice', params: ({ event }) => event },
          target: 'ended',
          actions: [
            { type: 'pinDevice', params: ({ event }) => event },
            { type: 'relayToCaller', params: ({ event }) => event },
            { type: 'retractOtherDevices', params: { reason: 'declined-elsewhere' } },
            { type: 'endAs', params: { reason: 'decline', by: 'callee' } },
          ],
        },
        'party.retract': {
          guard: { type: 'byCaller', params: ({ event }) => event },
          target: 'ended',
          actions: [{ type: 'relayToRingingDevices', params: ({ event }) => event }, { type: 'endAs', params: { reason: 'retract', by: 'caller' } }],
        },
        'party.terminate': [
          {
            guard: { type: 'byCaller', params: ({ event }) => event },
            target: 'ended',
            actions: [{ type: 'relayToRingingDevices', params: ({ event }) => event }, { type: 'endAs', params: { reason: 'terminate', by: 'caller' } }],
          },
          {
            target: 'ended',
            actions: [
              { type: 'pinDevice', params: ({ event }) => event },
              { type: 'relayToCaller', params: ({ event }) => event },
              { type: 'retractOtherDevices', params: { reason: 'declined-elsewhere' } },
              { type: 'endAs', params: { reason: 'terminate', by: 'callee' } },
            ],
          },
        ],
        // Before the pin: the caller's frames go to every ringing device, a device's to the caller.
        'party.initiate': [
          { guard: { type: 'byCaller', params: ({ event }) => event }, actions: { type: 'relayToRingingDevices', params: ({ event }) => event } },
          { actions: { type: 'relayToCaller', params: ({ event }) => event } },
        ],
        'party.other': [
          { guard: { type: 'byCaller', params: ({ event }) => event }, actions: { type: 'relayToRingingDevices', params: ({ event }) => event } },
          { actions: { type: 'relayToCaller', params: ({ event }) => event } },
        ],
        'party.gone': [
          {
            guard: { type: 'byCaller', params: ({ event }) => event },
            target: 'ended',
            actions: [{ type: 'retractRingingDevices', params: { why: 'gone' } }, { type: 'endAs', params: { reason: 'gone', by: 'caller' } }],
          },
          {
            guard: 'isLastRingingDevice',
            target: 'ended',
            actions: [{ type: 'tellCallerUnreachable', params: { why: 'gone' } }, { type: 'endAs', params: { reason: 'gone', by: 'callee' } }],
          },
          // One device of several went: the others still ring.
          { actions: 'dropRingingDevice' },
        ],
        'ring.timeout': {
          target: 'ended',
          actions: [
            { type: 'tellCallerUnreachable', params: { why: 'timeout' } },
            { type: 'retractRingingDevices', params: { why: 'timeout' } },
            { type: 'endAs', params: { reason: 'timeout', by: 'server' } },
          ],
        },
      },
    },
    answered: {
      description: 'Pinned to one device: frames go between the caller and that device only; any other device is refused.',
      initial: 'pending',
      on: {
        // A second answer from another device comes too late (409001); any other frame of it is a stranger's (409002).
        'party.proceed': [
          { guard: { type: 'isFromPinnedDevice', params: ({ event }) => event }, actions: { type: 'relayToCaller', params: ({ event }) => event } },
          { guard: { type: 'byDevice', params: ({ event }) => event }, actions: { type: 'refuseLateAnswer', params: ({ event }) => event } },
        ],
        'party.decline': [
          { guard: { type: 'isFromPinnedDevice', params: ({ event }) => event }, actions: { type: 'relayToCaller', params: ({ event }) => event } },
          { guard: { type: 'byDevice', params: ({ event }) => event }, actions: { type: 'refuseLateAnswer', params: ({ event }) => event } },
        ],
        'party.accept': [
          { guard: { type: 'isFromPinnedDevice', params: ({ event }) => event }, actions: { type: 'relayToCaller', params: ({ event }) => event } },
          { guard: { type: 'byDevice', params: ({ event }) => event }, actions: { type: 'refuseLateAnswer', params: ({ event }) => event } },
        ],
        // The caller's own session-ringing moves nothing (as before the pin): it is a party, not a stranger.
        'party.ringing': [
          { guard: { type: 'isFromPinnedDevice', params: ({ event }) => event }, actions: { type: 'relayToCaller', params: ({ event }) => event } },
          { guard: { type: 'byDevice', params: ({ event }) => event }, actions: { type: 'refuseStranger', params: ({ event }) => event } },
        ],
        'party.initiate': [
          { guard: { type: 'byCaller', params: ({ event }) => event }, actions: { type: 'relayToCallee', params: ({ event }) => event } },
          { guard: { type: 'isFromPinnedDevice', params: ({ event }) => event }, actions: { type: 'relayToCaller', params: ({ event }) => event } },
          { actions: { type: 'refuseStranger', params: ({ event }) => event } },
        ],
        'party.other': [
          { guard: { type: 'byCaller', params: ({ event }) => event }, actions: { type: 'relayToCallee', params: ({ event }) => event } },
          { guard: { type: 'isFromPinnedDevice', params: ({ event }) => event }, actions: { type: 'relayToCaller', params: ({ event }) => event } },
          { actions: { type: 'refuseStranger', params: ({ event }) => event } },
        ],
        'party.terminate': [
          {
            guard: { type: 'byCaller', params: ({ event }) => event },
            target: 'ended',
            actions: [{ type: 'relayToCallee', params: ({ event }) => event }, { type: 'endAs', params: { reason: 'terminate', by: 'caller' } }],
          },
          {
            guard: { type: 'isFromPinnedDevice', params: ({ event }) => event },
            target: 'ended',
            actions: [{ type: 'relayToCaller', params: ({ event }) => event }, { type: 'endAs', params: { reason: 'terminate', by: 'callee' } }],
          },
          { actions: { type: 'refuseStranger', params: ({ event }) => event } },
        ],
      },
      states: {
        pending: {
          description: 'The pinned device proceeded: the caller sends its offer (initiate), the device answers (accept).',
          initial: 'proceeded',
          states: {
            proceeded: {
              on: {
                'party.initiate': [
                  { guard: { type: 'byCaller', params: ({ event }) => event }, target: 'initiated', actions: { type: 'relayToCallee', params: ({ event }) => event } },
                ],
              },
            },
            initiated: {},
          },
          on: {
            'party.accept': [
              { guard: { type: 'isFromPinnedDevice', params: ({ event }) => event }, target: 'active', actions: { type: 'relayToCaller', params: ({ event }) => event } },
              { guard: { type: 'byDevice', params: ({ event }) => event }, actions: { type: 'refuseLateAnswer', params: ({ event }) => event } },
            ],
            'party.decline': [
              {
                guard: { type: 'isFromPinnedDevice', params: ({ event }) => event },
                target: '#directCall.ended',
                actions: [{ type: 'relayToCaller', params: ({ event }) => event }, { type: 'endAs', params: { reason: 'decline', by: 'callee' } }],
              },
              { guard: { type: 'byDevice', params: ({ event }) => event }, actions: { type: 'refuseLateAnswer', params: ({ event }) => event } },
            ],
            'party.retract': [
              {
                guard: { type: 'byCaller', params: ({ event }) => event },
                target: '#directCall.ended',
                actions: [{ type: 'relayToCallee', params: ({ event }) => event }, { type: 'endAs', params: { reason: 'retract', by: 'caller' } }],
              },
              { guard: { type: 'isFromPinnedDevice', params: ({ event }) => event }, actions: { type: 'relayToCaller', params: ({ event }) => event } },
              { actions: { type: 'refuseStranger', params: ({ event }) => event } },
            ],
            'party.gone': [
              {
                guard: { type: 'byCaller', params: ({ event }) => event },
                target: '#directCall.ended',
                actions: [{ type: 'retractForCallee', params: { why: 'gone' } }, { type: 'endAs', params: { reason: 'gone', by: 'caller' } }],
              },
              {
                guard: { type: 'isFromPinnedDevice', params: ({ event }) => event },
                target: '#directCall.ended',
                actions: [{ type: 'tellCallerUnreachable', params: { why: 'gone' } }, { type: 'endAs', params: { reason: 'gone', by: 'callee' } }],
              },
            ],
          },
        },
        active: {
          description: 'Accepted: media flows between the caller and the pinned device. Counted in p2p_count while here.',
          entry: 'recordActive',
          exit: 'recordInactive',
          on: {
            'party.retract': [
              { guard: { type: 'byCaller', params: ({ event }) => event }, actions: { type: 'relayToCallee', params: ({ event }) => event } },
              { guard: { type: 'isFromPinnedDevice', params: ({ event }) => event }, actions: { type: 'relayToCaller', params: ({ event }) => event } },
              { actions: { type: 'refuseStranger', params: ({ event }) => event } },
            ],
            // The client library accepts no session-retract and no terminate with reason "gone" here.
            'party.gone': [
              {
                guard: { type: 'byCaller', params: ({ event }) => event },
                target: '#directCall.ended',
                actions: [{ type: 'tellCalleeUnreachable', params: { why: 'gone' } }, { type: 'endAs', params: { reason: 'gone', by: 'caller' } }],
              },
              {
                guard: { type: 'isFromPinnedDevice', params: ({ event }) => event },
                target: '#directCall.ended',
                actions: [{ type: 'tellCallerUnreachable', params: { why: 'gone' } }, { type: 'endAs', params: { reason: 'gone', by: 'callee' } }],
              },
            ],
          },
        },
      },
    },
    ended: {
      description: 'Over, with a reason and who ended it: the owner records it and forgets the call.',
      type: 'final',
      entry: 'reportEnded',
    },
    movedAway: {
      description: "Resume across nodes: the call goes on at the caller's new node (this actor's snapshot); nothing ends here.",
      type: 'final',
    },
  },
});
