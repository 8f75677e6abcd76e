/**
 * The cross-node relay generator (a forked process): P2P pairs whose two members connect to
 * `ports[0]` and `ports[1]` (two nodes: every relay crosses Redis), or both to `ports[0]` (one
 * node: the baseline). Closed loop as bench/loadgen/relay.ts: each member keeps `window` messages
 * in flight, a message's credit returns to its sender when the peer receives it, and one message
 * in `sampleEvery` carries its send time. Built on the shared BenchConnection (raw TCP WebSocket).
 *
 * Job: JSON in argv[2]. Result: one JSON line on stdout. Exits by itself at the hard deadline.
 */
import { performance } from 'node:perf_hooks';
import { BenchConnection, type FrameSink } from '../loadgen/connection.js';
import { repeatFrame, textFrame } from '../loadgen/frames.js';
import { Histogram } from '../loadgen/histogram.js';
import { Marker, readDigits, relayPayload, SENDER_DIGITS, SENDER_OFFSET, STAMP_DIGITS, STAMP_OFFSET, writeStamp } from '../loadgen/messages.js';

export interface RelayJob {
  ports: number[];
  /** split: a pair's members on ports[0] and ports[1]; together: both on ports[pair % ports.length]. */
  mode: 'split' | 'together';
  pairs: number;
  window: number;
  payloadBytes: number;
  warmupMs: number;
  durationMs: number;
  sampleEvery: number;
  tag: string;
}

export interface RelayResult {
  connections: number;
  sent: number;
  delivered: number;
  elapsedMs: number;
  p50Us: number;
  p99Us: number;
  failures: number;
  errors: string[];
}

const job = JSON.parse(process.argv[2] ?? '{}') as RelayJob;
setTimeout(() => process.exit(4), job.warmupMs + job.durationMs + 120_000).unref();
const nowUs = () => Math.floor(performance.now() * 1000);

const conns: BenchConnection[] = [];
const peer: number[] = [];
const frames: Buffer[] = [];
const joined: Buffer[] = [];
const payloadStart: number[] = [];
let running = false;
let sent = 0;
let delivered = 0;
let failures = 0;
let untilSample = job.sampleEvery;
let histogram = new Histogram();
const errors: string[] = [];
const pending: number[] = [];
let dirty: number[] = [];
let flushQueued = false;

const sink: FrameSink = {
  onRelay(receiver, buf, p) {
    const marker = buf[p + 7];
    if (marker !== Marker.Relay && marker !== Marker.RelayStamped) return;
    delivered++;
    if (marker === Marker.RelayStamped) histogram.record(nowUs() - readDigits(buf, p + STAMP_OFFSET, STAMP_DIGITS));
    const sender = readDigits(buf, p + SENDER_OFFSET, SENDER_DIGITS);
    if (!running || peer[sender] !== receiver.index) return;
    if (pending[sender]++ === 0) dirty.push(sender);
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(flush);
    }
  },
  onServerFrame() {},
};

function flush(): void {
  flushQueued = false;
  const list = dirty;
  dirty = [];
  if (!running) return;
  for (const s of list) {
    const k = pending[s];
    pending[s] = 0;
    send(s, k);
  }
}

function send(index: number, count: number): void {
  const c = conns[index];
  let k = count;
  sent += k;
  untilSample -= k;
  if (untilSample <= 0) {
    untilSample += job.sampleEvery;
    const stamped = Buffer.from(frames[index]);
    writeStamp(stamped, payloadStart[index], nowUs(), Marker.RelayStamped);
    c.write(stamped);
    k--;
  }
  if (k > 0) c.write(k === job.window ? joined[index] : joined[index].subarray(0, k * frames[index].length));
}

async function openPair(i: number): Promise<void> {
  const rid = `${job.tag}-p${i}`;
  const members = [0, 1].map((side) => {
    const index = conns.length;
    const port = job.mode === 'split' ? job.ports[side % job.ports.length] : job.ports[i % job.ports.length];
    const c = new BenchConnection(index, { host: '127.0.0.1', port, path: '/' }, sink, 20_000);
    conns.push(c);
    pending.push(0);
    const payload = relayPayload('transport-info', Marker.Relay, index, rid, job.payloadBytes);
    frames[index] = textFrame(payload);
    payloadStart[index] = frames[index].length - Buffer.byteLength(payload);
    joined[index] = repeatFrame(frames[index], job.window);
    return c;
  });
  peer[members[0].index] = members[1].index;
  peer[members[1].index] = members[0].index;
  try {
    for (const c of members) await c.helloed();
    // One after the other: the second join must find the first member (and its node) in the room.
    for (const c of members) await c.join('session-join', rid);
  } catch (err) {
    failures++;
    const text = (err as Error).message;
    if (errors.length < 5 && !errors.includes(text)) errors.push(text);
  }
}

async function main(): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < job.pairs) await openPair(next++);
  };
  await Promise.all(Array.from({ length: Math.min(100, job.pairs) }, lane));
  const ready = conns.filter((c) => c.ready).length;
  running = true;
  for (const c of conns) if (c.ready) send(c.index, job.window);
  await new Promise((r) => setTimeout(r, job.warmupMs));
  sent = 0;
  delivered = 0;
  histogram = new Histogram();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, job.durationMs));
  const elapsedMs = performance.now() - t0;
  const result: RelayResult = {
    connections: ready, sent, delivered, elapsedMs,
    p50Us: histogram.quantile(0.5), p99Us: histogram.quantile(0.99), failures, errors,
  };
  running = false;
  process.stdout.write(JSON.stringify(result) + '\n');
  for (const c of conns) c.destroy();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(String((err as Error)?.stack ?? err) + '\n');
  process.exit(1);
});
