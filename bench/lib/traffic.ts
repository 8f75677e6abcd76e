/**
 * One measured run: start the server(s), fork the generator, set up its connections, run the
 * traffic, read CPU and RSS, and stop everything — in a `finally`, whatever failed.
 */
import { performance } from 'node:perf_hooks';
import { Histogram } from '../loadgen/histogram.js';
import { WorkerPool } from '../loadgen/pool.js';
import type { ScenarioKind, SetupReport, WorkerJob, WorkerResult } from '../loadgen/protocol.js';
import { CpuMeter, totalRss } from './procstat.js';
import { startServers, type PortPair, type ServerGroup, type ServerKind, type StartOptions } from './servers.js';

export const SERVER_CORE = 0;
export const GENERATOR_CORE = 1;

export interface TrafficPlan {
  kind: ScenarioKind;
  workers: number;
  /** Rooms over all workers (split as evenly as possible; a room never spans workers). */
  rooms: number;
  roomSize: number;
  roomKind: 'room' | 'muc';
  window: number;
  payloadBytes: number;
  action: string;
  /** Open loop: total messages per second over all workers. */
  ratePerSecond: number;
  sampleEvery: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  localAddresses: string[];
  runTag: string;
  /** How the real server is started (extra env, node flags such as --cpu-prof). */
  serverOptions?: StartOptions;
}

export interface TrafficRun {
  setup: SetupReport;
  /** Per-second rates over the measured window. */
  sentPerS: number;
  deliveredPerS: number;
  completedPerS: number;
  failures: number;
  behind: number;
  closedDuringRun: number;
  histogram: Histogram;
  serverFrames: Record<string, number>;
  errors: string[];
  cpuPct: number;
  /** The generator's CPU over the window: near 100 % × its cores means the generator, not the server, was the limit. */
  generatorCpuPct: number;
  rssBytes: number;
  serverCrashes: number;
}

/** Loopback source addresses 127.0.0.2 … 127.0.0.(1+n): one address runs out of ephemeral ports at ~28k. */
export function sourceAddresses(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `127.0.0.${i + 2}`);
}

export function share(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

export function jobFor(plan: TrafficPlan, worker: number, ports: number[], rooms: number): WorkerJob {
  return {
    kind: plan.kind,
    workerId: worker,
    host: '127.0.0.1',
    ports,
    path: '/',
    localAddresses: plan.localAddresses,
    rooms,
    roomSize: plan.roomSize,
    roomKind: plan.roomKind,
    window: plan.window,
    payloadBytes: plan.payloadBytes,
    action: plan.action,
    ratePerSecond: plan.ratePerSecond / plan.workers,
    sampleEvery: plan.sampleEvery,
    concurrency: plan.concurrency,
    setupTimeoutMs: 20000,
    runTag: plan.runTag,
    hardDeadlineMs: plan.warmupMs + plan.durationMs + 600_000,
  };
}

function mergeSetup(reports: SetupReport[]): SetupReport {
  return {
    connections: reports.reduce((s, r) => s + r.connections, 0),
    failures: reports.reduce((s, r) => s + r.failures, 0),
    errors: [...new Set(reports.flatMap((r) => r.errors))].slice(0, 5),
    elapsedMs: Math.max(...reports.map((r) => r.elapsedMs)),
  };
}

function merge(results: WorkerResult[], cpuPct: number, generatorCpuPct: number, rss: number, setup: SetupReport, crashes: number): TrafficRun {
  const seconds = results.reduce((s, r) => s + r.elapsedMs, 0) / results.length / 1000;
  const sum = (f: (r: WorkerResult) => number) => results.reduce((s, r) => s + f(r), 0);
  const histogram = new Histogram();
  const serverFrames: Record<string, number> = {};
  for (const r of results) {
    histogram.add(r.histogram);
    for (const [k, v] of Object.entries(r.serverFrames)) serverFrames[k] = (serverFrames[k] ?? 0) + v;
  }
  return {
    setup,
    sentPerS: sum((r) => r.sent) / seconds,
    deliveredPerS: sum((r) => r.delivered) / seconds,
    completedPerS: sum((r) => r.completed) / seconds,
    failures: sum((r) => r.failures),
    behind: sum((r) => r.behind),
    closedDuringRun: sum((r) => r.closedDuringRun),
    histogram,
    serverFrames,
    errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 5),
    cpuPct,
    generatorCpuPct,
    rssBytes: rss,
    serverCrashes: crashes,
  };
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** BENCH_TRACE=1 prints how long each phase of a run took (stderr). */
function tracer(label: string): (phase: string) => void {
  if (!process.env.BENCH_TRACE) return () => {};
  let last = performance.now();
  return (phase) => {
    const now = performance.now();
    process.stderr.write(`    [${label}] ${phase} ${(now - last).toFixed(0)} ms\n`);
    last = now;
  };
}

/** Runs a traffic scenario (relay, open loop, storm, calls) against one server. */
export async function runTraffic(server: ServerKind, plan: TrafficPlan, pairs: PortPair[]): Promise<TrafficRun> {
  let servers: ServerGroup | null = null;
  let pool: WorkerPool | null = null;
  const trace = tracer(`${plan.kind}/${server}`);
  try {
    // Workers boot while the server starts; they connect only once it listens.
    pool = WorkerPool.fork(plan.workers, GENERATOR_CORE);
    servers = await startServers(server, pairs, SERVER_CORE, plan.serverOptions);
    const ports = servers.wsPorts;
    const ready = await pool.ask((w) => ({ cmd: 'setup', job: jobFor(plan, w, ports, share(plan.rooms, plan.workers, w)) }), 'ready', 120_000);
    trace('server started, connections set up');
    const setup = mergeSetup(ready.map((m) => m.report));
    const meter = new CpuMeter(servers.pids);
    const generatorMeter = new CpuMeter(pool.pids);
    const results = pool.ask(() => ({ cmd: 'run', warmupMs: plan.warmupMs, durationMs: plan.durationMs }), 'result', plan.warmupMs + plan.durationMs + 30_000);
    // The CPU window follows the workers' measured window (both start after the warm-up).
    await delay(plan.warmupMs);
    meter.start();
    generatorMeter.start();
    await delay(plan.durationMs);
    const cpu = meter.stop();
    const generatorCpu = generatorMeter.stop();
    const rss = totalRss(servers.pids);
    const done = await results;
    trace('traffic');
    return merge(done.map((m) => m.result), cpu, generatorCpu, rss, setup, servers.crashed());
  } finally {
    await pool?.stop();
    trace('generator stopped');
    await servers?.stop();
    trace('server stopped');
  }
}

export interface HoldPoint {
  connections: number;
  rssBytes: number;
}

export interface HoldRun {
  points: HoldPoint[];
  /** Least-squares slope of RSS over connections after the first step: what one more held connection costs. */
  bytesPerConnection: number;
  /** (last RSS − RSS with no connection) / connections: includes the first step's one-off growth (JIT, heap). */
  averageBytesPerConnection: number;
  connectPerS: number;
  failures: number;
  errors: string[];
  serverCrashes: number;
}

/** Least-squares slope of y over x. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? NaN : sxy / sxx;
}

/**
 * Opens `steps` equal slices of `plan.rooms` P2P rooms on fresh server process(es) and reads RSS
 * after each slice: the slope is the memory one more helloed, joined connection costs.
 */
export async function runHold(server: ServerKind, plan: TrafficPlan, pairs: PortPair[], steps: number): Promise<HoldRun> {
  let servers: ServerGroup | null = null;
  let pool: WorkerPool | null = null;
  try {
    pool = WorkerPool.fork(plan.workers, GENERATOR_CORE);
    servers = await startServers(server, pairs, SERVER_CORE, plan.serverOptions);
    const ports = servers.wsPorts;
    await pool.ask((w) => ({ cmd: 'setup', job: jobFor(plan, w, ports, 0) }), 'ready', 30_000);
    const points: HoldPoint[] = [{ connections: 0, rssBytes: totalRss(servers.pids) }];
    let failures = 0;
    let errors: string[] = [];
    let openMs = 0;
    for (let step = 0; step < steps; step++) {
      const t0 = performance.now();
      const opened = await pool.ask((w) => ({ cmd: 'open', rooms: share(share(plan.rooms, steps, step), plan.workers, w) }), 'opened', 300_000);
      openMs += performance.now() - t0;
      const setup = mergeSetup(opened.map((m) => m.report));
      failures += setup.failures;
      errors = [...new Set([...errors, ...setup.errors])].slice(0, 5);
      points.push({ connections: setup.connections, rssBytes: totalRss(servers.pids) });
    }
    const last = points[points.length - 1].connections;
    return {
      points,
      // The first step also pays one-off costs (compiled code, heap spaces growing): left out of the slope.
      bytesPerConnection: slope(points.slice(1).map((p) => ({ x: p.connections, y: p.rssBytes }))),
      averageBytesPerConnection: last > 0 ? (points[points.length - 1].rssBytes - points[0].rssBytes) / last : NaN,
      connectPerS: last / (openMs / 1000),
      failures,
      errors,
      serverCrashes: servers.crashed(),
    };
  } finally {
    await pool?.stop();
    await servers?.stop();
  }
}
