/**
 * The Socket.IO relay scenario: P2P rooms of two socket.io-client 4 clients (WebSocket transport,
 * as a load test would keep them), each with `window` relays in flight (closed loop: a delivery
 * lets its sender send the next), against the plain Socket.IO baseline (baseline-server.ts) and the
 * real server's Socket.IO door. Bounded: `pairs` rooms, warm-up then `durationMs`, one generator
 * process (this one), the servers pinned to core 0 and this process to core 1 when taskset exists.
 *   node dist/bench/socketio/run.js [--pairs=100] [--window=8] [--duration=3000]
 * Run by `npm run bench` after the other scenarios (npm run build first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { pinned, stopChild, track } from '../lib/children.js';
import { benchEnv, freePorts, REAL_SERVER, REPO_ROOT } from '../lib/servers.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const PAIRS = Math.min(arg('pairs', 100), 1000);
const WINDOW = Math.min(arg('window', 8), 64);
const DURATION_MS = Math.min(arg('duration', 3000), 30_000);
const WARMUP_MS = 500;
const PAYLOAD = 'x'.repeat(200); // ~300 B envelopes, as the raw relay scenario

type Kind = 'socket.io baseline' | 'jsongle socket.io door';

async function waitListening(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('server exited at start-up');
    const ok = await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`).then((r) => r.text().then(() => r.ok), () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server not listening on ${port}`);
}

/** One helloed client joined to `room`; resolves with its socket and connection id. */
function client(url: string, room: string, uid: string): Promise<{ socket: Socket; id: string }> {
  return new Promise((ok, fail) => {
    const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    let id = '';
    const timer = setTimeout(() => fail(new Error('set-up timed out')), 10_000);
    socket.on('connect_error', (e) => fail(e));
    socket.on('jsongle', function setup(m: { to: string; jsongle: Record<string, any> }) {
      const j = m.jsongle;
      if (j.query === 'session-hello' && j.action === 'iq-get') {
        id = m.to;
        socket.emit('jsongle', { id: randomUUID(), from: id, to: 'jsongle-server', jsongle: { action: 'iq-result', query: 'session-hello', transaction: j.transaction, description: { uid } } });
      } else if (j.action === 'ack') {
        socket.emit('jsongle', { id: randomUUID(), from: id, to: 'jsongle-server', jsongle: { action: 'iq-set', query: 'session-join', transaction: randomUUID(), description: { rid: room } } });
      } else if (j.action === 'iq-result') {
        clearTimeout(timer);
        socket.off('jsongle', setup);
        ok({ socket, id });
      }
    });
  });
}

async function measure(kind: Kind, port: number): Promise<{ kind: Kind; perS: number; p50Us: number; p99Us: number }> {
  const url = `http://127.0.0.1:${port}`;
  const pairs: Array<[{ socket: Socket; id: string }, { socket: Socket; id: string }, string]> = [];
  for (let i = 0; i < PAIRS; i++) {
    const room = `sio-bench-${randomUUID()}`;
    pairs.push([await client(url, room, `a${i}`), await client(url, room, `b${i}`), room]);
  }
  let counting = false;
  let delivered = 0;
  const latencies: number[] = [];
  let running = true;
  const send = (s: { socket: Socket; id: string }, room: string) => {
    s.socket.emit('jsongle', { id: randomUUID(), from: s.id, to: room, jsongle: { action: 'transport-info', sid: 's', description: { t: performance.now(), candidate: PAYLOAD } } });
  };
  for (const [a, b, room] of pairs) {
    for (const [from, to] of [[a, b], [b, a]] as const) {
      // The peer's delivery lets the sender send its next relay (window kept constant).
      to.socket.on('jsongle', (m: { jsongle: Record<string, any> }) => {
        if (m.jsongle.action !== 'transport-info') return;
        if (counting) {
          delivered++;
          if ((delivered & 15) === 0) latencies.push((performance.now() - m.jsongle.description.t) * 1000);
        }
        if (running) send(from, room);
      });
      for (let w = 0; w < WINDOW; w++) send(from, room);
    }
  }
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, DURATION_MS));
  counting = false;
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  for (const [a, b] of pairs) { a.socket.close(); b.socket.close(); }
  latencies.sort((x, y) => x - y);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { kind, perS: delivered / seconds, p50Us: q(0.5), p99Us: q(0.99) };
}

async function main(): Promise<void> {
  const [p1, p2, p3] = await freePorts(3);
  const rows = [];
  for (const kind of ['socket.io baseline', 'jsongle socket.io door'] as const) {
    const [cmd, args] = kind === 'socket.io baseline'
      ? pinned(0, process.execPath, [resolve(here, 'baseline-server.js'), String(p1)])
      : pinned(0, process.execPath, [REAL_SERVER]);
    const env = kind === 'socket.io baseline' ? { ...process.env } : { ...process.env, ...benchEnv({ ws: p2, rest: p3 }) };
    const child = track(spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] }));
    try {
      await waitListening(kind === 'socket.io baseline' ? p1 : p2, child);
      rows.push(await measure(kind, kind === 'socket.io baseline' ? p1 : p2));
    } finally {
      await stopChild(child, 'SIGTERM', 5000);
    }
  }
  console.log(`## Socket.IO relay: ${PAIRS} P2P pairs over socket.io-client (websocket), ${WINDOW} in flight each, ${DURATION_MS} ms\n`);
  console.log('| server | msg/s | p50 µs | p99 µs |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.kind} | ${Math.round(r.perS)} | ${Math.round(r.p50Us)} | ${Math.round(r.p99Us)} |`);
  const [base, door] = rows;
  console.log(`\nSocket.IO door / plain Socket.IO = ${(door.perS / base.perS).toFixed(2)} (the generator is socket.io-client in one process: both sides share its ceiling)\n`);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
