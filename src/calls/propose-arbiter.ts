/**
 * Cross-node glare (Redis engine): two nodes each holding one party of a P2P room may both see the
 * room free and relay both proposes. So a propose to a peer on another node asks the arbiter first
 * (one atomic script in Redis, src/cluster/call-scripts.ts): the first to reach Redis wins, as the
 * first to reach the server wins on one node, and the other is never relayed. The verdict goes back
 * to the proposer's connection actor as the same propose marked `claimed`, so the chart routes it
 * on its usual rows with the room and the call looked up again (the room may have changed meanwhile):
 * won → relayed and the call starts; lost → its `call` is the room's live call → busy.
 *
 * Only proposes to a remote peer pay this round trip (the rest of a call never does), and a propose
 * whose room already has a call the edge knows of (its mirror) is refused before it.
 */
import type { CallView, RelayEvent, RoomView } from '../../machines/connection.js';
import type { CallsCluster } from './call-bus.js';

/** The call owner's side of it: what the edge looks up, and whether the verdict started a call. */
export interface ArbiterCalls {
  forPropose(sid: unknown, room: RoomView | undefined): CallView | undefined;
  owns(sid: string): boolean;
}

export function claimThenPropose(cluster: CallsCluster, calls: ArbiterCalls, connId: string, e: RelayEvent): void {
  const msg = e.msg;
  const sid = msg.jsongle.sid;
  const rid = msg.to;
  // No string sid: no call will start, nothing to arbitrate (relayed as before calls were tracked).
  const verdict = typeof sid === 'string' ? cluster.bus.claim(rid, sid) : Promise.resolve('');
  verdict.then(
    (holder) => {
      const room = cluster.roomOf(rid);
      // Lost: the holder's mirror may not be here yet; the sid is all the chart's busy row reads.
      const call = calls.forPropose(sid, room) ?? (holder === '' ? undefined : { sid: holder, caller: '', callee: '' });
      cluster.tell(connId, { type: 'client.propose', msg, room, call, claimed: true });
      // Won but no call started (the proposer left, or the room changed meanwhile): free the room.
      if (holder === '' && typeof sid === 'string' && !calls.owns(sid)) cluster.bus.release(rid, sid);
    },
    () => cluster.refuseUnavailable(connId, msg),
  );
}
