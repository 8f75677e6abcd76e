/**
 * The call machine's implementations: each a one-line call into the call owner (src/calls/calls.ts),
 * which holds the call's record (parties, identifiers, times) and writes through the connection owner.
 */
import { createActor, type ActorRefFrom, type AnyActorRef } from 'xstate';
import { callMachine, type CallContext, type CallInput, type Side } from '../../machines/call.js';

export type CallActor = ActorRefFrom<typeof callMachine>;

/** What the call chart's actions ask of the owner of calls. */
export interface CallOwner {
  startRinging(sid: string): void;
  stopRinging(sid: string): void;
  /** `session-info unreachable` with `description.condition`. */
  tellUnreachable(sid: string, to: Side, condition: 'gone' | 'timeout'): void;
  /** `session-retract` with this reason. */
  retract(sid: string, to: Side, reason: 'gone' | 'timeout'): void;
  activated(sid: string): void;
  deactivated(sid: string): void;
  ended(context: CallContext): void;
}

export function provideCallMachine(owner: CallOwner) {
  return callMachine.provide({
    actions: {
      startRingClock: ({ context }) => owner.startRinging(context.sid),
      stopRingClock: ({ context }) => owner.stopRinging(context.sid),
      tellCallerUnreachable: ({ context }, p) => owner.tellUnreachable(context.sid, 'caller', p.why),
      tellCalleeUnreachable: ({ context }, p) => owner.tellUnreachable(context.sid, 'callee', p.why),
      retractForCallee: ({ context }, p) => owner.retract(context.sid, 'callee', p.why),
      recordActive: ({ context }) => owner.activated(context.sid),
      recordInactive: ({ context }) => owner.deactivated(context.sid),
      reportEnded: ({ context }) => owner.ended(context),
    },
  });
}

export type ProvidedCallMachine = ReturnType<typeof provideCallMachine>;

/**
 * A call actor in the supervisor's actor system (`parent`), so the inspector shows it next to the
 * connections. Like connection actors, every call actor has the same id (`call`): a distinct id
 * per call would add one entry to XState's per-type caches for every call ever made. The sid is in
 * the context. It stops itself on reaching `ended`.
 */
export function createCallActor(machine: ProvidedCallMachine, input: CallInput, parent: AnyActorRef): CallActor {
  return createActor(machine, { id: 'call', input, parent });
}
