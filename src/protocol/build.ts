/**
 * Builders of every server-made message: the only place that stamps `id`, `from`, `to` and
 * dates. Each returns the encoded JSON, ready for one send or publish.
 */
import { randomUUID } from 'node:crypto';
import { isoNow } from './clock.js';
import { errorText, type ErrorCode } from './codes.js';
import type { Jsongle, Profile, RoomKind } from './types.js';

export interface ServerIdentity {
  id: string;
  version: string;
  info: string;
}

/** What a client needs to resume its session: a single-use token and the window it is good for. */
export interface ResumeGrant {
  token: string;
  windowSec: number;
}

export class MessageBuilder {
  constructor(private readonly server: ServerIdentity) {}

  private encode(to: string, jsongle: Record<string, unknown>): string {
    return JSON.stringify({ id: randomUUID(), from: this.server.id, to, jsongle });
  }

  /** `resumeFailed`: this fresh session follows a resume the server could not serve (why). */
  helloRequest(to: string, transaction: string, resumeFailed?: string): string {
    const { version, id: sn, info } = this.server;
    const description: Record<string, unknown> = { version, sn, info, connected: isoNow() };
    if (resumeFailed !== undefined) description.resumeFailed = resumeFailed;
    return this.encode(to, { action: 'iq-get', query: 'session-hello', transaction, description });
  }

  /** `description` (the hello ack's iceServers) only when there is something to say. */
  ack(to: string, transaction: unknown, status: 'success' | 'failed', description?: Record<string, unknown>): string {
    const jsongle: Record<string, unknown> = typeof transaction === 'string' ? { action: 'ack', status, transaction } : { action: 'ack', status };
    if (description !== undefined) jsongle.description = description;
    return this.encode(to, jsongle);
  }

  /** The first frame on a resumed socket (not counted: the replayed frames follow it). */
  resumed(to: string, received: number, replayed: number, resume: ResumeGrant): string {
    return this.encode(to, { action: 'session-event', event: 'resumed', description: { id: to, received, replayed, resume } });
  }

  sessionError(to: string, code: ErrorCode, arg?: string): string {
    return this.encode(to, { action: 'session-error', description: { errorCode: code, errorDetails: errorText(code, arg) } });
  }

  iqError(to: string, query: unknown, transaction: unknown, code: ErrorCode, arg?: string): string {
    return this.encode(to, {
      action: 'iq-error', query, transaction,
      description: { errorCode: code, errorDetails: errorText(code, arg) },
    });
  }

  iqResult(to: string, query: unknown, transaction: unknown, description: Record<string, unknown>): string {
    return this.encode(to, { action: 'iq-result', query, transaction, description });
  }

  memberEvent(to: string, namespace: RoomKind, event: 'joined' | 'left', member: Profile, rid: string): string {
    return this.encode(to, { action: 'session-event', namespace, event, description: { member, rid } });
  }

  /** session-info made by the server (trying / unreachable), copying the call's identifiers. */
  callInfo(to: string, call: Jsongle, reason: 'trying' | 'unreachable'): string {
    return this.encode(to, {
      sid: call.sid, action: 'session-info', reason, initiator: call.initiator, responder: call.responder,
      description: reason === 'trying' ? { tried: isoNow() } : { ended: isoNow() },
    });
  }

  /** The server's receipt for session-text / session-custom. */
  messageAck(to: string, namespace: unknown, mid: unknown): string {
    return this.encode(to, {
      action: 'session-event', namespace, event: 'ack',
      description: { acknowledged: isoNow(), mid, type: 'server-received' },
    });
  }

  // --- Server-made call endings (src/calls/): copy the propose's sid, initiator and responder ---

  /** `session-info unreachable` ending a call, with why in `description.condition` (gone, timeout, busy). */
  callUnreachable(to: string, call: CallIds, condition: 'gone' | 'timeout' | 'busy'): string {
    return this.encode(to, {
      sid: call.sid, action: 'session-info', reason: 'unreachable', initiator: call.initiator, responder: call.responder,
      description: { ended: isoNow(), condition },
    });
  }

  /** `session-retract` made by the server for a callee that is still ringing or negotiating. */
  callRetract(to: string, call: CallIds, reason: 'gone' | 'timeout' | 'answered-elsewhere' | 'declined-elsewhere'): string {
    return this.encode(to, {
      sid: call.sid, action: 'session-retract', reason, initiator: call.initiator, responder: call.responder,
      description: { ended: isoNow() },
    });
  }
  // --- end call endings ---
}

/** The identifiers of a call as its propose carried them (copied as sent into server-made endings). */
export interface CallIds {
  sid?: unknown;
  initiator?: unknown;
  responder?: unknown;
}
