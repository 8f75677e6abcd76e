/**
 * `npm run bench` (quick, < 2 minutes) and `npm run bench:full`: every scenario against the
 * bare-uWS baseline, then against the real server, on the same ports and cores, one at a time.
 * Progress goes to stderr; the report (a Markdown table) to stdout, and its last line is
 *   relay ratio R (S msg/s vs B msg/s bare uWS)
 *
 * Options: --full; --only=<id substring>[,…]; --baseline-only (while the server is not built);
 * --workers=N (generator processes, default 2); --duration=S (measured seconds of the traffic
 * scenarios); --hold=N (connections of the hold scenario); --cpu-prof=DIR (profile the real server: node --cpu-prof, written when it exits);
 * --resume=on|off (the real server's session resume: on = its default window, off = resume_windowSec 0; default: the server's default).
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { hasTaskset, installExitHooks } from './lib/children.js';
import { ratioLine, table, type Row } from './lib/report.js';
import { RELAY_ID, SCENARIOS, type BenchContext, type Scenario } from './lib/scenarios.js';
import { freePorts, REAL_SERVER, REPO_ROOT, type PortPair, type ServerKind } from './lib/servers.js';

interface Options {
  full: boolean;
  only: string[];
  baselineOnly: boolean;
  workers: number;
  durationMs: number | null;
  holdConnections: number | null;
  cpuProf: string | null;
  /** null: the server's own default. */
  resume: 'on' | 'off' | null;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const known = ['--full', '--baseline-only', '--only=', '--workers=', '--duration=', '--hold=', '--cpu-prof=', '--resume='];
  const unknown = argv.filter((a) => !known.some((k) => (k.endsWith('=') ? a.startsWith(k) : a === k)));
  if (unknown.length > 0) throw new Error(`unknown option(s): ${unknown.join(' ')}`);
  const workers = Number(value('workers') ?? 2);
  if (!Number.isInteger(workers) || workers < 1 || workers > 16) throw new Error('--workers must be 1..16');
  const prof = value('cpu-prof');
  const duration = value('duration');
  if (duration !== undefined && !(Number(duration) > 0 && Number(duration) <= 600)) throw new Error('--duration must be 1..600 seconds');
  const hold = value('hold');
  if (hold !== undefined && !(Number.isInteger(Number(hold)) && Number(hold) >= 10 && Number(hold) <= 200_000 && Number(hold) % 10 === 0)) {
    throw new Error('--hold must be a multiple of 10 from 10 to 200000');
  }
  const resume = value('resume');
  if (resume !== undefined && resume !== 'on' && resume !== 'off') throw new Error('--resume must be on or off');
  return {
    resume: resume ?? null,
    full: argv.includes('--full'),
    only: value('only')?.split(',').filter(Boolean) ?? [],
    baselineOnly: argv.includes('--baseline-only'),
    workers,
    durationMs: duration === undefined ? null : Number(duration) * 1000,
    holdConnections: hold === undefined ? null : Number(hold),
    cpuProf: prof === undefined ? null : resolve(prof),
  };
}

const RUN_ATTEMPTS = 2;

/** A failed run is tried once more: on a shared checkout another build can rewrite dist/ while a
 * process loads it, and a busy box can miss a start-up deadline. */
async function runWithRetry(scenario: Scenario, server: ServerKind, pairs: PortPair[], ctx: BenchContext): Promise<Row> {
  const t0 = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const row = await scenario.run(server, pairs, ctx);
      log(`  ${scenario.id} / ${server}: ${Math.round(row.headline)} ${row.unit} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      return row;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`  ${scenario.id} / ${server}: attempt ${attempt} FAILED ${message}`);
      if (attempt >= RUN_ATTEMPTS) return { scenario: scenario.id, server, headline: NaN, unit: 'msg/s', notes: [`failed: ${message.split('\n')[0]}`] };
    }
  }
}

/** The best of a server's rounds (noise on a shared box only ever makes a figure worse), the others noted. */
function best(rows: Row[]): Row {
  const lowerIsBetter = (r: Row) => r.unit === 'B/conn' || r.unit === 'µs p99';
  const ok = rows.filter((r) => Number.isFinite(r.headline));
  if (ok.length === 0) return rows[0];
  const chosen = ok.reduce((a, b) => ((lowerIsBetter(a) ? b.headline < a.headline : b.headline > a.headline) ? b : a));
  if (rows.length === 1) return chosen;
  const others = rows.filter((r) => r !== chosen).map((r) => (Number.isFinite(r.headline) ? String(Math.round(r.headline)) : 'failed'));
  return { ...chosen, notes: [`best of ${rows.length} rounds (other: ${others.join(', ')} ${chosen.unit})`, ...chosen.notes] };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  installExitHooks();
  const opts = parseOptions(process.argv.slice(2));
  if (!opts.baselineOnly && !existsSync(REAL_SERVER)) {
    log(`${REAL_SERVER} not found: build the server first, or pass --baseline-only`);
    return 1;
  }
  const ctx: BenchContext = {
    full: opts.full,
    workers: opts.workers,
    durationMs: opts.durationMs,
    holdConnections: opts.holdConnections,
    runTag: `b${Date.now().toString(36)}`,
    serverOptions: {
      ...(opts.cpuProf ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] } : {}),
      // Resume on vs off: RSS per idle connection (hold) and the relay ratio, measured both ways.
      ...(opts.resume === null ? {} : { env: { resume_windowSec: opts.resume === 'off' ? '0' : '20' } }),
    },
    maxRelayRate: {},
  };
  const servers: ServerKind[] = opts.baselineOnly ? ['baseline'] : ['baseline', 'jsongle'];
  const scenarios = SCENARIOS.filter((s) => opts.only.length === 0 || opts.only.some((o) => s.id.includes(o)));
  const started = Date.now();
  const loadBefore = loadavg()[0];
  log(`bench (${opts.full ? 'full' : 'quick'}): ${scenarios.length} scenarios × ${servers.join(', ')}; ` +
    `${cpus().length} cores; taskset ${hasTaskset() ? 'server core 0, generator core 1' : 'not available: no pinning'}`);

  const rows: Row[] = [];
  for (const scenario of scenarios) {
    const ports = await freePorts(2 * scenario.processes(ctx));
    const pairs = Array.from({ length: ports.length / 2 }, (_, i) => ({ ws: ports[2 * i], rest: ports[2 * i + 1] }));
    const rounds = scenario.rounds(ctx);
    const tried: Record<string, Row[]> = {};
    // Rounds alternate the servers (baseline, jsongle, baseline, jsongle…) so both see the same
    // spread of whatever else the box is doing.
    for (let round = 1; round <= rounds; round++) {
      for (const server of servers) {
        if (scenario.jsongleOnly === true && server !== 'jsongle') continue;
        const row = await runWithRetry(scenario, server, pairs, ctx);
        (tried[server] ??= []).push(row);
      }
    }
    for (const server of servers) if (tried[server] !== undefined) rows.push(best(tried[server]));
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`\n## JSONgle server vs bare uWS (${opts.full ? 'full' : 'quick'} run, ${new Date().toISOString()}, ${seconds} s)\n`);
  console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${hasTaskset() ? 'server pinned to core 0, generator to core 1' : 'no core pinning'}; ` +
    `repo ${REPO_ROOT}; 1-min load average ${loadBefore.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end (other work on the box competes for both cores). CPU is % of one core; ` +
    `per server core = headline ÷ server CPU share; ratio = jsongle / bare uWS headline (for KiB/conn and p99, lower is better).\n`);
  console.log(table(rows));
  console.log('');
  runClusterScenarios(opts);
  runSocketIOScenario(opts);
  if (opts.baselineOnly || !scenarios.some((s) => s.id === RELAY_ID)) {
    console.log('no P2P relay comparison in this run: no ratio line');
    return 0;
  }
  const rate = (server: ServerKind) => rows.find((r) => r.scenario === RELAY_ID && r.server === server)?.headline ?? NaN;
  const line = ratioLine(rate('jsongle'), rate('baseline'));
  console.log(line);
  return Number.isFinite(rate('jsongle')) && Number.isFinite(rate('baseline')) ? 0 : 1;
}

/**
 * The Redis engine's scenarios (bench/cluster/run.ts): the cross-node relay in every full run and in
 * a quick run of all scenarios, the multi-process hold in --full only. Skipped, with a line saying
 * so, when redis-server is not installed. Printed before the ratio line, which stays last.
 */
function runClusterScenarios(opts: ReturnType<typeof parseOptions>): void {
  if (opts.baselineOnly || (opts.only.length > 0 && !opts.only.some((o) => 'cluster'.includes(o)))) return;
  const redis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (redis.status !== 0) {
    console.log('cross-node scenarios skipped: redis-server is not installed (apt-get install redis-server)\n');
    return;
  }
  const script = resolve(dirname(fileURLToPath(import.meta.url)), 'cluster', 'run.js');
  // Quick: only the split case (every message crosses Redis), to keep npm run bench near two minutes.
  const args = opts.full ? [script, '--full'] : [script, '--only=relay', '--case=2'];
  spawnSync(process.execPath, args, {
    stdio: ['ignore', 'inherit', 'inherit'], timeout: opts.full ? 900_000 : 120_000,
    env: { ...process.env, JSONGLE_BENCH_PARENT: '1' },
  });
  console.log('');
}

/**
 * The Socket.IO relay (bench/socketio/run.ts): the real server's Socket.IO door against a plain
 * Socket.IO server, one generator of socket.io-client sockets. Bounded (quick: 100 pairs, 3 s each;
 * full: 500 pairs, 10 s). Printed before the ratio line, which stays last.
 */
function runSocketIOScenario(opts: ReturnType<typeof parseOptions>): void {
  if (opts.baselineOnly || (opts.only.length > 0 && !opts.only.some((o) => 'socket.io'.includes(o)))) return;
  const script = resolve(dirname(fileURLToPath(import.meta.url)), 'socketio', 'run.js');
  const args = opts.full ? [script, '--pairs=500', '--duration=10000'] : [script];
  spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: opts.full ? 300_000 : 120_000 });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
