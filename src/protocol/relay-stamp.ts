/**
 * The stamps of a relayed frame, whether a room or a direct call relays it: when the sender sent
 * it (kept if it said so) and when the server relayed it. A propose is relayed as sent.
 */
import { isoNow } from './clock.js';
import type { RelayEnvelope } from './types.js';

export function stamp(msg: RelayEnvelope): void {
  const j = msg.jsongle;
  if (j.action === 'session-propose') return;
  const d = j.description;
  const now = isoNow();
  if (d.sent === undefined) d.sent = now;
  d.relayed = now;
}
