/**
 * Opt-in Stately inspection (config inspect.enabled or --inspect): every actor event goes to a
 * WebSocket inspector endpoint (`npx @statelyai/inspect` style server, or any endpoint speaking its
 * protocol). Off by default: even a no-op inspect callback costs 25-35% of event throughput.
 * Events and contexts are sanitised: no socket handles, no SDP, candidates or message content.
 */
import { createWebSocketInspector } from '@statelyai/inspect';
import type { InspectionEvent } from 'xstate';
import type { Config } from '../config/types.js';
import type { Logger } from './logger.js';

export interface Inspection {
  inspect: (event: InspectionEvent) => void;
  stop(): void;
}

const HIDDEN = '[hidden]';

/** Keeps the routing fields of a JSONgle message, hides what users said or negotiated. */
export function sanitizeEvent(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event };
  if ('socket' in out) out.socket = HIDDEN;
  const msg = out.msg as { id?: unknown; to?: unknown; jsongle?: Record<string, unknown> } | undefined;
  if (msg && typeof msg === 'object' && msg.jsongle && typeof msg.jsongle === 'object') {
    const { action, query, transaction, sid, reason, namespace } = msg.jsongle;
    out.msg = { id: msg.id, to: msg.to, jsongle: { action, query, transaction, sid, reason, namespace, description: HIDDEN } };
  }
  return out;
}

export function sanitizeContext(context: Record<string, unknown>): Record<string, unknown> {
  const profile = context.profile as { uid?: unknown; dn?: unknown } | null | undefined;
  if (profile && profile.dn !== undefined) return { ...context, profile: { uid: profile.uid, dn: HIDDEN } };
  return context;
}

export function createInspection(config: Config['inspect'], logger: Logger): Inspection {
  const inspector = createWebSocketInspector({
    url: config.url,
    sanitizeEvent: sanitizeEvent as never,
    sanitizeContext: sanitizeContext as never,
  });
  logger.info('Stately inspection on', { url: config.url });
  return {
    inspect: (event) => inspector.inspect.next?.(event as never),
    stop: () => inspector.stop(),
  };
}
