/**
 * The messages of the resume hand-over between two nodes (src/cluster/resume-handover.ts), and
 * their reading: whatever another node (or anything else publishing on a node channel) sent is
 * checked field by field before it is acted on; anything else is null (logged by the caller).
 */
import type { TokenIdentity } from '../../machines/connection.js';
import type { HandedCall } from '../calls/call-handover.js';
import type { HandedSession } from '../connections/sessions.js';
import type { Profile } from '../protocol/types.js';
import type { ResumeFailure } from '../transport/socket-data.js';

/** The connection actor's context as it travels (rooms as a list). */
export interface HandedContext {
  profile: Profile | null;
  identity: TokenIdentity | null;
  rooms: string[];
}

export type HandoverMessage =
  | { t: 'q'; req: string; token: string; lastSeen: string | null; sub?: string; from: string }
  | { t: 'f'; req: string; failed: ResumeFailure; id?: string }
  | { t: 's'; id: string; from: string }
  | { t: 'S'; id: string }
  | { t: 'F'; id: string; frame: string }
  | {
    t: 'h'; req: string; session: HandedSession; context: HandedContext; calls: HandedCall[];
    /** The uid the session is registered at (session-register); null: not registered. */
    registration: string | null;
  };

const FAILURES: ReadonlySet<unknown> = new Set(['unknown', 'expired', 'gap']);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function isSession(v: unknown): v is HandedSession {
  return isObj(v) && isStr(v.id) && isStr(v.token) && isCount(v.lastSeen) && isCount(v.received) && isStrList(v.frames);
}

function isContext(v: unknown): v is HandedContext {
  return isObj(v) && (v.profile === null || (isObj(v.profile) && typeof v.profile.uid === 'string')) &&
    (v.identity === null || (isObj(v.identity) && typeof v.identity.sub === 'string')) && isStrList(v.rooms);
}

function isDirectCall(v: Record<string, unknown>): boolean {
  if (!isStr(v.sid) || !isStr(v.caller) || !isObj(v.ids)) return false;
  if (v.k === 'directMirror') return isStr(v.owner) && isStr(v.device) && typeof v.accepted === 'boolean';
  return typeof v.callerUid === 'string' && typeof v.calleeUid === 'string' && isCount(v.proposedAt) && isCount(v.acceptedAt) &&
    isObj(v.snapshot) && Array.isArray(v.devices) && v.devices.length > 0 && v.devices.every((d) => isObj(d) && isStr(d.id) && isStr(d.node));
}

function isCall(v: unknown): v is HandedCall {
  if (isObj(v) && (v.k === 'directOwned' || v.k === 'directMirror')) return isDirectCall(v);
  if (!isObj(v) || !isStr(v.sid) || !isStr(v.rid) || !isStr(v.caller) || !isStr(v.callee) || !isObj(v.ids)) return false;
  if (v.k === 'mirror') return isStr(v.owner) && typeof v.accepted === 'boolean';
  return v.k === 'owned' && typeof v.callerUid === 'string' && typeof v.calleeUid === 'string' && isCount(v.proposedAt) &&
    isCount(v.acceptedAt) && typeof v.claimed === 'boolean' && isObj(v.snapshot);
}

/** One message as read from a node channel, or null when it is not one. */
export function parseHandoverMessage(line: string): HandoverMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isObj(m)) return null;
  switch (m.t) {
    case 'q':
      return isStr(m.req) && isStr(m.token) && isStr(m.from) && (m.lastSeen === null || typeof m.lastSeen === 'string') &&
        (m.sub === undefined || typeof m.sub === 'string') ? (m as HandoverMessage) : null;
    case 'f':
      return isStr(m.req) && FAILURES.has(m.failed) && (m.id === undefined || isStr(m.id)) ? (m as HandoverMessage) : null;
    case 's':
      return isStr(m.id) && isStr(m.from) ? (m as HandoverMessage) : null;
    case 'S':
      return isStr(m.id) ? (m as HandoverMessage) : null;
    case 'F':
      return isStr(m.id) && typeof m.frame === 'string' ? (m as HandoverMessage) : null;
    case 'h':
      return isStr(m.req) && isSession(m.session) && isContext(m.context) && Array.isArray(m.calls) && m.calls.every(isCall) &&
        (m.registration === null || isStr(m.registration)) ? (m as HandoverMessage) : null;
    default:
      return null;
  }
}
