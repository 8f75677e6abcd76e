/**
 * What operators see of the Redis engine on a node's own state: the metrics and the /tests check
 * built from ClusterStatus, and P2P rooms configured for more than two members (their relays go
 * to each member's connection topic, hence to the node holding it).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { clusterCheck, registerClusterMetrics } from '../../src/observability/cluster-metrics.js';
import type { ClusterStatus } from '../../src/observability/cluster-status.js';
import { helloClient } from '../helpers/client.js';
import { useInProcessNodes } from './helpers.js';

describe('cluster monitoring and P2P rooms of three across nodes', function () {
  this.timeout(30_000);
  const cluster = useInProcessNodes([{ id: 'mon-a', overrides: { maxMembersPerRoom: 3 } }, { id: 'mon-b', overrides: { maxMembersPerRoom: 3 } }]);
  const a = () => cluster.nodes[0];
  const b = () => cluster.nodes[1];

  it('relays in a three-member P2P room to each member, `to` set per recipient, across nodes', async () => {
    const rid = `three-${randomUUID()}`;
    const alice = await helloClient(a().url, 'alice');
    const bob = await helloClient(b().url, 'bob');
    const carol = await helloClient(b().url, 'carol');
    for (const c of [alice, bob, carol]) await c.join(rid);
    const sent = alice.relay(rid, 'session-text', { namespace: 'x', description: { text: 'all' } });
    for (const c of [bob, carol]) expect(await c.expectMessage({ jsongle: { action: 'session-text' } })).to.include({ id: sent.id, to: c.connectionId });
    await bob.expectNoMessageWithin(100, { jsongle: { action: 'session-text' } });
  });

  it('exposes health, room channels and Redis frame counts as metrics, and passes the /tests check while healthy', async () => {
    const registry = new Registry();
    registerClusterMetrics(registry, () => a().server.cluster());
    const text = await registry.metrics();
    expect(text).to.match(/^jsongle_cluster_healthy\{node="mon-a"\} 1$/m);
    expect(text).to.match(/^jsongle_cluster_resyncs_total 1$/m);
    expect(text).to.include('jsongle_cluster_frames_total');
    expect(clusterCheck(a().server.cluster())).to.deep.equal({ ok: true });
  });

  it('fails the /tests check with the reason while unhealthy, and adds no metric with the local engine', async () => {
    const down: ClusterStatus = { ...(a().server.cluster() as ClusterStatus), healthy: false, redis: { cmd: 'reconnecting', sub: 'reconnecting' }, lastError: 'cmd: connect ECONNREFUSED' };
    expect(clusterCheck(down)).to.deep.equal({ ok: false, error: 'redis engine unhealthy (cmd reconnecting, sub reconnecting): cmd: connect ECONNREFUSED' });
    expect(clusterCheck(null)).to.deep.equal({ ok: true });
    const registry = new Registry();
    registerClusterMetrics(registry, () => null);
    expect(await registry.metrics()).to.equal('\n');
  });
});
