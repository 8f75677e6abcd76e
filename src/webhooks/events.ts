/**
 * The webhook events (spec §7): one JSON body per lifecycle fact, with an id (a receiver drops a
 * delivery it already has: a retry after a lost answer repeats the same id) and the time of the
 * fact. The body of each event type is documented in docs/operations.md.
 */
import { randomUUID } from 'node:crypto';

export type WebhookEventType =
  | 'room.created' | 'room.closed'
  | 'member.joined' | 'member.left'
  | 'user.registered' | 'user.unregistered'
  | 'call.started' | 'call.answered' | 'call.ended';

export interface WebhookEvent {
  /** Unique per event (uuid): the receiver's idempotency key. */
  readonly id: string;
  readonly type: WebhookEventType;
  /** When the fact happened (ISO 8601, ms). */
  readonly at: string;
  /** This node's event counter (from 1 at start): deliveries run in parallel and may arrive out of order; `seq` restores it per node. */
  readonly seq: number;
  /** The server's `id` (config), and the cluster node that saw the fact (Redis engine). */
  readonly server: string;
  readonly node?: string;
  readonly data: Record<string, unknown>;
}

export function makeEvent(type: WebhookEventType, data: Record<string, unknown>, seq: number, server: string, node?: string): WebhookEvent {
  return { id: randomUUID(), type, at: new Date().toJSON(), seq, server, ...(node !== undefined ? { node } : {}), data };
}
