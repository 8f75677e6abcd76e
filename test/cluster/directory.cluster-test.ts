/**
 * The user directory across nodes (users-calls-sessions.md §2): one uid's devices on two nodes
 * seen from both, one limit for the whole cluster, a dead node's registrations reaped and every
 * survivor told once (onNodeGone), the node written back when it returns, and a silent Redis
 * answered 'unavailable' / failed without a throw, repaired by the resync when it wakes.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { devicesOf, register, uidFor } from '../contracts/directory-contract.js';
import { waitFor } from '../helpers/wait.js';
import { startDirectoryNode, type DirectoryNode } from './directory-node.js';
import { useRedis } from './helpers.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS } from './nodes.js';
import { TcpProxy } from './tcp-proxy.js';

/** The design's bound: the TTL of heard time, plus a survivor's next look and its next read of the gone log. */
const GONE_BOUND_MS = HEARTBEAT_TTL_MS + 2 * HEARTBEAT_INTERVAL_MS + 3000;
const COMMAND_TIMEOUT_MS = 500;

describe('the user directory across nodes', function () {
  this.timeout(30_000);
  const fx = useRedis();
  let nodes: DirectoryNode[] = [];
  let proxy: TcpProxy | null = null;
  const start = async (url: string, name: string, options: Parameters<typeof startDirectoryNode>[2] = {}) => {
    const node = await startDirectoryNode(url, `${name}-${randomUUID().slice(0, 6)}`, options);
    nodes.push(node);
    return node;
  };
  afterEach(async () => {
    proxy?.restore();
    if (fx.redis) fx.redis.resume();
    await Promise.all(nodes.map((n) => n.stop()));
    nodes = [];
    await proxy?.close();
    proxy = null;
  });

  it('shows each node a uid\'s devices on both, with the other node\'s id, and applies one limit to the whole cluster', async () => {
    const a = await start(fx.redis.url, 'dir-a');
    const b = await start(fx.redis.url, 'dir-b');
    const uid = uidFor('two-nodes');
    expect(await register(a.directory, uid, 'a1')).to.equal(1);
    expect(await register(b.directory, uid, 'b1')).to.equal(2);
    expect(await devicesOf(a.directory, uid)).to.deep.equal([{ id: 'a1' }, { id: 'b1', node: b.nodeId }]);
    expect(await devicesOf(b.directory, uid)).to.deep.equal([{ id: 'a1', node: a.nodeId }, { id: 'b1' }]);
    expect(await register(a.directory, uid, 'a2')).to.equal(3);
    expect(await register(b.directory, uid, 'b2')).to.equal('full');
    b.directory.unregister(uid, 'b1');
    expect(await devicesOf(a.directory, uid)).to.deep.equal([{ id: 'a1' }, { id: 'a2' }]);
    expect(await register(b.directory, uid, 'b2')).to.equal(3);
  });

  it('reaps a dead node\'s registrations, tells every survivor once, and takes the node back when it returns', async () => {
    proxy = await TcpProxy.start(fx.redis.port);
    const a = await start(fx.redis.url, 'dir-live-a');
    const c = await start(fx.redis.url, 'dir-live-c');
    const b = await start(proxy.url, 'dir-cut-b');
    const uid = uidFor('reap');
    await register(a.directory, uid, 'a1');
    await register(b.directory, uid, 'b1');
    await register(b.directory, uidFor('reap-other'), 'b2');
    const cli = fx.redis.cli();
    expect(await cli.scard(`jsongle:n:${b.nodeId}:u`)).to.equal(2);

    proxy.cut();
    await waitFor(() => b.cluster.status().healthy === false, 'node b unhealthy', 3000);
    // Cut off, b decides nothing and reads nothing, at once.
    expect(await register(b.directory, uid, 'b3')).to.equal('unavailable');
    expect(await devicesOf(b.directory, uid)).to.equal('failed');
    await waitFor(() => a.gone.length > 0 && c.gone.length > 0, 'both survivors told that b is gone', GONE_BOUND_MS);
    expect(await devicesOf(a.directory, uid)).to.deep.equal([{ id: 'a1' }]);
    expect(await cli.hgetall(`jsongle:u:${uid}`)).to.deep.equal({ a1: a.nodeId });
    expect(await cli.exists(`jsongle:n:${b.nodeId}:u`)).to.equal(0);
    // Once: later beats of both survivors read the log again and find nothing new.
    const beats = Math.max(a.cluster.status().heartbeats, c.cluster.status().heartbeats);
    await waitFor(() => Math.min(a.cluster.status().heartbeats, c.cluster.status().heartbeats) >= beats + 3, 'three more beats of each survivor', 5000);
    expect(a.gone).to.deep.equal([b.nodeId]);
    expect(c.gone).to.deep.equal([b.nodeId]);

    proxy.restore();
    await waitFor(() => b.cluster.status().healthy, 'node b healthy again', 10_000);
    // b wrote its registrations back: the others reach its device again.
    expect(await devicesOf(a.directory, uid)).to.deep.equal([{ id: 'a1' }, { id: 'b1', node: b.nodeId }]);
    expect(await cli.scard(`jsongle:n:${b.nodeId}:u`)).to.equal(2);
    // b read its own removal in the log: nothing of it is gone for itself.
    const bBeats = b.cluster.status().heartbeats;
    await waitFor(() => b.cluster.status().heartbeats >= bBeats + 2, 'two beats of b after its return', 5000);
    expect(b.gone).to.deep.equal([]);
  });

  it('tells the others when a node stops, its registrations removed with it', async () => {
    const a = await start(fx.redis.url, 'dir-stay');
    const b = await start(fx.redis.url, 'dir-stop');
    const uid = uidFor('stop');
    await register(b.directory, uid, 'b1');
    await b.stop();
    nodes = nodes.filter((n) => n !== b);
    await waitFor(() => a.gone.length > 0, 'a told that b stopped', 5000);
    expect(a.gone).to.deep.equal([b.nodeId]);
    expect(await devicesOf(a.directory, uid)).to.deep.equal([]);
  });

  it('answers unavailable and failed while Redis is frozen, never throws, and repairs Redis when it wakes', async () => {
    const a = await start(fx.redis.url, 'dir-freeze', { commandTimeoutMs: COMMAND_TIMEOUT_MS, maxDevicesPerUser: 5 });
    const uid = uidFor('freeze');
    for (const conn of ['kept', 'dropped', 'dropped-later']) await register(a.directory, uid, conn);
    const cli = fx.redis.cli();

    fx.redis.pause();
    const asked = Date.now();
    // Sent to a silent Redis while the node still thinks it healthy: given up after the command timeout.
    expect(() => a.directory.unregister(uid, 'dropped')).not.to.throw();
    const [late, read] = await Promise.all([register(a.directory, uid, 'late'), devicesOf(a.directory, uid)]);
    expect(late).to.equal('unavailable');
    expect(read).to.equal('failed');
    expect(Date.now() - asked).to.be.at.most(COMMAND_TIMEOUT_MS + 2000);
    const debug = a.logger.lines.filter((l) => l.level === 'debug').map((l) => l.message);
    expect(debug.some((m) => m.startsWith('session-register not decided'))).to.equal(true);
    await waitFor(() => a.cluster.status().healthy === false, 'node unhealthy', 3000);
    await waitFor(() => a.logger.lines.some((l) => l.message.startsWith('session-unregister not written')), 'the unregister given up', 3000);
    // Known unhealthy: refused and decided locally at once, nothing sent.
    expect(await register(a.directory, uid, 'later')).to.equal('unavailable');
    expect(await devicesOf(a.directory, uid)).to.equal('failed');
    expect(() => a.directory.unregister(uid, 'dropped-later')).not.to.throw();
    fx.redis.resume();

    await waitFor(() => a.cluster.status().healthy, 'node healthy again', 10_000);
    // Redis ran the timed-out scripts when it woke; the resync then left exactly what the node holds.
    expect(await cli.hgetall(`jsongle:u:${uid}`)).to.deep.equal({ kept: a.nodeId });
    expect(await devicesOf(a.directory, uid)).to.deep.equal([{ id: 'kept' }]);
    expect(await register(a.directory, uid, 'after')).to.equal(2);
  });
});
