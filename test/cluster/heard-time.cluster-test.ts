/**
 * The heartbeat and reap scripts alone, on a real Redis, in the order that killed live nodes
 * before heard time: Redis frozen longer than the TTL, and on waking it runs one node's reap
 * before the other node's queued heartbeat. The frozen time is cut out, so nobody is reaped; a
 * node that really stopped beating is still reaped within its TTL of heard time.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { SCRIPTS, type ScriptName } from '../../src/cluster/scripts.js';
import { useRedis } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const TTL_MS = 1500;
const INTERVAL_MS = 250;

describe('heartbeats judged in heard time (the scripts alone)', function () {
  this.timeout(20_000);
  const fx = useRedis();
  let cli: Redis;
  const prefix = `heard-${randomUUID().slice(0, 8)}:`;
  const run = (name: ScriptName, ...args: (string | number)[]) =>
    (cli as unknown as Record<ScriptName, (...a: (string | number)[]) => Promise<unknown>>)[name](prefix, ...args);
  const beat = (node: string) => run('jsongleHeartbeat', node, TTL_MS, INTERVAL_MS);
  const reap = () => run('jsongleReap', TTL_MS, INTERVAL_MS) as Promise<(string | number)[]>;

  before(() => {
    cli = new Redis(fx.redis.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) cli.defineCommand(name, { numberOfKeys: 0, lua: SCRIPTS[name] });
  });
  after(() => cli.disconnect());

  it('reaps nobody when the first script after a freeze longer than the TTL is a reap', async () => {
    expect(await beat('n1')).to.equal(1);
    expect(await beat('n2')).to.equal(1);
    const pausedAt = Date.now();
    fx.redis.pause();
    try {
      await waitFor(() => Date.now() - pausedAt > 2 * TTL_MS, 'a freeze of twice the TTL', 3 * TTL_MS);
    } finally {
      fx.redis.resume();
    }
    expect(await reap()).to.deep.equal([]);
    expect((await cli.smembers(`${prefix}nodes`)).sort()).to.deep.equal(['n1', 'n2']);
  });

  it('still reaps a node that stopped beating, after its TTL of heard time', async () => {
    await beat('n1');
    await beat('n2');
    const startedAt = Date.now();
    let reaped: (string | number)[] = [];
    // n2 alone beats (and looks) every interval, as a surviving node does: the pace is the heartbeat's, bounded.
    const deadline = startedAt + TTL_MS + 2000;
    while (reaped.length === 0) {
      if (Date.now() > deadline) throw new Error(`n1 not reaped within ${TTL_MS + 2000} ms`);
      await beat('n2');
      reaped = await reap();
      if (reaped.length === 0) await new Promise((r) => setTimeout(r, INTERVAL_MS));
    }
    expect(reaped).to.deep.equal(['n1', 0]);
    expect(Date.now() - startedAt).to.be.at.least(TTL_MS - INTERVAL_MS);
    expect(await cli.smembers(`${prefix}nodes`)).to.deep.equal(['n2']);
  });

  it('takes the clock away with the last node to stop', async () => {
    await run('jsongleStop', 'n2');
    expect(await cli.exists(`${prefix}clock`, `${prefix}deadlines`, `${prefix}nodes`)).to.equal(0);
  });
});
