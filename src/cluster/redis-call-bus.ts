/**
 * The call bus over Redis (src/calls/call-bus.ts): notices ride the receiving node's channel
 * through RedisPubSub's ordered outbox ('k' frames), the arbiter is one script (call-scripts.ts)
 * run within cluster.commandTimeoutMs like every other.
 */
import type { CallBus, CallNotice, ClaimVerdict } from '../calls/call-bus.js';
import { parseCallNotice } from '../calls/call-bus.js';
import type { Logger } from '../observability/logger.js';
import { RedisNames } from './keys.js';
import type { ScriptRunner } from './redis-link.js';
import type { RedisPubSub } from './redis-pubsub.js';

export class RedisCallBus implements CallBus {
  onNotice: (notice: CallNotice) => void = () => {};

  constructor(
    readonly nodeId: string,
    private readonly prefix: string,
    /** How long a claim holds without its owner (cluster.heartbeatTtlMs: a dead owner's goes with its members). */
    private readonly claimTtlMs: number,
    private readonly pubsub: RedisPubSub,
    private readonly run: ScriptRunner,
    private readonly logger: Logger,
  ) {}

  tell(node: string, notice: CallNotice): void {
    this.pubsub.toNodeCalls(node, JSON.stringify(notice));
  }

  async claim(rid: string, sid: string): Promise<ClaimVerdict> {
    const holder = await this.run('jsongleCallClaim', [this.prefix, rid, sid, this.claimTtlMs]);
    return typeof holder === 'string' ? holder : '';
  }

  release(rid: string, sid: string): void {
    // Not answered (Redis down): the claim expires after its TTL.
    this.run('jsongleCallRelease', [this.prefix, rid, sid]).catch(() => undefined);
  }

  /** The notices after the 'k' of a node-channel message, newline-separated. */
  onMessage(body: string): void {
    for (const line of body.split(RedisNames.SEP)) {
      const notice = parseCallNotice(line);
      if (notice === null) this.logger.error('unreadable call notice', { notice: line.slice(0, 200) });
      else this.onNotice(notice);
    }
  }
}
