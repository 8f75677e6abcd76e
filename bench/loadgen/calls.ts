/**
 * Call set-ups: in each P2P room of two, member 0 calls member 1, one call at a time, through the
 * whole sequence the client library runs:
 *   caller propose → (server: trying to caller) → callee ringing + proceed → caller initiate (offer)
 *   → callee accept (answer) → caller terminate.
 * A call counts when the callee receives terminate; its latency is propose sent → terminate received.
 * The next call in that room starts at once.
 */
import type { BenchConnection } from './connection.js';
import { textFrame } from './frames.js';
import { callPayload, Marker } from './messages.js';
import { nowUs, ScenarioBase } from './scenario-base.js';

export interface CallFrames {
  propose: Buffer;
  ringingAndProceed: Buffer;
  initiate: Buffer;
  accept: Buffer;
  terminate: Buffer;
}

export class CallsScenario extends ScenarioBase {
  protected frames: CallFrames[] = [];
  private startedUs: number[] = [];

  override async setup() {
    const report = await super.setup();
    this.rooms.forEach((room, r) => {
      const [a, b] = room.members;
      const sid = `call-${this.job.workerId}-${r}`;
      const frame = (marker: number, from: BenchConnection) => textFrame(callPayload(marker, from.index, room.rid, sid));
      this.frames[r] = {
        propose: frame(Marker.Propose, a),
        ringingAndProceed: Buffer.concat([frame(Marker.Ringing, b), frame(Marker.Proceed, b)]),
        initiate: frame(Marker.Initiate, a),
        accept: frame(Marker.Accept, b),
        terminate: frame(Marker.Terminate, a),
      };
    });
    return report;
  }

  protected start(): void {
    this.rooms.forEach((room, r) => {
      if (room.members.length === 2 && room.members.every((c) => c.ready)) this.propose(r);
    });
  }

  private propose(r: number): void {
    this.startedUs[r] = nowUs();
    this.rooms[r].members[0].write(this.frames[r].propose);
    this.sent++;
  }

  onRelay(receiver: BenchConnection, buf: Buffer, p: number): void {
    this.delivered++;
    const r = receiver.slot;
    const [a, b] = this.rooms[r].members;
    const f = this.frames[r];
    switch (buf[p + 7]) {
      case Marker.Propose:
        b.write(f.ringingAndProceed);
        this.sent += 2;
        return;
      case Marker.Proceed:
        a.write(f.initiate);
        this.sent++;
        return;
      case Marker.Initiate:
        b.write(f.accept);
        this.sent++;
        return;
      case Marker.Accept:
        a.write(f.terminate);
        this.sent++;
        return;
      case Marker.Terminate:
        this.completed++;
        this.histogram.record(nowUs() - this.startedUs[r]);
        if (this.running) this.propose(r);
        return;
      default:
      // ringing: nothing to do, the caller waits for proceed
    }
  }
}
