/**
 * What the monitoring port shows of the Redis engine: prom-client metrics read from the plain
 * ClusterStatus at scrape time, and the /tests check. With the local engine `status()` is null
 * and nothing is added.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ClusterStatus } from './cluster-status.js';

export function registerClusterMetrics(registry: Registry, status: () => ClusterStatus | null): void {
  if (status() === null) return;
  const registers = [registry];
  new Gauge({
    name: 'jsongle_cluster_healthy',
    help: '1 when Redis is reachable, answering within cluster.commandTimeoutMs, and holds this node\'s memberships; 0 during an outage or a freeze (joins answer 503002).',
    labelNames: ['node'], registers,
    collect() {
      const s = status();
      if (s) this.set({ node: s.nodeId }, s.healthy ? 1 : 0);
    },
  });
  new Gauge({
    name: 'jsongle_cluster_room_channels', help: 'Room channels this node subscribes to in Redis (rooms with members here).', registers,
    collect() { this.set(status()?.roomChannels ?? 0); },
  });
  const counter = (name: string, help: string, read: (s: ClusterStatus) => number) => new Counter({
    name, help, registers,
    collect() {
      this.reset();
      const s = status();
      if (s && read(s) > 0) this.inc(read(s));
    },
  });
  counter('jsongle_cluster_outages_total', 'Times this node lost Redis (or found itself out of sync with it).', (s) => s.outages);
  counter('jsongle_cluster_resyncs_total', 'Times this node wrote its memberships back to Redis (start, after an outage).', (s) => s.resyncs);
  counter('jsongle_cluster_command_timeouts_total', 'Scripts Redis did not answer within cluster.commandTimeoutMs (Redis frozen or the path black-holed; joins among them answered 503002).', (s) => s.commandTimeouts);
  counter('jsongle_cluster_reaped_members_total', 'Members of dead nodes this node removed (their heartbeat expired).', (s) => s.reapedMembers);
  new Counter({
    name: 'jsongle_cluster_frames_total',
    help: 'Frames through Redis: published (to other nodes), received (delivered here), dropped (Redis unreachable), unroutable.',
    labelNames: ['direction'], registers,
    collect() {
      this.reset();
      const f = status()?.frames;
      if (!f) return;
      for (const [direction, n] of Object.entries(f)) if (n > 0) this.inc({ direction }, n);
    },
  });
}

/** The /tests step for the cluster: fails (→ 503) while the node is not healthy. */
export function clusterCheck(status: ClusterStatus | null): { ok: boolean; error?: string } {
  if (status === null || status.healthy) return { ok: true };
  return { ok: false, error: `redis engine unhealthy (cmd ${status.redis.cmd}, sub ${status.redis.sub})${status.lastError ? `: ${status.lastError}` : ''}` };
}
