import { Buckets, CALL_DURATION_BOUNDS, CALL_SETUP_BOUNDS } from './buckets.js';

/**
 * The numbers the hot path moves: plain fields incremented in place (no label lookup, no
 * allocation). prom-client metrics (metrics.ts) and GET /stats read them when scraped.
 */
export class Stats {
  /** WebSocket connections ever opened (users_total). */
  connectionsOpened = 0;
  /** Rooms ever created, both kinds (conferences_total). */
  roomsCreated = 0;
  /** Seconds rooms existed, added when a room empties (duration_total). */
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
  /** session-text relayed (messages_total) and session-custom relayed (reactions_total). */
  textMessages = 0;
  customMessages = 0;
  /** Relayed frames by action. */
  readonly relayedByAction: Record<string, number> = Object.create(null);
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

  countError(code: number): void {
    this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1;
  }

  countRelay(jsongle: { action: string }, _kind: 'room' | 'muc'): void {
    const action = jsongle.action;
    this.relayedByAction[action] = (this.relayedByAction[action] ?? 0) + 1;
    if (action === 'session-text') this.textMessages++;
    else if (action === 'session-custom') this.customMessages++;
  }

  countRejectedUpgrade(reason: string): void {
    this.rejectedUpgrades[reason] = (this.rejectedUpgrades[reason] ?? 0) + 1;
  }

  countServerClose(reason: string): void {
    this.serverCloses[reason] = (this.serverCloses[reason] ?? 0) + 1;
  }
}
