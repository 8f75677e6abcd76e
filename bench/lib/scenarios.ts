/**
 * The six scenarios of the benchmark issue, each turned into table rows. Quick sizes keep
 * `npm run bench` under two minutes on a 2-core box; --full sizes are the issue's figures.
 */
import type { Row } from './report.js';
import type { PortPair, ServerKind, StartOptions } from './servers.js';
import { runHold, runTraffic, sourceAddresses, type TrafficPlan, type TrafficRun } from './traffic.js';

export interface BenchContext {
  full: boolean;
  workers: number;
  /** Overrides the measured duration of the traffic scenarios (--duration). */
  durationMs: number | null;
  /** Overrides the connections of the hold scenario (--hold=N). */
  holdConnections: number | null;
  runTag: string;
  serverOptions: StartOptions;
  /** Closed-loop P2P relay rate measured per server in this run (scenario 6 offers half of it). */
  maxRelayRate: Partial<Record<ServerKind, number>>;
}

export interface Scenario {
  id: string;
  /** Server processes (several only when holding more connections than one process's fd limit allows). */
  processes(ctx: BenchContext): number;
  /** Rounds per server, alternated; the best round is reported. */
  rounds(ctx: BenchContext): number;
  run(server: ServerKind, pairs: PortPair[], ctx: BenchContext): Promise<Row>;
  /** Only the JSONgle server speaks it (the bare-uWS baseline has no users): compare with `call setups` instead. */
  jsongleOnly?: boolean;
}

/** Call set-ups, one call at a time per pair, in a room (`calls`) or to a uid (`directCalls`). */
function callSetups(id: string, kind: 'calls' | 'directCalls', pairs: string): Scenario {
  return {
    id,
    processes: () => 1,
    rounds: () => 1,
    async run(server, ports, ctx) {
      const plan: TrafficPlan = { ...basePlan(ctx, kind), kind, rooms: ctx.full ? 1000 : 250 };
      const run = await runTraffic(server, plan, ports);
      return {
        scenario: id, server, headline: run.completedPerS, unit: 'calls/s',
        sentPerS: run.sentPerS, deliveredPerS: run.deliveredPerS, ...latencies(run),
        cpuPct: run.cpuPct, rssBytes: run.rssBytes,
        notes: [`${plan.rooms} ${pairs}, one call at a time each; latency = propose → terminate`, ...notes(run, plan.rooms * 2)],
      };
    },
  };
}

function timing(ctx: BenchContext): { warmupMs: number; durationMs: number } {
  const t = ctx.full ? { warmupMs: 2000, durationMs: 15000 } : { warmupMs: 500, durationMs: 2000 };
  return ctx.durationMs === null ? t : { ...t, durationMs: ctx.durationMs };
}

function basePlan(ctx: BenchContext, tag: string): TrafficPlan {
  return {
    kind: 'relay',
    workers: ctx.workers,
    rooms: 500,
    roomSize: 2,
    roomKind: 'room',
    window: 8,
    payloadBytes: 300,
    action: 'transport-info',
    ratePerSecond: 0,
    sampleEvery: 16,
    concurrency: 200,
    localAddresses: [],
    runTag: `${ctx.runTag}-${tag}`,
    serverOptions: ctx.serverOptions,
    ...timing(ctx),
  };
}

function topFrames(frames: Record<string, number>): string | null {
  const top = Object.entries(frames).sort((a, b) => b[1] - a[1]).slice(0, 3);
  return top.length === 0 ? null : `server-made: ${top.map(([k, v]) => `${k}×${v}`).join(', ')}`;
}

function notes(run: TrafficRun, expectedConnections: number | null): string[] {
  const out: string[] = [`generator CPU ${run.generatorCpuPct.toFixed(0)} %`];
  if (expectedConnections !== null && run.setup.connections < expectedConnections) {
    out.push(`only ${run.setup.connections}/${expectedConnections} connections set up`);
  }
  if (run.failures > 0) out.push(`${run.failures} failures`);
  if (run.closedDuringRun > 0) out.push(`${run.closedDuringRun} connections closed during the run`);
  if (run.behind > 0) out.push(`generator skipped ${run.behind} msgs (> 10 ms behind its schedule)`);
  if (run.serverCrashes > 0) out.push('SERVER EXITED');
  const frames = topFrames(run.serverFrames);
  if (frames) out.push(frames);
  const errors = [...run.setup.errors, ...run.errors];
  if (errors.length > 0) out.push(`first error: ${errors[0]}`);
  return out;
}

function latencies(run: TrafficRun): Pick<Row, 'p50Us' | 'p99Us' | 'p999Us'> {
  return { p50Us: run.histogram.quantile(0.5), p99Us: run.histogram.quantile(0.99), p999Us: run.histogram.quantile(0.999) };
}

function relayScenario(id: string, tune: (plan: TrafficPlan, ctx: BenchContext) => TrafficPlan, unit: 'msg/s' | 'deliveries/s', isMainRelay = false): Scenario {
  return {
    id,
    processes: () => 1,
    // The ratio line's scenario gets a second (full: third) round: one round alone is at the mercy of the box.
    rounds: (ctx) => (isMainRelay ? (ctx.full ? 3 : 2) : 1),
    async run(server, pairs, ctx) {
      const plan = tune(basePlan(ctx, id), ctx);
      const run = await runTraffic(server, plan, pairs);
      if (isMainRelay) ctx.maxRelayRate[server] = Math.max(ctx.maxRelayRate[server] ?? 0, run.deliveredPerS);
      return {
        scenario: id, server, headline: run.deliveredPerS, unit,
        sentPerS: run.sentPerS, deliveredPerS: run.deliveredPerS, ...latencies(run),
        cpuPct: run.cpuPct, rssBytes: run.rssBytes,
        notes: [`${plan.rooms * plan.roomSize} conns, ${plan.window} in flight each`, ...notes(run, plan.rooms * plan.roomSize)],
      };
    },
  };
}

/** Connections per server or generator process in the hold scenario: under the 20 000 fd limit with room to spare. */
const CONNECTIONS_PER_PROCESS = 17_000;

function holdConnections(ctx: BenchContext): number {
  return ctx.holdConnections ?? (ctx.full ? 100_000 : 10_000);
}

/** (1) P2P relay, ~300 B transport-info: the scenario of the ratio line. */
export const RELAY_ID = 'p2p relay 300 B';

export const SCENARIOS: Scenario[] = [
  relayScenario(RELAY_ID, (p) => p, 'msg/s', true),
  // (1b) the same rooms relaying SDP-sized session-initiate messages
  relayScenario('p2p relay 8 KB', (p) => ({ ...p, payloadBytes: 8192, action: 'session-initiate' }), 'msg/s'),
  // (2) MUC fan-out: one publish reaches every other member
  relayScenario('muc fan-out 10', (p, ctx) => ({ ...p, roomKind: 'muc', roomSize: 10, rooms: ctx.full ? 200 : 50, window: 2, action: 'session-event' }), 'deliveries/s'),
  relayScenario('muc fan-out 50', (p, ctx) => ({ ...p, roomKind: 'muc', roomSize: 50, rooms: ctx.full ? 40 : 10, window: 1, action: 'session-event' }), 'deliveries/s'),

  // (3) connection storm: connect + hello + join + close, as many per second as the server completes
  {
    id: 'connection storm',
    processes: () => 1,
    rounds: () => 1,
    async run(server, pairs, ctx) {
      const plan: TrafficPlan = {
        ...basePlan(ctx, 'storm'), kind: 'storm', rooms: 0, concurrency: 100,
        localAddresses: sourceAddresses(16), warmupMs: 500, durationMs: ctx.durationMs ?? (ctx.full ? 10000 : 2000),
      };
      const run = await runTraffic(server, plan, pairs);
      return {
        scenario: 'connection storm', server, headline: run.completedPerS, unit: 'conn/s', ...latencies(run),
        cpuPct: run.cpuPct, rssBytes: run.rssBytes,
        notes: [`${plan.concurrency * plan.workers} set-ups in flight; latency = connect → join result`, ...notes(run, null)],
      };
    },
  },

  // (4) hold N helloed connections in P2P rooms; memory per connection = slope of RSS over connections
  {
    id: 'hold connections',
    // One process holds at most ~19 980 sockets (fd limit 20 000): 100k needs several.
    processes: (ctx) => Math.ceil(holdConnections(ctx) / CONNECTIONS_PER_PROCESS),
    rounds: () => 1,
    async run(server, pairs, ctx) {
      const connections = holdConnections(ctx);
      const workers = Math.max(ctx.workers, Math.ceil(connections / CONNECTIONS_PER_PROCESS));
      const plan: TrafficPlan = {
        ...basePlan(ctx, 'hold'), kind: 'hold', workers, rooms: connections / 2, concurrency: 400,
        // above ~25k connections one source address runs out of ephemeral ports
        localAddresses: connections > 25_000 ? sourceAddresses(32).slice(16) : [],
      };
      const run = await runHold(server, plan, pairs, ctx.full ? 5 : 4);
      const last = run.points[run.points.length - 1];
      const out: string[] = [
        `${last.connections} conns on ${pairs.length} process(es), RSS ${run.points.map((p) => (p.rssBytes / 1048576).toFixed(0)).join('→')} MB`,
        `slope after the first step; average incl. it ${(run.averageBytesPerConnection / 1024).toFixed(2)} KiB/conn`,
        `opened at ${Math.round(run.connectPerS)}/s`,
      ];
      if (last.connections < connections) out.push(`only ${last.connections}/${connections} held`);
      if (run.failures > 0) out.push(`${run.failures} failures`);
      if (run.serverCrashes > 0) out.push('SERVER EXITED');
      if (run.errors.length > 0) out.push(`first error: ${run.errors[0]}`);
      return { scenario: 'hold connections', server, headline: run.bytesPerConnection, unit: 'B/conn', rssBytes: last.rssBytes, notes: out };
    },
  },

  // (5) call set-ups: propose → trying → ringing → proceed → initiate → accept → terminate, per pair
  callSetups('call setups', 'calls', 'pairs in a P2P room'),
  // (5b) the same sequence between two registered users in no room, the callee addressed by uid (issue 11);
  // the bare-uWS baseline has no users: compare with (5)
  { ...callSetups('direct call setups', 'directCalls', "pairs of registered users, to the callee's uid"), jsongleOnly: true },

  // (6) open loop at half of this server's measured P2P relay rate
  {
    id: 'latency @ 50% max',
    processes: () => 1,
    rounds: () => 1,
    async run(server, pairs, ctx) {
      const measured = ctx.maxRelayRate[server];
      const rate = Math.round((measured ?? 40_000) / 2);
      const plan: TrafficPlan = { ...basePlan(ctx, 'latency'), kind: 'openloop', ratePerSecond: rate };
      const run = await runTraffic(server, plan, pairs);
      return {
        scenario: 'latency @ 50% max', server, headline: run.histogram.quantile(0.99), unit: 'µs p99',
        sentPerS: run.sentPerS, deliveredPerS: run.deliveredPerS, ...latencies(run),
        cpuPct: run.cpuPct, rssBytes: run.rssBytes,
        notes: [
          measured === undefined ? `offered ${rate}/s (no relay figure in this run: default)` : `offered ${rate}/s = 50% of ${Math.round(measured)}`,
          ...notes(run, plan.rooms * plan.roomSize),
        ],
      };
    },
  },
];
