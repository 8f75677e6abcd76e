/**
 * `--workers N`: one command starts N server processes sharing wsPort (SO_REUSEPORT), rooms span
 * them through Redis, each has its own monitoring port, and SIGTERM to the primary drains them all.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { helloClient, type TestClient } from '../helpers/client.js';
import { useRedis } from './helpers.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS } from './nodes.js';
import { freePort } from './redis-server.js';
import { waitFor } from '../helpers/wait.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

interface Launched {
  proc: ChildProcess;
  /** Monitoring ports of the workers, from their "listening" lines. */
  restPorts: number[];
  output(): string;
}

async function launch(workers: number, env: Record<string, string>): Promise<Launched> {
  const proc = spawn(process.execPath, [MAIN, '--workers', String(workers)], {
    env: { PATH: process.env.PATH ?? '', logDefaultLevel: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => { out += c.toString(); });
  proc.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
  const restPorts = (): number[] => out.split('\n').filter((l) => l.includes('"listening"')).map((l) => Number(new URL((JSON.parse(l) as { rest: string }).rest).port));
  await waitFor(() => restPorts().length === workers || proc.exitCode !== null, `${workers} workers listening`, 15_000);
  if (proc.exitCode !== null) throw new Error(`launcher exited: ${out}`);
  return { proc, restPorts: restPorts(), output: () => out };
}

async function usersCount(restPort: number): Promise<number> {
  const stats = (await (await fetch(`http://127.0.0.1:${restPort}/stats`)).json()) as { users_count: number };
  return stats.users_count;
}

describe('--workers N on one host', function () {
  this.timeout(30_000);
  const fx = useRedis();
  let launched: Launched | null = null;

  afterEach(async () => {
    const proc = launched?.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      });
    }
    launched = null;
  });

  it('spreads connections over both workers on one port, relays between them, and exits 0 on SIGTERM', async () => {
    const wsPort = await freePort();
    launched = await launch(2, {
      wsPort: String(wsPort), restPort: '0',
      cluster_engine: 'redis', cluster_redisUrl: fx.redis.url,
      cluster_heartbeatIntervalMs: String(HEARTBEAT_INTERVAL_MS), cluster_heartbeatTtlMs: String(HEARTBEAT_TTL_MS),
    });
    expect(launched.restPorts).to.have.length(2);
    const url = `ws://127.0.0.1:${wsPort}/`;
    const pairs: [TestClient, TestClient][] = [];
    for (let i = 0; i < 12; i++) pairs.push([await helloClient(url, `a${i}`), await helloClient(url, `b${i}`)]);
    // The kernel spreads 24 connections over the two listeners (all on one: 2^-23).
    const counts = await Promise.all(launched.restPorts.map(usersCount));
    expect(counts.reduce((s, n) => s + n, 0)).to.equal(24);
    expect(Math.min(...counts), `connections per worker: ${counts.join(', ')}`).to.be.greaterThan(0);

    for (const [a, b] of pairs) {
      const rid = `w-${randomUUID()}`;
      await a.join(rid);
      await b.join(rid);
      const sent = a.relay(rid, 'session-text', { namespace: 'x', description: { text: 'hi' } });
      expect((await b.expectMessage({ jsongle: { action: 'session-text' } })).id).to.equal(sent.id);
    }
    expect(await fx.redis.cli().scard('jsongle:nodes')).to.equal(2);

    const proc = launched.proc;
    const code = await new Promise<number | null>((resolve) => {
      proc.once('exit', (c) => resolve(c));
      proc.kill('SIGTERM');
    });
    expect(code, launched.output().slice(-2000)).to.equal(0);
    await Promise.all(pairs.flat().map((c) => c.expectClose(5000)));
    // Both workers left the cluster cleanly: nothing of theirs remains in Redis.
    expect(await fx.redis.cli().scard('jsongle:nodes')).to.equal(0);
    expect(await fx.redis.cli().keys('jsongle:[rcn]:*')).to.deep.equal([]);
  });

  it('refuses to start several workers without the Redis engine', async () => {
    const proc = spawn(process.execPath, [MAIN, '--workers', '2'], {
      env: { PATH: process.env.PATH ?? '', wsPort: String(await freePort()), restPort: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr?.on('data', (c: Buffer) => { err += c.toString(); });
    const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
    expect(code).to.equal(1);
    expect(err).to.match(/cluster\.workers > 1 needs cluster\.engine "redis"/);
  });
});
