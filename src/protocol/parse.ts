/**
 * Frame → envelope, with the spec's first two checks. Never throws; one JSON.parse; returns the
 * error code as a number on failure so the hot path allocates nothing for the answer it chooses.
 */
import { badParameter, ErrorCode } from './codes.js';
import { DEFAULT_IDENTIFIER_LIMITS, identifierRule, type IdentifierLimits } from './identifiers.js';
import type { Envelope } from './types.js';

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Deepest nesting accepted. JSON.stringify (needed to relay) overflows its stack at a few thousand
 * levels, which fit in an 8 KB frame; real JSONgle messages nest fewer than 10. */
export const MAX_NESTING = 64;
/** A frame of at most this many bytes nests at most 512 levels, far from where JSON.stringify
 * overflows, so the check is skipped on the hot path (transport-info frames are ~300 bytes). Larger
 * frames (SDP offers) are walked after parsing: the walk costs per value, not per byte, and an SDP
 * message holds a dozen values. */
const CHECK_NESTING_FROM_BYTES = 1024;

export function parseFrame(frame: ArrayBuffer, isBinary: boolean): Envelope | typeof ErrorCode.NotJsonObject | typeof ErrorCode.NoJsongle {
  if (isBinary) return ErrorCode.NotJsonObject;
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(frame));
  } catch {
    return ErrorCode.NotJsonObject;
  }
  if (frame.byteLength > CHECK_NESTING_FROM_BYTES && nestedDeeperThan(value, MAX_NESTING)) return ErrorCode.NotJsonObject;
  return checkEnvelope(value);
}

export function checkEnvelope(value: unknown): Envelope | typeof ErrorCode.NotJsonObject | typeof ErrorCode.NoJsongle {
  if (!isPlainObject(value)) return ErrorCode.NotJsonObject;
  const jsongle = (value as Record<string, unknown>).jsongle;
  if (!isPlainObject(jsongle)) return ErrorCode.NoJsongle;
  return value as unknown as Envelope;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The 400001 argument for a wrong room id (see badParameter), or null when `rid` is valid: a
 * non-empty string of at most `limits.ridMaxLength` characters, without control characters, that
 * is not the server id. A `/` is allowed (a MUC relay's `from` `<rid>/<uid>` splits at the last `/`).
 */
export function roomIdProblem(rid: unknown, serverId: string, limits: IdentifierLimits = DEFAULT_IDENTIFIER_LIMITS): string | null {
  if (typeof rid !== 'string' || rid.length === 0) return 'rid';
  if (rid === serverId) return badParameter('rid', 'must not be the server id');
  const rule = identifierRule(rid, limits.ridMaxLength, true);
  return rule === null ? null : badParameter('rid', rule);
}

export function isValidRoomId(rid: unknown, serverId: string, limits: IdentifierLimits = DEFAULT_IDENTIFIER_LIMITS): rid is string {
  return roomIdProblem(rid, serverId, limits) === null;
}

/** True when objects/arrays in `value` nest deeper than `max` (stops as soon as it knows). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max === 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (nestedDeeperThan(value[i], max - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (nestedDeeperThan((value as Record<string, unknown>)[key], max - 1)) return true;
  }
  return false;
}
