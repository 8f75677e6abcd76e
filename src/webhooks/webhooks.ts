/**
 * Lifecycle facts → signed webhook events: each hook builds its event (an id, the time, the
 * facts), serialises and signs it once, and enqueues one delivery per configured URL. It returns
 * at once: the POSTs happen on later turns (delivery-queue.ts).
 *
 * Once per event in a cluster: every hook is called on the one node where the fact happens
 * (the node holding the connection that joined or left, the node of the call actor, the node whose
 * join created the room in Redis), so each node sends only its own facts.
 */
import type { WebhooksConfig } from '../config/types.js';
import type { Profile, RoomKind } from '../protocol/types.js';
import type { CallEnding, CallFacts, LeftReason, Lifecycle } from '../admin/lifecycle.js';
import type { DeliveryQueue } from './delivery-queue.js';
import { makeEvent, type WebhookEventType } from './events.js';
import { SIGNATURE_HEADER, sign } from './signature.js';

export interface WebhooksDeps {
  config: Pick<WebhooksConfig, 'urls' | 'secret'>;
  queue: DeliveryQueue;
  /** config `id`. */
  serverId: string;
  /** The cluster node id (Redis engine). */
  nodeId?: string;
}

export class Webhooks implements Lifecycle {
  private seq = 0;

  constructor(private readonly deps: WebhooksDeps) {}

  roomCreated(rid: string, kind: RoomKind): void {
    this.emit('room.created', { rid, kind });
  }

  roomClosed(rid: string, kind: RoomKind, lifetimeSec: number): void {
    this.emit('room.closed', { rid, kind, lifetimeSec: round(lifetimeSec) });
  }

  memberJoined(rid: string, kind: RoomKind, connId: string, profile: Profile): void {
    this.emit('member.joined', { rid, kind, connectionId: connId, ...member(profile) });
  }

  memberLeft(rid: string, kind: RoomKind, connId: string, profile: Profile, reason: LeftReason): void {
    this.emit('member.left', { rid, kind, connectionId: connId, ...member(profile), reason });
  }

  callStarted(call: CallFacts): void {
    this.emit('call.started', callData(call));
  }

  callAnswered(call: CallFacts): void {
    this.emit('call.answered', { ...callData(call), setupMs: call.acceptedAt - call.proposedAt });
  }

  callEnded(call: CallFacts, ending: CallEnding): void {
    this.emit('call.ended', { ...callData(call), reason: ending.reason, endedBy: ending.endedBy, setupMs: ending.setupMs, durationSec: round(ending.durationSec) });
  }

  userRegistered(uid: string, connId: string): void {
    this.emit('user.registered', { uid, connectionId: connId });
  }

  userUnregistered(uid: string, connId: string): void {
    this.emit('user.unregistered', { uid, connectionId: connId });
  }

  private emit(type: WebhookEventType, data: Record<string, unknown>): void {
    const { config, queue, serverId, nodeId } = this.deps;
    const event = makeEvent(type, data, ++this.seq, serverId, nodeId);
    const body = JSON.stringify(event);
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'jsongle-server-webhooks', 'X-JSONgle-Event': type, 'X-JSONgle-Delivery': event.id };
    if (config.secret !== '') headers[SIGNATURE_HEADER] = sign(body, config.secret);
    for (const url of config.urls) queue.enqueue({ url, body, headers, eventId: event.id, type, attempt: 0 });
  }
}

function member(profile: Profile): Record<string, string> {
  return profile.dn !== undefined ? { uid: profile.uid, dn: profile.dn } : { uid: profile.uid };
}

function callData(call: CallFacts): Record<string, unknown> {
  return {
    sid: call.sid, rid: call.rid,
    caller: { connectionId: call.caller.id, uid: call.caller.uid },
    callee: { connectionId: call.callee.id, uid: call.callee.uid },
    proposedAt: new Date(call.proposedAt).toJSON(),
  };
}

function round(sec: number): number {
  return Math.round(sec * 1000) / 1000;
}
