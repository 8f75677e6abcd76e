/**
 * Personal data (display names, message content, SDP, tokens) never reaches a log line. This is a
 * winston format, so the masking runs only for lines that pass the level filter.
 */
import winston from 'winston';

const MASKED_KEYS = new Set(['dn', 'description', 'content', 'sdp', 'candidate', 'appToken', 'adminToken', 'token', 'authorization']);

export function mask(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => mask(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = MASKED_KEYS.has(k) ? '***' : mask(v, depth + 1);
  return out;
}

export const maskPersonalData = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    const v = (info as Record<string, unknown>)[key];
    (info as Record<string, unknown>)[key] = MASKED_KEYS.has(key) ? '***' : mask(v);
  }
  return info;
});
