/**
 * PubSub spanning processes: uWS topics for this process's sockets, Redis for the others
 * (Phoenix.PubSub's shape: deliver locally, forward once to the other nodes, which deliver
 * locally in turn).
 *
 * - A relay is published through uWS at once, and to the room's Redis channel only when the
 *   mirror says the room has members on other nodes: a room whose members are all here never
 *   touches Redis.
 * - `conn/<id>` of a connection held elsewhere goes to that node's channel (the mirror knows the
 *   member's node), and is re-published there on the uWS topic.
 * - Frames arriving from Redis are re-published with app.publish; a node drops its own frames
 *   (it is subscribed to the room channels it publishes on).
 * - Frames for Redis leave in one ordered outbox, flushed once per event-loop turn: consecutive
 *   frames for the same channel (a burst of ICE candidates in one room) become one PUBLISH, frames
 *   separated by a newline (JSON.stringify never writes a raw one). The outbox keeps the order in
 *   which frames were published, across channels: a relay published before a `left` event still
 *   reaches the other node first.
 *
 * Subscriptions to room channels are not made here: they follow membership (interest.ts).
 */
import type { TemplatedApp } from 'uWebSockets.js';
import type { RoomRegistry } from '../actors/rooms.js';
import type { PubSub } from '../pubsub/pubsub.js';
import { CONN_PREFIX } from '../pubsub/topics.js';
import type { Socket } from '../transport/socket-data.js';
import { RedisNames } from './keys.js';
import type { RedisLink } from './redis-link.js';
import { roomOfTopic } from './topic-room.js';

export interface RedisPubSubCounters {
  /** Frames published to Redis (room channels and other nodes' channels). */
  published: number;
  /** PUBLISH commands they took (several frames of one channel share one). */
  publishCommands: number;
  /** Frames from other nodes delivered to this node's sockets. */
  received: number;
  /** Frames for other nodes dropped because Redis was unreachable. */
  dropped: number;
  /** conn/<id> frames whose connection is neither here nor in the mirror. */
  unroutable: number;
}

export class RedisPubSub implements PubSub<Socket> {
  readonly counters: RedisPubSubCounters = { published: 0, publishCommands: 0, received: 0, dropped: 0, unroutable: 0 };
  private readonly origin: string;
  /** Channels and their frames, in publish order; consecutive frames of one channel share an entry. */
  private outbox: { channel: string; head: string; frames: string[] }[] = [];
  private flushQueued = false;

  constructor(
    private readonly app: TemplatedApp,
    private readonly link: RedisLink,
    private readonly names: RedisNames,
    private readonly registry: RoomRegistry,
    private readonly nodeId: string,
    private readonly multiRoomPrefix: string,
  ) {
    this.origin = nodeId + RedisNames.SEP;
    link.beforeCommand = this.flush;
  }

  subscribe(ws: Socket, topic: string): void {
    ws.subscribe(topic);
  }

  unsubscribe(ws: Socket, topic: string): void {
    ws.unsubscribe(topic);
  }

  publish(topic: string, message: string): void {
    if (topic.startsWith(CONN_PREFIX)) return this.toConnection(topic, message);
    this.app.publish(topic, message, false);
    this.forward(topic, message);
  }

  publishFrom(sender: Socket, topic: string, message: string): void {
    sender.publish(topic, message, false);
    this.forward(topic, message);
  }

  localCount(topic: string): number {
    return this.app.numSubscribers(topic);
  }

  /** Frames from the Redis channel of a room topic: origin node, then the frames, newline-separated. */
  onRoomFrame(topic: string, payload: string): void {
    if (payload.startsWith(this.origin)) return;
    this.deliver(topic, payload, payload.indexOf(RedisNames.SEP));
  }

  /** Frames for one connection of this node ('c' + connId, then the frames, on the node channel). */
  onConnectionFrame(body: string): void {
    const sep = body.indexOf(RedisNames.SEP);
    if (sep > 0) this.deliver(CONN_PREFIX + body.slice(0, sep), body, sep);
  }

  private deliver(topic: string, payload: string, sep: number): void {
    while (sep >= 0) {
      const next = payload.indexOf(RedisNames.SEP, sep + 1);
      this.counters.received++;
      this.app.publish(topic, next < 0 ? payload.slice(sep + 1) : payload.slice(sep + 1, next), false);
      sep = next;
    }
  }

  private forward(topic: string, message: string): void {
    const room = roomOfTopic(this.registry, topic, this.multiRoomPrefix);
    if (room === undefined || room.remoteMembers === 0) return;
    this.send(this.names.topicChannel(topic), this.origin, message);
  }

  private toConnection(topic: string, message: string): void {
    if (this.app.numSubscribers(topic) > 0) {
      this.app.publish(topic, message, false);
      return;
    }
    const connId = topic.slice(CONN_PREFIX.length);
    const node = this.nodeOf(connId);
    if (node === undefined) {
      this.counters.unroutable++;
      return;
    }
    this.send(this.names.nodeChannel(node), 'c' + connId + RedisNames.SEP, message);
  }

  /** The node holding a connection, from any mirrored room it is in. */
  private nodeOf(connId: string): string | undefined {
    for (const rid of this.registry.ridsOf(connId)) {
      const member = this.registry.get(rid)?.members.get(connId);
      if (member !== undefined) return member.node;
    }
    return undefined;
  }

  private send(channel: string, head: string, frame: string): void {
    if (!this.link.cmdReady) {
      this.counters.dropped++;
      return;
    }
    this.counters.published++;
    const last = this.outbox[this.outbox.length - 1];
    if (last !== undefined && last.channel === channel && last.head === head) last.frames.push(frame);
    else this.outbox.push({ channel, head, frames: [frame] });
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flush);
    }
  }

  /** Writes the outbox now (the link calls it before a script, so Redis sees frames and scripts in issue order). */
  readonly flush = (): void => {
    this.flushQueued = false;
    if (this.outbox.length === 0) return;
    const entries = this.outbox;
    this.outbox = [];
    for (const { channel, head, frames } of entries) {
      if (!this.link.cmdReady) {
        this.counters.dropped += frames.length;
        continue;
      }
      this.counters.publishCommands++;
      const n = frames.length;
      this.link.cmd.publish(channel, head + frames.join(RedisNames.SEP)).catch(() => {
        // The link dropped with the frames in flight: counted; the error itself is logged by the link.
        this.counters.dropped += n;
      });
    }
  };
}
