/**
 * Every state each call actor went through, by sid, as the Stately inspector sees them: call
 * tests follow the actor itself, never timing.
 */
import type { InspectionEvent } from 'xstate';
import { waitFor } from './wait.js';

export class CallStates {
  readonly bySid = new Map<string, string[]>();
  readonly inspect = (e: InspectionEvent) => {
    if (e.type !== '@xstate.snapshot' || (e.actorRef as { id?: string }).id !== 'call') return;
    const snapshot = e.snapshot as unknown as { value: unknown; context: { sid: string } };
    const seen = this.bySid.get(snapshot.context.sid) ?? [];
    const value = JSON.stringify(snapshot.value);
    if (seen[seen.length - 1] !== value) seen.push(value);
    this.bySid.set(snapshot.context.sid, seen);
  };
  of(sid: string): string[] {
    return this.bySid.get(sid) ?? [];
  }
  async reach(sid: string, value: unknown, timeoutMs = 2000): Promise<void> {
    const want = JSON.stringify(value);
    await waitFor(() => this.of(sid).includes(want), `call ${sid} to reach ${want} (seen ${JSON.stringify(this.of(sid))})`, timeoutMs);
  }
}
