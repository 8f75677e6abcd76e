/**
 * `node --expose-gc dist/bench/resume-cost.js`: what resume costs the server's own code, in process
 * and bounded (a few seconds, no sockets): (1) the JS cost of one P2P relay through Room and
 * Connections with resume off (one publish) and on (one direct send, counted and kept until a pong),
 * sockets faked so only our code is timed; (2) heap bytes per idle session (record, token, map
 * entries) once its frames are confirmed. The native send vs publish cost is the same order
 * (one socket write each); `npm run bench -- --resume=on|off` measures the whole server.
 */
import { Connections } from '../src/connections/connections.js';
import { Stats } from '../src/observability/stats.js';
import { MessageBuilder } from '../src/protocol/build.js';
import type { RelayEnvelope } from '../src/protocol/types.js';
import { LocalPubSub } from '../src/pubsub/local.js';
import { Rooms } from '../src/rooms/rooms.js';
import type { Socket, SocketData } from '../src/transport/socket-data.js';

const RELAYS = 200_000;
const IDLE = 20_000;

function fakeSocket(id: string): Socket {
  const data: SocketData = {
    id, ip: '127.0.0.1', closed: false, actor: null, openedAtMs: 0, tokens: 0, lastRefillMs: 0, droppedInWindow: 0,
    windowStartMs: 0, sendRefused: false, identity: null, session: null, resume: null, endedByServer: false, replaced: false,
  };
  const ws = {
    getUserData: () => data, send: () => 0, publish: () => true, subscribe: () => true, unsubscribe: () => true,
    ping: () => 0, end: () => undefined, close: () => undefined,
  };
  return ws as unknown as Socket;
}

function setup(resumeOn: boolean) {
  const stats = new Stats();
  const builder = new MessageBuilder({ id: 'bench', version: '0', info: '' });
  const connections = new Connections({
    stats, builder, pubsub: new LocalPubSub<SocketData>(), onDeparture: () => {},
    resume: { windowSec: resumeOn ? 20 : 0, bufferMessages: 512, bufferBytes: 1 << 20, handoverTimeoutMs: 2000, forwardSec: 5 },
  });
  const rooms = new Rooms({ io: connections, stats }, builder, 'muc/');
  return { connections, rooms };
}

function relayCost(resumeOn: boolean): number {
  const { connections, rooms } = setup(resumeOn);
  const a = fakeSocket('a');
  const b = fakeSocket('b');
  connections.add(a);
  connections.add(b);
  for (const id of ['a', 'b']) connections.sessions?.grant(id);
  const room = rooms.add('r', 'room', { id: 'a', profile: { uid: 'a' } });
  rooms.add('r', 'room', { id: 'b', profile: { uid: 'b' } });
  const payload = 'x'.repeat(250);
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const msg = { id: 'm', from: 'a', to: 'r', jsongle: { action: 'transport-info', description: { p: payload } } } as unknown as RelayEnvelope;
      room.relayToPeer('a', msg);
      // A pong every 64 frames (as the sweep would see with steady traffic): trims what was kept.
      if (resumeOn && i % 64 === 63) {
        const s = (b.getUserData().session as unknown as { pingedAt: number; sent: number });
        s.pingedAt = s.sent;
        connections.sessions?.confirm(b, new TextEncoder().encode(String(s.sent)).buffer as ArrayBuffer);
      }
    }
  };
  run(20_000); // warm-up
  const t0 = process.hrtime.bigint();
  run(RELAYS);
  return Number(process.hrtime.bigint() - t0) / RELAYS;
}

function idleBytes(resumeOn: boolean): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const { connections } = setup(resumeOn);
  const sockets = Array.from({ length: IDLE }, (_, i) => fakeSocket(`c${i}`));
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (const ws of sockets) {
    connections.add(ws);
    connections.sessions?.grant(ws.getUserData().id);
  }
  gc();
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / IDLE;
  connections.clear();
  return bytes;
}

// Memory first (a clean heap), each measured after a throw-away round; then the relay loop.
idleBytes(true);
idleBytes(false);
const idleOff = idleBytes(false);
const idleOn = idleBytes(true);
const off = relayCost(false);
const on = relayCost(true);
console.log(`P2P relay, our code only: resume off ${off.toFixed(0)} ns, on ${on.toFixed(0)} ns (${(((on - off) / off) * 100).toFixed(0)} %)`);
console.log(`heap per idle connection in Connections: resume off ${idleOff.toFixed(0)} B, on ${idleOn.toFixed(0)} B (+${(idleOn - idleOff).toFixed(0)} B)`);
