/**
 * Starting and stopping the two servers under test: the bare-uWS baseline and the real server
 * (dist/src/main.js, configured through environment variables so that only the limits that
 * would throttle a benchmark differ from production defaults). One or several processes each,
 * pinned to the server core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned, stopChild, track } from './children.js';

export type ServerKind = 'baseline' | 'jsongle';

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench/lib
export const REPO_ROOT = resolve(here, '../../..');
export const REAL_SERVER = resolve(REPO_ROOT, 'dist/src/main.js');
const BASELINE = resolve(here, '../baseline-server.js');

export interface PortPair {
  ws: number;
  rest: number;
}

export interface ServerGroup {
  kind: ServerKind;
  pids: number[];
  wsPorts: number[];
  /** Output of every process (last 8 KB), for error reports. */
  logTail(): string;
  /** Processes that exited on their own. */
  crashed(): number;
  stop(): Promise<void>;
}

/** Overrides that keep the real server's limits out of the way of a benchmark. */
export function benchEnv(pair: PortPair, extra: Record<string, string> = {}): Record<string, string> {
  return {
    wsPort: String(pair.ws),
    restPort: String(pair.rest),
    logDefaultLevel: 'warn',
    rateLimit_messagesPerSecond: '1000000000',
    rateLimit_burst: '1000000000',
    maxConcurrentUsers: '1000000', // the server caps it by its fd limit (and warns)
    helloTimeoutMs: '600000',
    maxMembersPerMultiRoom: '64',
    drainTimeoutMs: '2000',
    ...extra,
  };
}

/** Free loopback ports, found by binding port 0 (each pair stays the same for both servers of a scenario). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<net.Server>((ok, fail) => {
    const s = net.createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => ok(s));
  })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

function probe(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      ok(true);
    });
    s.once('error', () => ok(false));
  });
}

/** Polls the port until it accepts connections, the process dies, or the deadline passes. */
async function waitListening(child: ChildProcess, port: number, deadlineMs: number, tail: () => string): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (let attempt = 0; attempt < 1000 && Date.now() < until; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited at start-up:\n${tail()}`);
    if (await probe(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server not listening on ${port} after ${deadlineMs} ms:\n${tail()}`);
}

export interface StartOptions {
  /** Extra environment for the real server (on top of benchEnv). */
  env?: Record<string, string>;
  /** Extra node flags for the real server (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

export async function startServers(kind: ServerKind, pairs: PortPair[], core: number, opts: StartOptions = {}): Promise<ServerGroup> {
  if (kind === 'jsongle' && !existsSync(REAL_SERVER)) throw new Error(`${REAL_SERVER} not found: build the server first (npm run build)`);
  let log = '';
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8192);
  };
  const children: ChildProcess[] = [];
  let stopping = false;
  let crashes = 0;
  const group: ServerGroup = {
    kind,
    pids: [],
    wsPorts: pairs.map((p) => p.ws),
    logTail: () => log,
    crashed: () => crashes,
    async stop() {
      stopping = true;
      await Promise.all(children.map((c) => stopChild(c, 'SIGTERM', 5000)));
    },
  };
  try {
    for (const pair of pairs) {
      const [cmd, args] = kind === 'baseline'
        ? pinned(core, process.execPath, [BASELINE, String(pair.ws)])
        : pinned(core, process.execPath, [...(opts.nodeArgs ?? []), REAL_SERVER]);
      const env = kind === 'baseline' ? { ...process.env } : { ...process.env, ...benchEnv(pair, opts.env) };
      const child = track(spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
      child.stdout?.on('data', append);
      child.stderr?.on('data', append);
      child.once('exit', () => {
        if (!stopping) crashes++;
      });
      children.push(child);
      if (child.pid === undefined) throw new Error(`cannot start ${cmd}`);
      group.pids.push(child.pid); // taskset execs node: same pid
      await waitListening(child, pair.ws, 15000, () => log);
    }
  } catch (err) {
    await group.stop();
    throw err;
  }
  return group;
}
