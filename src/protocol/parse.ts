/**
 * Frame → envelope, with the spec's first two checks. Never throws; one JSON.parse; returns the
 * error code as a number on failure so the hot path allocates nothing for the answer it chooses.
 */
import { ErrorCode } from './codes.js';
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

/** A room id as the spec allows it: a non-empty string of at most 256 characters, not the server id. */
export function isValidRoomId(rid: unknown, serverId: string): rid is string {
  return typeof rid === 'string' && rid.length > 0 && rid.length <= 256 && rid !== serverId;
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
