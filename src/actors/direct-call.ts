/**
 * The direct-call machine's implementations: each a one-line call into the call owner's direct
 * calls (src/calls/direct-calls.ts), which holds the call's record (caller, devices, identifiers,
 * times) and writes through the connection owner.
 */
import { createActor, type ActorRefFrom, type AnyActorRef } from 'xstate';
import {
  directCallMachine, type DirectCallContext, type DirectCallInput, type DirectPartyEvent,
} from '../../machines/direct-call.js';

export type DirectCallActor = ActorRefFrom<typeof directCallMachine>;

/** What the direct-call chart's actions ask of the owner. */
export interface DirectCallOwner {
  startRinging(sid: string): void;
  stopRinging(sid: string): void;
  relayToCaller(context: DirectCallContext, e: DirectPartyEvent): void;
  relayToCallee(context: DirectCallContext, e: DirectPartyEvent): void;
  relayToRingingDevices(context: DirectCallContext, e: DirectPartyEvent): void;
  retractOtherDevices(context: DirectCallContext, reason: 'answered-elsewhere' | 'declined-elsewhere'): void;
  refuse(context: DirectCallContext, e: DirectPartyEvent, why: 'late' | 'stranger'): void;
  tellCallerUnreachable(context: DirectCallContext, why: 'gone' | 'timeout'): void;
  tellCalleeUnreachable(context: DirectCallContext, why: 'gone'): void;
  retractForCallee(context: DirectCallContext, why: 'gone'): void;
  retractRingingDevices(context: DirectCallContext, why: 'gone' | 'timeout'): void;
  activated(context: DirectCallContext): void;
  deactivated(sid: string): void;
  ended(context: DirectCallContext): void;
}

export function provideDirectCallMachine(owner: DirectCallOwner) {
  return directCallMachine.provide({
    actions: {
      startRingClock: ({ context }) => owner.startRinging(context.sid),
      stopRingClock: ({ context }) => owner.stopRinging(context.sid),
      relayToCaller: ({ context }, e) => owner.relayToCaller(context, e),
      relayToCallee: ({ context }, e) => owner.relayToCallee(context, e),
      relayToRingingDevices: ({ context }, e) => owner.relayToRingingDevices(context, e),
      retractOtherDevices: ({ context }, p) => owner.retractOtherDevices(context, p.reason),
      refuseLateAnswer: ({ context }, e) => owner.refuse(context, e, 'late'),
      refuseStranger: ({ context }, e) => owner.refuse(context, e, 'stranger'),
      tellCallerUnreachable: ({ context }, p) => owner.tellCallerUnreachable(context, p.why),
      tellCalleeUnreachable: ({ context }) => owner.tellCalleeUnreachable(context, 'gone'),
      retractForCallee: ({ context }) => owner.retractForCallee(context, 'gone'),
      retractRingingDevices: ({ context }, p) => owner.retractRingingDevices(context, p.why),
      recordActive: ({ context }) => owner.activated(context),
      recordInactive: ({ context }) => owner.deactivated(context.sid),
      reportEnded: ({ context }) => owner.ended(context),
    },
  });
}

export type ProvidedDirectCallMachine = ReturnType<typeof provideDirectCallMachine>;

/** A direct call actor in the supervisor's actor system; one shared id (`directCall`) for the
 * reason given in src/actors/call.ts. It stops itself on reaching `ended`. */
export function createDirectCallActor(machine: ProvidedDirectCallMachine, input: DirectCallInput, parent: AnyActorRef): DirectCallActor {
  return createActor(machine, { id: 'directCall', input, parent });
}
