/**
 * PubSub spanning processes: uWS topics for this process's sockets, Redis for the others
 * (Phoenix.PubSub's shape: deliver locally, forward once to the other nodes, which deliver
 * locally in turn).
 *
 * - A relay is published through uWS at once, and to the room's Redis channel only when the
 *   room says it has members on other nodes: a room whose members are all here never touches Redis.
 * - A frame for one connection held elsewhere goes to that node's channel (the room knows the
 *   member's node), and is handed there to the connection owner.
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
import type { ClusterFrameCounters } from '../observability/cluster-status.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { Socket } from '../transport/socket-data.js';
import { RedisNames } from './keys.js';
import type { RedisLink } from './redis-link.js';


export class RedisPubSub implements PubSub<Socket> {
  readonly counters: ClusterFrameCounters = { published: 0, publishCommands: 0, received: 0, dropped: 0, unroutable: 0 };
  private readonly origin: string;
  /** Channels and their frames, in publish order; consecutive frames of one channel share an entry. */
  private outbox: { channel: string; head: string; frames: string[] }[] = [];
  private flushQueued = false;
  /** Hands a frame from another node to one of this node's connections (the connection owner's send). */
  deliverToConnection: (connId: string, frame: string) => boolean = () => false;
  /** Socket.IO door: a room frame from another node, for this node's members that are not uWS subscribers. */
  onLocalRoomFrame: ((topic: string, frame: string) => void) | null = null;
  /** Resume across nodes: set only while this node forwards frames of sessions that moved away
   * (null otherwise: one field check per received payload). */
  onForwardedRoomFrame: ((topic: string, origin: string, frame: string) => void) | null = null;

  constructor(
    private readonly app: TemplatedApp,
    private readonly link: RedisLink,
    private readonly names: RedisNames,
    nodeId: string,
    /** The cluster is healthy: frames for other nodes can go out. */
    private readonly isUp: () => boolean,
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

  publishFrom(sender: Socket, topic: string, message: string, toOtherNodes: boolean): void {
    sender.publish(topic, message, false);
    if (toOtherNodes) this.send(this.names.topicChannel(topic), this.origin, message);
  }

  toNode(node: string, connId: string, message: string): void {
    this.send(this.names.nodeChannel(node), 'c' + connId + RedisNames.SEP, message);
  }

  /** Call notices for another node's call owner: 'k' then the notices, newline-separated, on its node
   * channel (src/calls/call-bus.ts); in the one outbox, so in order with this node's relays. */
  toNodeCalls(node: string, notice: string): void {
    this.send(this.names.nodeChannel(node), 'k', notice);
  }

  /** Resume across nodes: a hand-over message ('r' then JSON) for another node, in the one ordered outbox. */
  toNodeResume(node: string, message: string): void {
    this.send(this.names.nodeChannel(node), 'r', message);
  }

  linkUp(): boolean {
    return this.isUp();
  }

  /** Frames from the Redis channel of a room topic: origin node, then the frames, newline-separated. */
  onRoomFrame(topic: string, payload: string): void {
    if (payload.startsWith(this.origin)) return;
    let sep = payload.indexOf(RedisNames.SEP);
    const forward = this.onForwardedRoomFrame;
    const origin = forward === null ? '' : payload.slice(0, sep);
    while (sep >= 0) {
      const next = payload.indexOf(RedisNames.SEP, sep + 1);
      this.counters.received++;
      const frame = next < 0 ? payload.slice(sep + 1) : payload.slice(sep + 1, next);
      this.app.publish(topic, frame, false);
      this.onLocalRoomFrame?.(topic, frame); // Socket.IO door: members that are not on the uWS topic
      if (forward !== null) forward(topic, origin, frame); // resume across nodes: a moved member's frames
      sep = next;
    }
  }

  /** Frames for one connection of this node ('c' + connId, then the frames, on the node channel). */
  onConnectionFrame(body: string): void {
    let sep = body.indexOf(RedisNames.SEP);
    if (sep <= 0) return;
    const connId = body.slice(0, sep);
    while (sep >= 0) {
      const next = body.indexOf(RedisNames.SEP, sep + 1);
      this.counters.received++;
      if (!this.deliverToConnection(connId, next < 0 ? body.slice(sep + 1) : body.slice(sep + 1, next))) this.counters.unroutable++;
      sep = next;
    }
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
