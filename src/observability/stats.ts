import { Buckets, CALL_DURATION_BOUNDS, CALL_SETUP_BOUNDS, RESUME_HANDOVER_BOUNDS } from './buckets.js';

/**
 * The numbers the hot path moves: plain fields incremented in place (no label lookup, no
 * allocation). prom-client metrics (metrics.ts) and GET /stats read them when scraped.
 */
import type { RoomKind } from '../protocol/types.js';

/** What countRelay reads of a relayed message's `jsongle`. */
export interface RelayedJsongle {
  readonly action: string;
  readonly event?: unknown;
}

export class Stats {
  /** WebSocket connections ever opened (users_total). */
  connectionsOpened = 0;
  /** Rooms ever created, both kinds (conferences_total). */
  roomsCreated = 0;
  /** Minutes connections stayed open, added when one closes (duration_total, as the original). */
  connectionMinutes = 0;
  /** Seconds rooms existed, added when a room empties (jsongle_room_seconds_total). */
  roomSeconds = 0;
  /** Wire bytes received / sent (recv_total / sent_total report them in MB). */
  bytesReceived = 0;
  bytesSent = 0;
  /** Frames received / sent. */
  framesReceived = 0;
  framesSent = 0;
  /** Calls active now (p2p_count) and calls that ever became active (p2p_total): set by the call actors. */
  callsInProgress = 0;
  callsAccepted = 0;
  /** From session-metrics: call seconds (p2p_duration_total) and ICE failures (p2p_failed_total). */
  callSeconds = 0;
  callsFailed = 0;
  /** As the original counted them, in MUC rooms only: session-text relayed (messages_total) and
   * session-event with event "reaction" relayed (reactions_total). */
  mucTextMessages = 0;
  mucReactions = 0;
  /** Relayed messages by room kind, then by action (jsongle_relayed_messages_total{kind,action}).
   * Actions are the known relay actions only (classify refuses the others), so the labels are bounded. */
  readonly relayed: Readonly<Record<RoomKind, Record<string, number>>> = { room: Object.create(null), muc: Object.create(null) };
  /** Error answers by code. */
  readonly errorsByCode: Record<string, number> = Object.create(null);
  /** Upgrades refused, by reason (unauthorized, origin, capacity, draining, rate). */
  readonly rejectedUpgrades: Record<string, number> = Object.create(null);
  /** Messages dropped by the per-connection rate limit. */
  rateLimited = 0;
  /** Sends refused by uWS because of backpressure (send status 2). */
  backpressureDrops = 0;
  /** Connections closed by the server, by reason (helloTimeout, rateLimit, shutdown). */
  readonly serverCloses: Record<string, number> = Object.create(null);

  // --- Transport / HTTP edge hardening (docs/security.md) -------------------------------------
  /** Plain HTTP requests to wsPort, answered 426 Upgrade Required. */
  notWebSocketRequests = 0;
  /** Monitoring-port requests refused before any route ran, by reason (host, origin, adminDisabled). */
  readonly monitoringRefusals: Record<string, number> = Object.create(null);
  /** Ping/pong control frames over the per-connection rate limit. */
  controlFramesLimited = 0;
  /** Bytes uWS held for all slow readers at the last backpressure sweep (gauge). */
  backpressureTotalBytes = 0;

  countMonitoringRefusal(reason: string): void {
    this.monitoringRefusals[reason] = (this.monitoringRefusals[reason] ?? 0) + 1;
  }
  // --- end of edge hardening -----------------------------------------------------------------
  // --- Calls (src/calls/): server truth, moved by the call actors ---
  /** Calls ended, by reason (decline, retract, terminate, gone, timeout; glare: a propose refused busy). */
  readonly callsEnded: Record<string, number> = Object.create(null);
  /** Seconds from propose to accept, and from accept to the end, of calls that became active. */
  readonly callSetupSeconds = new Buckets(CALL_SETUP_BOUNDS);
  readonly callDurationSeconds = new Buckets(CALL_DURATION_BOUNDS);

  countCallEnded(reason: string): void {
    this.callsEnded[reason] = (this.callsEnded[reason] ?? 0) + 1;
  }
  // --- end calls ---

  // --- Resume (src/connections/sessions.ts) ---
  /** Sessions ever suspended (socket vanished), resumed, ended while suspended or by a gap, by reason. */
  sessionsSuspended = 0;
  /** Sessions suspended now (a gauge). */
  sessionsSuspendedNow = 0;
  sessionsResumed = 0;
  readonly sessionsEnded: Record<string, number> = Object.create(null);
  /** Resume requests answered with a fresh session, by reason (unknown, expired, gap). */
  readonly resumeFailed: Record<string, number> = Object.create(null);
  /** Frames written again after a resume; unconfirmed frames dropped from a connected session's buffer. */
  framesReplayed = 0;
  replayFramesDropped = 0;

  countSessionEnded(reason: string): void {
    this.sessionsEnded[reason] = (this.sessionsEnded[reason] ?? 0) + 1;
  }

  countResumeFailed(reason: string): void {
    this.resumeFailed[reason] = (this.resumeFailed[reason] ?? 0) + 1;
  }
  /** Resume across nodes: seconds from the new node's request to the session installed there. */
  readonly resumeHandoverSeconds = new Buckets(RESUME_HANDOVER_BOUNDS);
  // --- end resume ---
  // --- Users (src/users/): registrations of this node and what was addressed to a uid ---
  /** Connections of this node reachable at a uid now, and the distinct uids they hold (gauges). */
  registeredConnections = 0;
  registeredUsers = 0;
  /** Frames addressed to a uid (direct messages, and direct calls' frames), by action, counted once before the fan-out. */
  readonly directRelayed: Record<string, number> = Object.create(null);
  /** session-register refused, by reason (full: users.maxDevicesPerUser; unavailable: the directory did not answer). */
  readonly registrationsRefused: Record<string, number> = Object.create(null);

  countDirectRelay(action: string): void {
    this.directRelayed[action] = (this.directRelayed[action] ?? 0) + 1;
  }
  // --- end users ---
  // --- Socket.IO door (src/transport/socketio.ts) ---
  /** Socket.IO connections ever opened (also in connectionsOpened, which counts both doors). */
  socketIOOpened = 0;
  // --- end Socket.IO door ---
  // --- Webhooks (src/webhooks/): the delivery queue's counters ---
  /** Deliveries (one per event and URL) a receiver accepted with a 2xx. */
  webhooksDelivered = 0;
  /** POSTs that failed (not 2xx, refused, timed out); a delivery may fail several times before it succeeds. */
  webhookFailedAttempts = 0;
  /** Deliveries given up, by reason: queueFull (the queue was full), attempts (maxAttempts failed), stopped (server stopped). */
  readonly webhooksDropped: Record<string, number> = Object.create(null);
  /** Deliveries waiting, retrying or in flight (gauge). */
  webhookQueueLength = 0;

  countWebhookDropped(reason: string, n = 1): void {
    this.webhooksDropped[reason] = (this.webhooksDropped[reason] ?? 0) + n;
  }
  // --- end webhooks ---

  countError(code: number): void {
    this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1;
  }

  /** The one call per relayed message (before its fan-out): every relay metric follows from it. */
  countRelay(jsongle: RelayedJsongle, kind: RoomKind): void {
    const byAction = this.relayed[kind];
    const action = jsongle.action;
    byAction[action] = (byAction[action] ?? 0) + 1;
    if (kind !== 'muc') return;
    if (action === 'session-text') this.mucTextMessages++;
    else if (action === 'session-event' && jsongle.event === 'reaction') this.mucReactions++;
  }

  /** A connection closed after `openMs` milliseconds (from its upgrade). */
  countConnectionClosed(openMs: number): void {
    if (openMs > 0) this.connectionMinutes += openMs / 60_000;
  }

  countRejectedUpgrade(reason: string): void {
    this.rejectedUpgrades[reason] = (this.rejectedUpgrades[reason] ?? 0) + 1;
  }

  countServerClose(reason: string): void {
    this.serverCloses[reason] = (this.serverCloses[reason] ?? 0) + 1;
  }
}
