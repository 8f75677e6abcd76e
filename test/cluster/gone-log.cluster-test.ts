/**
 * The gone log (directory-scripts.ts) through the scripts alone, on a real Redis: what a node reads
 * past its cursor. A node that missed several beats (its link down) reads every removal since, in
 * order, once; a node starting reads none of the past; a cursor above the log (Redis lost its data)
 * reads everything since.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { SCRIPTS, type ScriptName } from '../../src/cluster/scripts.js';
import { useRedis } from './helpers.js';

describe('the gone log (the scripts alone)', () => {
  const fx = useRedis();
  let cli: Redis;
  const prefix = `gone-${randomUUID().slice(0, 8)}:`;
  const run = (name: ScriptName, ...args: (string | number)[]) =>
    (cli as unknown as Record<ScriptName, (...a: (string | number)[]) => Promise<unknown>>)[name](prefix, ...args);
  const goneSince = (cursor: number) => run('jsongleGoneSince', cursor) as Promise<(string | number)[]>;

  before(() => {
    cli = new Redis(fx.redis.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) cli.defineCommand(name, { numberOfKeys: 0, lua: SCRIPTS[name] });
  });
  after(() => cli.disconnect());

  it('gives a new reader the end of the log, then each removal after it once, in order', async () => {
    for (const n of ['n1', 'n2', 'n3']) await run('jsongleHeartbeat', n, 1500, 250);
    await run('jsongleStop', 'n1');
    const [start] = await goneSince(-1);
    expect(start).to.equal(1);
    await run('jsongleStop', 'n2');
    // Stopped again while not registered (reaped, never written back): not gone a second time.
    await run('jsongleStop', 'n2');
    await run('jsongleStop', 'n3');
    expect(await goneSince(Number(start))).to.deep.equal([3, 'n2', 'n3']);
    expect(await goneSince(3)).to.deep.equal([3]);
  });

  it('takes a registration away with its node, and reads everything since a restart for a cursor above the log', async () => {
    await run('jsongleHeartbeat', 'n4', 1500, 250);
    expect(await run('jsongleRegister', 'alice', 'c4', 'n4', 2)).to.equal(1);
    await run('jsongleStop', 'n4');
    expect(await cli.exists(`${prefix}u:alice`, `${prefix}n:n4:u`)).to.equal(0);
    // Redis lost its data (FLUSHDB as a restart without persistence would): the log starts again.
    await cli.flushdb();
    await run('jsongleHeartbeat', 'n5', 1500, 250);
    await run('jsongleStop', 'n5');
    expect(await goneSince(4)).to.deep.equal([1, 'n5']);
  });
});
