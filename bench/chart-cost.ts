/**
 * `node dist/bench/chart-cost.js`: what the connection chart alone costs per relayed message — an
 * actor of the provided machine (every action a no-op, so only XState and the guards are timed) in
 * `helloed … inRoom`, sent 300 000 `transport-info` relay events to its own P2P room after a warm-up.
 * In process, no sockets, a few seconds. Any change to machines/connection.ts near the relay rows
 * (a region, a level, a guard before isToReachablePeer) shows here first; `npm run bench` measures
 * the whole server.
 */
import { createActor } from 'xstate';
import { connectionMachine, type ConnectionEvent, type RoomView } from '../machines/connection.js';

const WARMUP = 50_000;
const EVENTS = 300_000;
const ROUNDS = 3;

const noop = (): void => {};
const actions: Record<string, unknown> = {};
for (const name of Object.keys(connectionMachine.implementations.actions)) actions[name] = noop;
// The two pure actions the set-up needs keep their assign.
actions.assignProfile = connectionMachine.implementations.actions.assignProfile;
actions.addRoom = connectionMachine.implementations.actions.addRoom;
const machine = connectionMachine.provide({ actions: actions as never, guards: { isHelloValid: () => true } });

const actor = createActor(machine, { input: { id: 'c1', helloTransaction: 't' } });
actor.start();
actor.send({ type: 'client.hello', msg: { jsongle: { action: 'iq-result' } } });
actor.send({ type: 'room.joined', rid: 'r1' });
const room: RoomView = { rid: 'r1', kind: 'room', members: { size: 2 }, beyondReach: false };
const relay: ConnectionEvent = { type: 'client.callAction', msg: { to: 'r1', jsongle: { action: 'transport-info' } }, room, call: undefined };

for (let i = 0; i < WARMUP; i++) actor.send(relay);
const figures: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i++) actor.send(relay);
  figures.push(Number(process.hrtime.bigint() - t0) / EVENTS);
}
console.log(`connection chart, one P2P relay event in ${JSON.stringify(actor.getSnapshot().value)}: ` +
  `${figures.map((ns) => (ns / 1000).toFixed(2)).join(' / ')} µs per event (${ROUNDS} rounds of ${EVENTS})`);
