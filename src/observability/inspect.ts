/**
 * Opt-in Stately inspection (config inspect.enabled or --inspect): every actor event goes to a
 * WebSocket inspector endpoint (`createInspectorServer` from '@statelyai/inspect/server', or any
 * endpoint speaking its protocol: one JSON text frame per @xstate.actor / @xstate.event /
 * @xstate.snapshot record). Off by default: even a no-op inspect callback costs 25-35% of event
 * throughput. Events and contexts are sanitised: no socket handles, no SDP, candidates, display
 * names or message content.
 *
 * The records are built by the package's own createInspector (so the format is exactly what the
 * Stately UI expects), but the socket is ours: the package's WebSocketAdapter reconnects on a
 * timer that survives stop() (a stopped server would keep reconnecting and never let the process
 * exit), and it buffers without limit when the endpoint reads slowly.
 */
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import WebSocket from 'ws';
import type { InspectionEvent } from 'xstate';
import type { Config } from '../config/types.js';
import type { Logger } from './logger.js';

export interface Inspection {
  inspect: (event: InspectionEvent) => void;
  stop(): void;
}

const HIDDEN = '[hidden]';
/** Records kept while the endpoint is not connected (the package's own default). */
const MAX_DEFERRED = 200;
/** Past this many unsent bytes the endpoint is not keeping up: drop records, never the server's memory. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const RETRY_MS = 5000;

type Description = Record<string, unknown> | undefined;

/** What of a message's description may be shown: room ids and user ids route, the rest is personal. */
function visibleDescription(action: unknown, query: unknown, description: Description): unknown {
  if (description === undefined) return undefined;
  if (typeof description !== 'object' || description === null) return HIDDEN;
  if (action === 'iq-set' && typeof query === 'string' && /-(join|leave)$/.test(query)) return { rid: description.rid };
  if (action === 'iq-result' && query === 'session-hello') return { uid: description.uid, dn: description.dn === undefined ? undefined : HIDDEN };
  return HIDDEN;
}

/** Keeps the routing fields of a JSONgle message, hides what users said or negotiated. */
export function sanitizeEvent(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event };
  if ('socket' in out) out.socket = HIDDEN;
  // A relay's room is the room owner's live object: the inspector gets its id and kind.
  const room = out.room as { rid?: unknown; kind?: unknown } | undefined;
  if (room && typeof room === 'object') out.room = { rid: room.rid, kind: room.kind };
  const msg = out.msg as { id?: unknown; to?: unknown; jsongle?: Record<string, unknown> } | undefined;
  if (msg && typeof msg === 'object' && msg.jsongle && typeof msg.jsongle === 'object') {
    const { action, query, transaction, sid, reason, namespace, event: what, description } = msg.jsongle;
    out.msg = {
      id: msg.id, to: msg.to,
      jsongle: { action, query, transaction, sid, reason, namespace, event: what, description: visibleDescription(action, query, description as Description) },
    };
  }
  return out;
}

/** Connection contexts carry the hello profile: the user id stays, the display name does not. Their
 * rooms are a Set, which JSON would show as {}: the inspector gets the list of rids. */
export function sanitizeContext(context: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!context) return context;
  const profile = context.profile as { uid?: unknown; dn?: unknown } | null | undefined;
  const rooms = context.rooms instanceof Set ? [...context.rooms] : context.rooms;
  if (profile && profile.dn !== undefined) return { ...context, profile: { uid: profile.uid, dn: HIDDEN }, rooms };
  return rooms === context.rooms ? context : { ...context, rooms };
}

/** The inspector's transport: one WebSocket client, bounded buffers, retries that stop() ends. */
class InspectorSocket {
  private ws: WebSocket | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;
  private warned = false;
  private readonly deferred: StatelyInspectionEvent[] = [];
  /** Records dropped (endpoint down for long, too slow, or unserialisable): logged at stop. */
  dropped = 0;

  constructor(private readonly url: string, private readonly logger: Logger) {}

  start(): void {
    if (this.stopped) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      // A malformed URL will not get better by retrying.
      this.logger.error('Stately inspection: bad inspect.url', { url: this.url, error: String(err) });
      this.stopped = true;
      return;
    }
    this.ws = ws;
    ws.on('open', () => {
      this.warned = false;
      this.logger.info('Stately inspection connected', { url: this.url });
      for (const event of this.deferred.splice(0)) this.write(event);
    });
    ws.on('error', (err) => {
      if (this.warned || this.stopped) return;
      this.warned = true;
      this.logger.warn(`Stately inspection endpoint unreachable; retrying every ${RETRY_MS / 1000} s`, { url: this.url, error: err.message });
    });
    ws.on('close', () => {
      this.ws = null;
      if (this.stopped) return;
      this.retry = setTimeout(() => this.start(), RETRY_MS);
      // The server's own sockets keep the process alive; a retry timer must not.
      this.retry.unref();
    });
  }

  send(event: StatelyInspectionEvent): void {
    if (this.stopped) return;
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.write(event);
      return;
    }
    this.deferred.push(event);
    if (this.deferred.length > MAX_DEFERRED) {
      this.deferred.shift();
      this.dropped++;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.deferred.length = 0;
    // close() flushes what is queued and then closes; during the handshake it aborts it.
    this.ws?.close();
    if (this.dropped > 0) this.logger.warn('Stately inspection dropped records', { dropped: this.dropped });
  }

  private write(event: StatelyInspectionEvent): void {
    const ws = this.ws;
    if (!ws || ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.dropped++;
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(event);
    } catch {
      this.dropped++;
      return;
    }
    ws.send(text);
  }
}

export function createInspection(config: Config['inspect'], logger: Logger): Inspection {
  const socket = new InspectorSocket(config.url, logger);
  const inspector = createInspector(socket, {
    sanitizeEvent: sanitizeEvent as never,
    sanitizeContext: sanitizeContext as never,
  });
  socket.start();
  logger.info('Stately inspection on', { url: config.url });
  // The relay path rewrites a message's from/to in place while the actor processes it, and the
  // package converts records a tick later. So each event is sanitised (copied) when it is sent to
  // an actor, and the snapshot that follows it reuses that copy: both show the event as received.
  const asReceived = new WeakMap<object, Record<string, unknown>>();
  const copyOf = (e: object) => {
    let copy = asReceived.get(e);
    if (!copy) {
      copy = sanitizeEvent(e as Record<string, unknown>);
      asReceived.set(e, copy);
    }
    return copy;
  };
  // A connection's rooms are a Set changed in place: the package stringifies the snapshot a tick
  // later (a Set shows as {}), so the snapshot is turned into plain data as it is taken.
  const asTaken = (snapshot: { toJSON?: () => unknown; context?: unknown }) => {
    const plain = (typeof snapshot.toJSON === 'function' ? snapshot.toJSON() : snapshot) as Record<string, unknown>;
    return { ...plain, context: sanitizeContext(plain.context as Record<string, unknown> | undefined) };
  };
  return {
    inspect: (event) => {
      const now = event.type === '@xstate.snapshot'
        ? { ...event, event: copyOf(event.event), snapshot: asTaken(event.snapshot as never) }
        : event.type === '@xstate.event' ? { ...event, event: copyOf(event.event) } : event;
      inspector.inspect.next?.(now as never);
    },
    stop: () => socket.stop(),
  };
}
