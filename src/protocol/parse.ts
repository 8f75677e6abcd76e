/**
 * Frame → envelope, with the spec's first two checks. Never throws; one JSON.parse; returns the
 * error code as a number on failure so the hot path allocates nothing for the answer it chooses.
 */
import { ErrorCode } from './codes.js';
import type { Envelope } from './types.js';

const decoder = new TextDecoder('utf-8', { fatal: false });

export function parseFrame(frame: ArrayBuffer, isBinary: boolean): Envelope | typeof ErrorCode.NotJsonObject | typeof ErrorCode.NoJsongle {
  if (isBinary) return ErrorCode.NotJsonObject;
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
