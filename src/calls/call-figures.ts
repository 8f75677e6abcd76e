/**
 * What every call counts when it is answered and when it ends, room or direct: one place for the
 * server-truth metrics and the call-detail record, so both kinds of call report alike.
 */
import type { CallEnding, CallFacts, Lifecycle } from '../admin/lifecycle.js';
import type { Logger } from '../observability/logger.js';
import type { Stats } from '../observability/stats.js';

type Hooks = Pick<Lifecycle, 'callAnswered' | 'callEnded'> | undefined;

/** The call became active now: p2p_count/p2p_total, the set-up histogram, the `answered` hook. */
export function countAnswered(stats: Stats, facts: CallFacts, lifecycle: Hooks): void {
  stats.callsInProgress++;
  stats.callsAccepted++;
  stats.callSetupSeconds.observe((facts.acceptedAt - facts.proposedAt) / 1000);
  lifecycle?.callAnswered?.(facts);
}

/** The call ended: counted by reason, its duration observed, one call-detail line (identifiers and
 * times only: no SDP, no display names), the `ended` hook. */
export function countEnded(
  deps: { stats: Stats; logger: Logger; lifecycle?: Hooks },
  facts: CallFacts,
  ending: Pick<CallEnding, 'reason' | 'endedBy'>,
): void {
  const { stats, logger } = deps;
  stats.countCallEnded(ending.reason);
  const answered = facts.acceptedAt > 0;
  const durationSec = answered ? (Date.now() - facts.acceptedAt) / 1000 : 0;
  if (answered) stats.callDurationSeconds.observe(durationSec);
  const setupMs = answered ? facts.acceptedAt - facts.proposedAt : null;
  logger.info('call ended', {
    sid: facts.sid, ...(facts.rid === null ? { direct: true } : { rid: facts.rid }), callerUid: facts.caller.uid, calleeUid: facts.callee.uid,
    setupMs, durationSec, reason: ending.reason, endedBy: ending.endedBy,
  });
  deps.lifecycle?.callEnded?.(facts, { ...ending, setupMs, durationSec });
}
