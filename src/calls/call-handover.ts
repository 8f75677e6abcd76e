/**
 * Resume across nodes: the calls of a connection that moves to another node (its session is handed
 * over there, src/cluster/resume-handover.ts). What travels, per call the connection is a party to:
 *
 * - `owned`: the moving connection is the caller, so its node owned the call actor. The actor is
 *   stopped where it was (no exit action runs, nothing is reported) and recreated on the new node
 *   from its persisted snapshot (XState's getPersistedSnapshot / createActor(machine, { snapshot })),
 *   with the owner's record (times, identifiers). The callee's node learns the new owner (`w`).
 * - `mirror`: the moving connection is the callee; the owner stays where it is and learns the
 *   callee's new node (`n`); the new node keeps the mirror. When the owner is the new node itself, its
 *   call simply has a local callee again.
 *
 * Steps a party sent to the old owner while the call was on its way are forwarded by the old node
 * for resume.forwardSec (it remembers sid → new owner).
 */
import type { CallIds } from '../protocol/build.js';

export type HandedCall =
  | {
    k: 'owned'; sid: string; rid: string; caller: string; callee: string; callerUid: string; calleeUid: string;
    ids: CallIds; proposedAt: number; acceptedAt: number;
    /** The room's glare claim in Redis was taken (callee on another node at the propose): release it at the end. */
    claimed: boolean;
    /** The call actor's persisted snapshot. */
    snapshot: unknown;
  }
  | { k: 'mirror'; sid: string; rid: string; caller: string; callee: string; owner: string; ids: CallIds; accepted: boolean }
  | HandedDirectCall;

/**
 * Direct calls (src/calls/direct-calls.ts), the same two ways: the caller moves (`directOwned`: the
 * actor's snapshot and the record, every device with the node holding it; the device nodes learn
 * the new owner, `dw`), or a rung device moves (`directMirror`: the new node keeps a mirror for it
 * and the owner learns its node, `dn`; when the owner is the new node, the device is simply local).
 */
export type HandedDirectCall =
  | {
    k: 'directOwned'; sid: string; caller: string; callerUid: string; calleeUid: string;
    /** Every device the propose rang, with the node that holds it (never empty). */
    devices: { id: string; node: string }[];
    ids: CallIds; proposedAt: number; acceptedAt: number;
    snapshot: unknown;
  }
  | { k: 'directMirror'; sid: string; caller: string; owner: string; device: string; ids: CallIds; accepted: boolean };
