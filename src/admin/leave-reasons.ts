/**
 * Why a member left a room, for the `member.left` event: the room owner only knows that it did.
 * Whoever causes a removal that is not a plain leave marks it first (a disconnect, an operator
 * closing the room); the lifecycle hook takes the mark. Marks live only while the removal runs.
 */
import type { LeftReason } from './lifecycle.js';

export class LeaveReasons {
  private readonly departing = new Set<string>();
  private readonly closing = new Set<string>();

  /** A connection is being released: every room it leaves now, it leaves by disconnecting. */
  departingWhile(connId: string, run: () => void): void {
    this.departing.add(connId);
    try {
      run();
    } finally {
      this.departing.delete(connId);
    }
  }

  /** An operator closes a room: these members leave it because it closes (unmark when done). */
  markClosing(rid: string, connIds: Iterable<string>): void {
    for (const id of connIds) this.closing.add(rid + '\n' + id);
  }

  unmarkClosing(rid: string, connIds: Iterable<string>): void {
    for (const id of connIds) this.closing.delete(rid + '\n' + id);
  }

  reasonOf(rid: string, connId: string): LeftReason {
    if (this.departing.has(connId)) return 'disconnect';
    return this.closing.delete(rid + '\n' + connId) ? 'closed' : 'leave';
  }
}
