/**
 * `npm run bench:cluster [-- --full] [--only=relay|hold] [--case=1|2|3]`: the Redis engine's two figures.
 *
 * 1. Cross-node relay: P2P pairs relaying 300 B transport-info, 8 in flight per member, on
 *    (a) one server with the local engine, (b) two servers with the Redis engine and each pair's
 *    members on different servers (every message crosses Redis), (c) the same two servers with
 *    each pair on one server (rooms inside one process never touch Redis).
 * 2. Multi-process connection hold: `main.js --workers N` (one shared port, Redis engine), helloed
 *    connections joined in P2P rooms opened in steps; RSS per connection is the slope of the
 *    workers' summed VmRSS over connections (and Redis's used_memory per connection beside it).
 *
 * This box has two cores: servers run on core 0, the generator and redis-server on core 1, and
 * every figure is for that split. Runs are short and bounded; every process started is killed at
 * the end however the run ends.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installExitHooks, pinned, stopChild, track } from '../lib/children.js';
import { CpuMeter, rssBytes, totalRss } from '../lib/procstat.js';
import { benchEnv, freePorts, REAL_SERVER, REPO_ROOT } from '../lib/servers.js';
import { jobFor, slope, sourceAddresses, type TrafficPlan } from '../lib/traffic.js';
import { WorkerPool } from '../loadgen/pool.js';
import type { RelayJob, RelayResult } from './relay-worker.js';

const SERVER_CORE = 0;
const SIDE_CORE = 1;
const here = dirname(fileURLToPath(import.meta.url));
const RELAY_WORKER = resolve(here, 'relay-worker.js');

const args = process.argv.slice(2);
const full = args.includes('--full');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  child: ChildProcess;
  log(): string;
}

function start(command: string, argv: string[], env: Record<string, string>, core: number): Proc {
  const [cmd, a] = pinned(core, command, argv);
  const child = track(spawn(cmd, a, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  const keep = (c: Buffer) => { out = (out + c.toString()).slice(-16384); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, log: () => out };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, proc?: Proc): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (proc && proc.child.exitCode !== null) throw new Error(`${what}: process exited:\n${proc.log()}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${proc ? `:\n${proc.log()}` : ''}`);
    await delay(50);
  }
}

async function startRedis(port: number): Promise<Proc> {
  const redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {}, SIDE_CORE);
  await until('redis-server ready', () => redis.log().includes('Ready to accept connections'), 5000, redis);
  return redis;
}

async function redisUsedMemory(port: number): Promise<number> {
  const { Redis } = await import('ioredis');
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  const info = await r.info('memory');
  await r.quit();
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

function clusterEnv(redisPort: number): Record<string, string> {
  return { cluster_engine: 'redis', cluster_redisUrl: `redis://127.0.0.1:${redisPort}` };
}

/** CLUSTER_BENCH_PROFILE=<dir>: the servers write V8 CPU profiles there (for finding the cost of a cross-node relay). */
const PROFILE_DIR = process.env.CLUSTER_BENCH_PROFILE;

async function startServer(ws: number, rest: number, env: Record<string, string>): Promise<Proc> {
  const flags = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const p = start(process.execPath, [...flags, REAL_SERVER], benchEnv({ ws, rest }, { logDefaultLevel: 'info', ...env }), SERVER_CORE);
  await until(`server on ${ws}`, () => p.log().includes('"listening"'), 15000, p);
  return p;
}

interface RelayRow {
  name: string;
  perS: number;
  p50Us: number;
  p99Us: number;
  cpu: string;
  notes: string;
}

async function relayCase(name: string, servers: number, engine: 'local' | 'redis', mode: RelayJob['mode']): Promise<RelayRow> {
  const pairs = full ? 1000 : 250;
  const timing = full ? { warmupMs: 2000, durationMs: 10000 } : { warmupMs: 1000, durationMs: 3000 };
  const ports = await freePorts(2 * servers + 1);
  const procs: Proc[] = [];
  try {
    let redisPid: number | null = null;
    if (engine === 'redis') {
      const redis = await startRedis(ports[2 * servers]);
      procs.push(redis);
      redisPid = redis.child.pid ?? null;
    }
    for (let i = 0; i < servers; i++) {
      procs.push(await startServer(ports[2 * i], ports[2 * i + 1], engine === 'redis' ? { ...clusterEnv(ports[2 * servers]), cluster_nodeId: `bench-${i}` } : {}));
    }
    const job: RelayJob = {
      ports: Array.from({ length: servers }, (_, i) => ports[2 * i]), mode, pairs, window: 8, payloadBytes: 300,
      sampleEvery: 16, tag: `bc-${randomUUID().slice(0, 8)}`, ...timing,
    };
    const gen = start(process.execPath, [RELAY_WORKER, JSON.stringify(job)], {}, SIDE_CORE);
    const serverPids = procs.filter((p) => p.child.pid !== redisPid).map((p) => p.child.pid as number);
    const meters = { servers: new CpuMeter(serverPids), redis: redisPid ? new CpuMeter([redisPid]) : null };
    const done = new Promise<RelayResult>((ok, fail) => {
      gen.child.once('exit', (code) => {
        const line = gen.log().split('\n').find((l) => l.startsWith('{'));
        if (code === 0 && line) ok(JSON.parse(line) as RelayResult);
        else fail(new Error(`generator exited ${code}: ${gen.log()}`));
      });
    });
    const started = Date.now();
    const measured = await measureWindow(done, meters, timing.durationMs);
    const r = measured.result;
    const perS = r.delivered / (r.elapsedMs / 1000);
    const cpu = `servers ${measured.serverCpu.toFixed(0)} %${measured.redisCpu !== null ? `, redis ${measured.redisCpu.toFixed(0)} %` : ''}`;
    const notes = [`${r.connections} conns`, `${((Date.now() - started) / 1000).toFixed(0)} s`];
    if (r.failures > 0) notes.push(`${r.failures} failures: ${r.errors[0]}`);
    return { name, perS, p50Us: r.p50Us, p99Us: r.p99Us, cpu, notes: notes.join(', ') };
  } finally {
    await Promise.all(procs.map((p) => stopChild(p.child, 'SIGTERM', 5000)));
  }
}

/** CPU over the generator's measured window (its set-up time varies): sampled every 250 ms, the last `windowMs` kept. */
async function measureWindow(done: Promise<RelayResult>, meters: { servers: CpuMeter; redis: CpuMeter | null }, windowMs: number) {
  const samples: { ms: number; servers: number; redis: number }[] = [];
  let finished = false;
  const result = done.finally(() => { finished = true; });
  while (!finished) {
    const t = Date.now();
    meters.servers.start();
    meters.redis?.start();
    await Promise.race([result.catch(() => undefined), delay(250)]);
    if (finished) break;
    samples.push({ ms: Date.now() - t, servers: meters.servers.stop(), redis: meters.redis?.stop() ?? 0 });
  }
  const r = await result;
  const last = samples.slice(-Math.max(1, Math.floor(windowMs / 250)));
  const total = last.reduce((a, x) => a + x.ms, 0);
  const avg = (f: (x: (typeof last)[number]) => number) => last.reduce((a, x) => a + f(x) * x.ms, 0) / total;
  return { result: r, serverCpu: avg((x) => x.servers), redisCpu: meters.redis ? avg((x) => x.redis) : null };
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function holdCase(): Promise<string[]> {
  const connections = full ? 100_000 : 20_000;
  const workers = full ? 6 : 2;
  const steps = 4;
  const [wsPort, redisPort] = await freePorts(2);
  const procs: Proc[] = [];
  let pool: WorkerPool | null = null;
  try {
    procs.push(await startRedis(redisPort));
    const primary = start(process.execPath, [REAL_SERVER, '--workers', String(workers)], benchEnv({ ws: wsPort, rest: 0 }, {
      // Each worker picks its own monitoring port (restPort + index could collide with a port in use here).
      logDefaultLevel: 'info', ...clusterEnv(redisPort), restPort: '0',
    }), SERVER_CORE);
    procs.push(primary);
    await until(`${workers} workers listening`, () => primary.log().split('"listening"').length - 1 >= workers, 30_000, primary);
    const workerPids = childPids(primary.child.pid as number);
    const generators = Math.max(2, Math.ceil(connections / 17_000));
    pool = WorkerPool.fork(generators, SIDE_CORE);
    const plan: TrafficPlan = {
      kind: 'hold', workers: generators, rooms: connections / 2, roomSize: 2, roomKind: 'room', window: 1, payloadBytes: 300,
      action: 'transport-info', ratePerSecond: 0, sampleEvery: 16, concurrency: 400, warmupMs: 0, durationMs: 0,
      localAddresses: connections > 25_000 ? sourceAddresses(32).slice(16) : [], runTag: `hold-${randomUUID().slice(0, 8)}`,
    };
    await pool.ask((w) => ({ cmd: 'setup', job: jobFor(plan, w, [wsPort], 0) }), 'ready', 30_000);
    const points = [{ connections: 0, rss: totalRss(workerPids), redis: await redisUsedMemory(redisPort) }];
    let failures = 0;
    const t0 = Date.now();
    for (let step = 0; step < steps; step++) {
      const per = plan.rooms / steps / generators;
      const opened = await pool.ask(() => ({ cmd: 'open', rooms: Math.round(per) }), 'opened', 300_000);
      failures += opened.reduce((s, m) => s + m.report.failures, 0);
      points.push({
        connections: opened.reduce((s, m) => s + m.report.connections, 0),
        rss: totalRss(workerPids),
        redis: await redisUsedMemory(redisPort),
      });
    }
    const openS = (Date.now() - t0) / 1000;
    const last = points[points.length - 1];
    const perConn = slope(points.slice(1).map((p) => ({ x: p.connections, y: p.rss })));
    const redisPerConn = slope(points.slice(1).map((p) => ({ x: p.connections, y: p.redis })));
    const perWorker = workerPids.map((pid) => `${(rssBytes(pid) / 1048576).toFixed(0)} MB`).join(', ');
    return [
      `| hold, --workers ${workers}, redis engine | ${last.connections} conns | ${(perConn / 1024).toFixed(2)} KiB/conn (slope) | ` +
        `RSS ${points.map((p) => (p.rss / 1048576).toFixed(0)).join('→')} MB (per worker ${perWorker}); redis ${(redisPerConn).toFixed(0)} B/conn; ` +
        `opened at ${Math.round(last.connections / openS)}/s${failures ? `; ${failures} failures` : ''} |`,
    ];
  } finally {
    await pool?.stop();
    await Promise.all(procs.reverse().map((p) => stopChild(p.child, 'SIGTERM', 10_000)));
  }
}

const ms = (us: number) => (us / 1000).toFixed(1);

/** Another benchmark on this 2-core box would make both wrong: wait (bounded) until none runs. */
async function waitForQuietBox(): Promise<void> {
  // Started by npm run bench (bench/run.ts), which has finished its own load by then.
  if (process.env.JSONGLE_BENCH_PARENT === '1') return;
  const others = () => {
    try {
      return execFileSync('pgrep', ['-f', 'dist/bench/(run|loadgen)'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number)
        // npm run bench starts this script itself: its parent is not "another" benchmark.
        .filter((pid) => pid !== process.pid && pid !== process.ppid && !childPids(process.pid).includes(pid));
    } catch {
      return []; // pgrep exits 1 when nothing matches
    }
  };
  const deadline = Date.now() + 10 * 60_000;
  let said = false;
  while (others().length > 0 && Date.now() < deadline) {
    if (!said) process.stderr.write('  another benchmark is running: waiting for it to finish…\n');
    said = true;
    await delay(2000);
  }
}

async function main(): Promise<void> {
  installExitHooks();
  const lines: string[] = ['| scenario | rate | p50 / p99 | CPU | notes |', '|---|---|---|---|---|'];
  if (only === undefined || only === 'relay') {
    const cases: [string, number, 'local' | 'redis', RelayJob['mode']][] = [
      ['P2P relay, 1 node, local engine', 1, 'local', 'together'],
      ['P2P relay, 2 nodes, every pair split across them (Redis)', 2, 'redis', 'split'],
      ['P2P relay, 2 nodes, each pair on one node (Redis engine, no Redis traffic)', 2, 'redis', 'together'],
    ];
    const pick = args.find((a) => a.startsWith('--case='))?.slice('--case='.length);
    for (const [name, servers, engine, mode] of cases.filter((_, i) => pick === undefined || String(i + 1) === pick)) {
      await waitForQuietBox();
      process.stderr.write(`  ${name}…\n`);
      const r = await relayCase(name, servers, engine, mode);
      lines.push(`| ${r.name} | ${Math.round(r.perS).toLocaleString('en')} msg/s | ${ms(r.p50Us)} / ${ms(r.p99Us)} ms | ${r.cpu} | ${r.notes} |`);
    }
  }
  if (only === undefined || only === 'hold') {
    await waitForQuietBox();
    process.stderr.write('  connection hold…\n');
    lines.push('', '| scenario | held | memory | details |', '|---|---|---|---|', ...(await holdCase()));
  }
  process.stdout.write(lines.join('\n') + '\n');
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:cluster failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
