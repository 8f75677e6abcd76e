/**
 * Direct call set-ups (issue 11): the same call sequence as CallsScenario, but each pair is two
 * registered users in no room: member 0 calls member 1's uid (session-propose `to: <uid>`), member 1
 * answers `to: <the caller's uid>`. So every call goes through the directory lookup, a direct-call
 * actor and its routing, instead of a room relay.
 */
import type { BenchConnection } from './connection.js';
import { textFrame } from './frames.js';
import { benchUid, callPayload, Marker } from './messages.js';
import { CallsScenario } from './calls.js';

export class DirectCallsScenario extends CallsScenario {
  protected override readonly admission = 'session-register' as const;

  override async setup() {
    const report = await super.setup();
    this.rooms.forEach((room, r) => {
      const [a, b] = room.members;
      if (a === undefined || b === undefined) return;
      const sid = `direct-${this.job.workerId}-${r}`;
      // Addressed to the other member's uid: no room holds these two.
      const frame = (marker: number, from: BenchConnection, to: BenchConnection) => textFrame(callPayload(marker, from.index, benchUid(to.index), sid));
      this.frames[r] = {
        propose: frame(Marker.Propose, a, b),
        ringingAndProceed: Buffer.concat([frame(Marker.Ringing, b, a), frame(Marker.Proceed, b, a)]),
        initiate: frame(Marker.Initiate, a, b),
        accept: frame(Marker.Accept, b, a),
        terminate: frame(Marker.Terminate, a, b),
      };
    });
    return report;
  }
}
