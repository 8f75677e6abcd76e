/**
 * The lifecycle hooks the owners call (rooms, members, calls; users once they exist): one small
 * listener interface, so that the admin API's call index and the webhooks hear the same facts
 * without the owners knowing either. server.ts wires the owners to `fanOut(...)` of the listeners.
 *
 * Every hook is called on the node where the fact happens, after the owner has applied it, and
 * must return at once (no I/O on the caller's path: the webhooks only enqueue).
 */
import type { Profile, RoomKind } from '../protocol/types.js';

/** Why a member is no longer in a room. */
export type LeftReason = 'leave' | 'disconnect' | 'closed';

/** Why a call ended (the call chart's reasons). */
export type CallEndReason = 'decline' | 'retract' | 'terminate' | 'gone' | 'timeout';

/** A call as the lifecycle reports it. */
export interface CallFacts {
  readonly sid: string;
  /** The P2P room of the call; null for a direct call (a propose addressed to a uid). */
  readonly rid: string | null;
  readonly caller: { readonly id: string; readonly uid: string };
  readonly callee: { readonly id: string; readonly uid: string };
  /** Epoch ms of the propose. */
  readonly proposedAt: number;
  /** Epoch ms of the accept, 0 while not answered. */
  readonly acceptedAt: number;
}

export interface CallEnding {
  readonly reason: CallEndReason;
  readonly endedBy: string | null;
  /** Propose → accept in ms; null when never answered. */
  readonly setupMs: number | null;
  /** Accept → end in seconds; 0 when never answered. */
  readonly durationSec: number;
}

export interface Lifecycle {
  /** A room came into existence (in the Redis engine: the join that created it in Redis). */
  roomCreated?(rid: string, kind: RoomKind): void;
  /** The room's last member left. */
  roomClosed?(rid: string, kind: RoomKind, lifetimeSec: number): void;
  /** A connection of this node joined a room. */
  memberJoined?(rid: string, kind: RoomKind, connId: string, profile: Profile): void;
  /** A connection of this node is no longer in a room. */
  memberLeft?(rid: string, kind: RoomKind, connId: string, profile: Profile, reason: LeftReason): void;
  callStarted?(call: CallFacts): void;
  callAnswered?(call: CallFacts): void;
  callEnded?(call: CallFacts, ending: CallEnding): void;
  /** A connection of this node registered at a uid (session-register) / is no longer (unregister, session end). */
  userRegistered?(uid: string, connId: string): void;
  userUnregistered?(uid: string, connId: string): void;
}

type Hook = keyof Lifecycle;
const HOOKS: readonly Hook[] = [
  'roomCreated', 'roomClosed', 'memberJoined', 'memberLeft', 'callStarted', 'callAnswered', 'callEnded', 'userRegistered', 'userUnregistered',
];

/** One Lifecycle that calls each listener's hook in turn; a listener that throws never stops the owner. */
export function fanOut(listeners: readonly Lifecycle[], onError: (hook: string, err: unknown) => void): Required<Lifecycle> {
  const out = {} as Record<Hook, (...args: unknown[]) => void>;
  for (const hook of HOOKS) {
    const fns = listeners.map((l) => l[hook]?.bind(l) as ((...args: unknown[]) => void) | undefined).filter((f) => f !== undefined);
    out[hook] = (...args: unknown[]) => {
      for (const fn of fns) {
        try {
          fn(...args);
        } catch (err) {
          onError(hook, err);
        }
      }
    };
  }
  return out as unknown as Required<Lifecycle>;
}
