/**
 * The calls of this node as the admin API lists them, kept from the lifecycle hooks (started,
 * answered, ended) rather than read from the call owner's private maps: the owner stays the only
 * place call actors live, and this index holds plain facts only.
 */
import type { CallFacts, Lifecycle } from './lifecycle.js';

export class CallIndex implements Lifecycle {
  private readonly bySid = new Map<string, CallFacts>();

  callStarted(call: CallFacts): void {
    this.bySid.set(call.sid, call);
  }

  callAnswered(call: CallFacts): void {
    this.bySid.set(call.sid, call);
  }

  callEnded(call: CallFacts): void {
    this.bySid.delete(call.sid);
  }

  get size(): number {
    return this.bySid.size;
  }

  all(): IterableIterator<CallFacts> {
    return this.bySid.values();
  }

  /** Calls in one room (a P2P room has at most one live call). */
  inRoom(rid: string): CallFacts[] {
    const out: CallFacts[] = [];
    for (const c of this.bySid.values()) if (c.rid === rid) out.push(c);
    return out;
  }
}
