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
/** A frame this short cannot nest deeper than MAX_NESTING, so the scan is skipped on the hot path
 * (transport-info frames are ~300 bytes); SDP-sized frames pay a byte loop of a few µs. */
const SCAN_FROM_BYTES = MAX_NESTING * 2;

export function parseFrame(frame: ArrayBuffer, isBinary: boolean): Envelope | typeof ErrorCode.NotJsonObject | typeof ErrorCode.NoJsongle {
  if (isBinary) return ErrorCode.NotJsonObject;
  if (frame.byteLength > SCAN_FROM_BYTES && nestingExceeds(new Uint8Array(frame), MAX_NESTING)) return ErrorCode.NotJsonObject;
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(frame));
  } catch {
    return ErrorCode.NotJsonObject;
  }
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

/** True when brackets outside strings nest deeper than `max`. Works on bytes: no decode, no allocation. */
export function nestingExceeds(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}
