/**
 * Every prom-client metric, defined in one place. The hot path never touches prom-client: it bumps
 * plain fields of Stats, and each metric's collect() copies them at scrape time. One Registry per
 * server (never prom-client's global one) so two servers can run in one test process.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { Buckets } from './buckets.js';
import { registerClusterMetrics } from './cluster-metrics.js';
import type { MonitoringContext } from '../http/context.js';

export interface Metrics {
  readonly registry: Registry;
  /** The Content-Type GET /metrics answers with (Prometheus text format 0.0.4). */
  readonly contentType: string;
}

/** Room kinds as the metric labels name them (jsongle_rooms says p2p/muc too). */
const RELAY_KIND_LABELS = [['room', 'p2p'], ['muc', 'muc']] as const;

/** MB as the original reported recv_total / sent_total (decimal megabytes of wire bytes). */
const BYTES_PER_MB = 1e6;

/**
 * The business metrics under their original names (dashboards read them), as numbers. GET /stats
 * answers exactly this object and the Prometheus metrics below read from it, so both agree.
 */
export function businessStats(ctx: MonitoringContext): Record<BusinessMetric, number> {
  const s = ctx.stats;
  const rooms = ctx.roomCounts();
  return {
    users_count: ctx.connectionCount(),
    users_total: s.connectionsOpened,
    conferences_count: rooms.p2p + rooms.muc,
    conferences_total: s.roomsCreated,
    duration_total: s.connectionMinutes,
    recv_total: s.bytesReceived / BYTES_PER_MB,
    sent_total: s.bytesSent / BYTES_PER_MB,
    p2p_count: s.callsInProgress,
    p2p_total: s.callsAccepted,
    p2p_duration_total: s.callSeconds,
    p2p_failed_total: s.callsFailed,
    messages_total: s.mucTextMessages,
    reactions_total: s.mucReactions,
  };
}

/** Name → (Prometheus type, help). The order is the order of GET /stats and of the docs table. */
export const BUSINESS_METRICS = {
  users_count: ['gauge', 'Open WebSocket connections (helloed or not).'],
  users_total: ['counter', 'WebSocket connections ever opened.'],
  conferences_count: ['gauge', 'Rooms (P2P and multi-user) that exist now.'],
  conferences_total: ['counter', 'Rooms (P2P and multi-user) ever created.'],
  duration_total: ['counter', 'Minutes WebSocket connections stayed open, added when each closes.'],
  recv_total: ['counter', 'Megabytes (1e6 bytes) of WebSocket frames received.'],
  sent_total: ['counter', 'Megabytes (1e6 bytes) of WebSocket frames sent.'],
  p2p_count: ['gauge', 'Calls active now (accepted, not yet ended), as the call actors know them.'],
  p2p_total: ['counter', 'Calls that ever became active.'],
  p2p_duration_total: ['counter', 'Call seconds reported by session-metrics.'],
  p2p_failed_total: ['counter', 'Calls reported failed (ice-failed) by session-metrics.'],
  messages_total: ['counter', 'session-text messages relayed in multi-user rooms.'],
  reactions_total: ['counter', 'session-event messages with event "reaction" relayed in multi-user rooms.'],
} as const;

export type BusinessMetric = keyof typeof BUSINESS_METRICS;

export function createMetrics(ctx: MonitoringContext): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  registerClusterMetrics(registry, () => ctx.cluster());

  // registry.metrics() calls every collect() synchronously in one loop, and roomCounts() may cost
  // O(rooms): take one snapshot per scrape and drop it once the current loop is over.
  let snapshot: Record<BusinessMetric, number> | undefined;
  const business = (name: BusinessMetric): number => {
    if (!snapshot) {
      snapshot = businessStats(ctx);
      queueMicrotask(() => { snapshot = undefined; });
    }
    return snapshot[name];
  };

  for (const [name, [type, help]] of Object.entries(BUSINESS_METRICS) as [BusinessMetric, readonly [string, string]][]) {
    if (type === 'gauge') {
      new Gauge({ name, help, registers, collect() { this.set(business(name)); } });
    } else {
      new Counter({ name, help, registers, collect() { setCounter(this, business(name)); } });
    }
  }

  const s = ctx.stats;
  labelledCounter(registers, 'jsongle_errors_total', 'session-error / iq-error answers, by error code.', 'code', () => s.errorsByCode);
  labelledCounter(registers, 'jsongle_rejected_upgrades_total', 'WebSocket upgrades refused, by reason.', 'reason', () => s.rejectedUpgrades);
  labelledCounter(registers, 'jsongle_server_closes_total', 'Connections closed by the server, by reason.', 'reason', () => s.serverCloses);
  plainCounter(registers, 'jsongle_rate_limited_total', 'Messages dropped by the per-connection rate limit (429001).', () => s.rateLimited);
  plainCounter(registers, 'jsongle_backpressure_drops_total', 'Sends refused by uWS because a reader was too slow.', () => s.backpressureDrops);
  plainCounter(registers, 'jsongle_frames_received_total', 'WebSocket frames received.', () => s.framesReceived);
  plainCounter(registers, 'jsongle_frames_sent_total', 'WebSocket frames sent, one per recipient (server answers, relays, events).', () => s.framesSent);
  // Every relayed message, where messages_total / reactions_total keep the original's narrow meanings.
  new Counter({
    name: 'jsongle_relayed_messages_total', help: 'Messages relayed to room members (counted once, before the fan-out), by room kind (p2p, muc) and JSONgle action.',
    labelNames: ['kind', 'action'], registers,
    collect() {
      this.reset();
      for (const [kind, label] of RELAY_KIND_LABELS) {
        for (const [action, count] of Object.entries(s.relayed[kind])) if (count > 0) this.inc({ kind: label, action }, count);
      }
    },
  });
  plainCounter(registers, 'jsongle_room_seconds_total', 'Seconds rooms existed, added when a room empties.', () => s.roomSeconds);
  // --- Transport / HTTP edge hardening (docs/security.md) ---
  plainCounter(registers, 'jsongle_not_websocket_requests_total', 'Plain HTTP requests to the WebSocket port (answered 426).', () => s.notWebSocketRequests);
  labelledCounter(registers, 'jsongle_monitoring_refused_total', 'Monitoring-port requests refused before any route ran, by reason.', 'reason', () => s.monitoringRefusals);
  plainCounter(registers, 'jsongle_rate_limited_control_frames_total', 'Ping/pong frames over the per-connection rate limit.', () => s.controlFramesLimited);
  new Gauge({
    name: 'jsongle_backpressure_bytes', help: 'Bytes buffered by uWS for all slow readers at the last sweep (maxBackpressureTotalBytes).', registers,
    collect() { this.set(s.backpressureTotalBytes); },
  });
  // --- end of edge hardening ---
  // --- Users (src/users/): registrations of this node, frames addressed to a uid ---
  new Gauge({ name: 'jsongle_registered_connections', help: 'Connections of this node reachable at a uid (session-register).', registers, collect() { this.set(s.registeredConnections); } });
  new Gauge({ name: 'jsongle_registered_users', help: 'Distinct uids registered by connections of this node.', registers, collect() { this.set(s.registeredUsers); } });
  labelledCounter(registers, 'jsongle_direct_messages_total', 'Frames addressed to a uid (messages, and the frames of direct calls), by JSONgle action, counted once before the fan-out.', 'action', () => s.directRelayed);
  labelledCounter(registers, 'jsongle_registrations_refused_total', 'session-register refused, by reason (full: users.maxDevicesPerUser; unavailable: the directory did not answer).', 'reason', () => s.registrationsRefused);
  // --- Socket.IO door: connections by door (websocket: raw uWS; socketio: /socket.io/) ---
  new Gauge({
    name: 'jsongle_connections', help: 'Open connections, by door (websocket, socketio).', labelNames: ['door'], registers,
    collect() {
      const sio = ctx.socketIOCount?.() ?? 0;
      this.set({ door: 'websocket' }, ctx.connectionCount() - sio);
      this.set({ door: 'socketio' }, sio);
    },
  });
  new Counter({
    name: 'jsongle_connections_opened_total', help: 'Connections ever opened, by door (websocket, socketio).', labelNames: ['door'], registers,
    collect() {
      this.reset();
      const sio = s.socketIOOpened;
      if (s.connectionsOpened - sio > 0) this.inc({ door: 'websocket' }, s.connectionsOpened - sio);
      if (sio > 0) this.inc({ door: 'socketio' }, sio);
    },
  });
  // --- end Socket.IO door ---

  new Gauge({
    name: 'jsongle_rooms', help: 'Rooms that exist now, by kind (p2p, muc).', labelNames: ['kind'], registers,
    collect() {
      const rooms = ctx.roomCounts();
      this.set({ kind: 'p2p' }, rooms.p2p);
      this.set({ kind: 'muc' }, rooms.muc);
    },
  });
  new Gauge({
    name: 'jsongle_draining', help: '1 while the server drains (SIGTERM received), else 0.', registers,
    collect() { this.set(ctx.lifecycle() === 'accepting' ? 0 : 1); },
  });
  new Gauge({
    name: 'jsongle_build_info', help: 'Always 1; the labels say which build runs.', labelNames: ['version', 'node', 'tls'], registers,
    collect() { this.set({ version: ctx.version, node: process.version, tls: String(ctx.tls) }, 1); },
  });

  // --- Calls (src/calls/): ended calls by reason, set-up and duration histograms ---
  labelledCounter(registers, 'jsongle_calls_ended_total', 'Calls ended, by reason (decline, retract, terminate, gone, timeout; glare: a propose refused busy).', 'reason', () => s.callsEnded);
  bucketsHistogram(registry, 'jsongle_call_setup_seconds', 'Seconds from session-propose to session-accept, of calls that became active.', s.callSetupSeconds);
  bucketsHistogram(registry, 'jsongle_call_duration_seconds', 'Seconds from session-accept to the end of the call.', s.callDurationSeconds);
  // --- end calls ---
  // --- Resume (src/connections/sessions.ts) ---
  new Gauge({ name: 'jsongle_sessions_suspended', help: 'Sessions suspended now: socket vanished, window running (resume).', registers, collect() { this.set(s.sessionsSuspendedNow); } });
  plainCounter(registers, 'jsongle_sessions_suspended_total', 'Sessions ever suspended (socket gone without a close frame, resume on).', () => s.sessionsSuspended);
  plainCounter(registers, 'jsongle_sessions_resumed_total', 'Sessions resumed on a new socket.', () => s.sessionsResumed);
  labelledCounter(registers, 'jsongle_sessions_ended_total', 'Resumable sessions ended without a resume, by reason (window: expired; overflow: buffer full while suspended; gap; drain).', 'reason', () => s.sessionsEnded);
  labelledCounter(registers, 'jsongle_resume_failed_total', 'Resume requests answered with a fresh session, by reason (unknown, expired, gap; across nodes: handoverTimeout, handoverFailed).', 'reason', () => s.resumeFailed);
  bucketsHistogram(registry, 'jsongle_resume_handover_seconds', 'Resume across nodes: seconds from the new node asking the old one to the session installed on the new node.', s.resumeHandoverSeconds);
  plainCounter(registers, 'jsongle_frames_replayed_total', 'Frames written again after a resume.', () => s.framesReplayed);
  plainCounter(registers, 'jsongle_replay_frames_dropped_total', 'Unconfirmed frames dropped from a connected session over resume.bufferMessages/bufferBytes.', () => s.replayFramesDropped);
  // --- end resume ---
  // --- Webhooks (src/webhooks/) ---
  plainCounter(registers, 'jsongle_webhooks_delivered_total', 'Webhook deliveries (one per event and URL) a receiver accepted with a 2xx.', () => s.webhooksDelivered);
  plainCounter(registers, 'jsongle_webhook_failed_attempts_total', 'Webhook POSTs that failed (not 2xx, refused, timed out); retried until webhooks.maxAttempts.', () => s.webhookFailedAttempts);
  labelledCounter(registers, 'jsongle_webhooks_dropped_total', 'Webhook deliveries given up, by reason (queueFull, attempts, stopped).', 'reason', () => s.webhooksDropped);
  new Gauge({
    name: 'jsongle_webhook_queue_length', help: 'Webhook deliveries waiting, retrying or in flight (at most webhooks.queueSize).', registers,
    collect() { this.set(s.webhookQueueLength); },
  });
  // --- end webhooks ---

  return { registry, contentType: registry.contentType };
}

/**
 * A Prometheus histogram read from plain-number Buckets at scrape time: the core observes without
 * touching prom-client (whose Histogram cannot be set from outside), the registry gets the
 * `_bucket`/`_sum`/`_count` series it expects from any metric's get().
 */
function bucketsHistogram(registry: Registry, name: string, help: string, buckets: Buckets): void {
  const read = () => ({
    name, help, type: 'histogram', aggregator: 'sum',
    values: [
      ...buckets.cumulative().map(({ le, count }) => ({ labels: { le }, value: count, metricName: `${name}_bucket` })),
      { labels: {}, value: buckets.sum, metricName: `${name}_sum` },
      { labels: {}, value: buckets.count, metricName: `${name}_count` },
    ],
  });
  registry.registerMetric({ name, help, type: 'histogram', aggregator: 'sum', get: async () => read() } as unknown as Metric);
}

/**
 * prom-client counters only go up through inc(); the true value lives in Stats, so each scrape
 * resets the counter and adds the current value. The exposition keeps `# TYPE … counter`.
 */
function setCounter(counter: Counter, value: number): void {
  counter.reset();
  if (value > 0) counter.inc(value);
}

function plainCounter(registers: Registry[], name: string, help: string, read: () => number): void {
  new Counter({ name, help, registers, collect() { setCounter(this, read()); } });
}

function labelledCounter(registers: Registry[], name: string, help: string, label: string, read: () => Record<string, number>): void {
  new Counter({
    name, help, labelNames: [label], registers,
    collect() {
      this.reset();
      for (const [value, count] of Object.entries(read())) if (count > 0) this.inc({ [label]: value }, count);
    },
  });
}
