/**
 * Closed-loop relay (P2P rooms of 2 or MUC fan-out): every connection keeps `window` messages in
 * flight. A message's credit returns to its sender when one designated member (the next one in
 * the room) receives it; every receiver counts it as a delivery. One message in `sampleEvery`
 * carries its send time, read back on receipt (sender and receivers live in this process, so
 * they share a clock).
 */
import type { BenchConnection } from './connection.js';
import { repeatFrame, textFrame } from './frames.js';
import { Marker, readDigits, relayPayload, SENDER_DIGITS, SENDER_OFFSET, STAMP_DIGITS, STAMP_OFFSET, writeStamp } from './messages.js';
import type { WorkerJob } from './protocol.js';
import { nowUs, ScenarioBase } from './scenario-base.js';

/** Above this, the window's copies of a frame are written one by one instead of kept pre-joined. */
const MAX_JOINED_BYTES = 256 * 1024;

export class RelayScenario extends ScenarioBase {
  private frames: Buffer[] = [];
  private joined: (Buffer | null)[] = [];
  private payloadStart: number[] = [];
  /** designated[s]: index of the connection whose receipt returns sender s's credit. */
  private designated: Int32Array = new Int32Array(0);
  private pending: Int32Array = new Int32Array(0);
  private dirty: number[] = [];
  private flushQueued = false;
  private untilSample: number;

  constructor(job: WorkerJob) {
    super(job);
    this.untilSample = job.sampleEvery;
  }

  override async setup() {
    const report = await super.setup();
    const n = this.conns.length;
    this.designated = new Int32Array(n).fill(-1);
    this.pending = new Int32Array(n);
    for (const room of this.rooms) {
      const m = room.members;
      for (let k = 0; k < m.length; k++) this.designated[m[k].index] = m[(k + 1) % m.length].index;
    }
    for (const c of this.conns) {
      const rid = this.rooms[c.slot].rid;
      const payload = relayPayload(this.job.action, Marker.Relay, c.index, rid, this.job.payloadBytes);
      const frame = textFrame(payload);
      this.frames[c.index] = frame;
      this.payloadStart[c.index] = frame.length - Buffer.byteLength(payload);
      this.joined[c.index] = frame.length * this.job.window <= MAX_JOINED_BYTES ? repeatFrame(frame, this.job.window) : null;
    }
    return report;
  }

  protected start(): void {
    for (const c of this.conns) if (c.ready) this.send(c, this.job.window);
  }

  onRelay(receiver: BenchConnection, buf: Buffer, p: number): void {
    const marker = buf[p + 7];
    if (marker !== Marker.Relay && marker !== Marker.RelayStamped) return;
    this.delivered++;
    if (marker === Marker.RelayStamped) this.histogram.record(nowUs() - readDigits(buf, p + STAMP_OFFSET, STAMP_DIGITS));
    const sender = readDigits(buf, p + SENDER_OFFSET, SENDER_DIGITS);
    if (this.running && this.designated[sender] === receiver.index) {
      if (this.pending[sender]++ === 0) this.dirty.push(sender);
      if (!this.flushQueued) {
        this.flushQueued = true;
        // After this I/O phase: the credits of every frame read in it leave in one write per sender.
        setImmediate(this.flush);
      }
    }
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    const dirty = this.dirty;
    this.dirty = [];
    if (!this.running) return;
    for (const s of dirty) {
      const k = this.pending[s];
      this.pending[s] = 0;
      this.send(this.conns[s], k);
    }
  };

  private send(c: BenchConnection, count: number): void {
    let k = count;
    this.sent += k;
    this.untilSample -= k;
    const frame = this.frames[c.index];
    if (this.untilSample <= 0) {
      this.untilSample += this.job.sampleEvery;
      const stamped = Buffer.from(frame);
      writeStamp(stamped, this.payloadStart[c.index], nowUs(), Marker.RelayStamped);
      c.write(stamped);
      k--;
    }
    if (k === 0) return;
    const joined = this.joined[c.index];
    if (joined !== null) {
      c.write(k === this.job.window ? joined : joined.subarray(0, k * frame.length));
    } else {
      c.socket.cork();
      for (let i = 0; i < k; i++) c.write(frame);
      c.socket.uncork();
    }
  }
}
