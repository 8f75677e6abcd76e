/**
 * Interest-based room channels (colyseus redis-presence): this node SUBSCRIBEs a room's channel
 * only while it has members in the room (or a join to it is being decided), and UNSUBSCRIBEs
 * when the last one leaves, so it never receives relays for rooms it does not serve.
 *
 * A join subscribes *before* its script runs and waits for Redis's acknowledgement: once another
 * node can know of the new member it can publish to the room, and the subscription is already
 * there to receive it.
 */
import type { Redis } from 'ioredis';
import type { RedisNames } from './keys.js';

export class Interest {
  /** Topics subscribed (or being subscribed): the promise settles with Redis's acknowledgement. */
  private readonly subscribed = new Map<string, Promise<unknown>>();
  /** Joins in flight per topic. */
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly sub: Redis,
    private readonly names: RedisNames,
    /** Whether this node's mirror has a member of its own in the room of this topic. */
    private readonly hasLocalMembers: (topic: string) => boolean,
  ) {}

  /** Holds the topic's channel for a join being decided; resolves once subscribed. */
  async acquire(topic: string): Promise<void> {
    this.pending.set(topic, (this.pending.get(topic) ?? 0) + 1);
    let ack = this.subscribed.get(topic);
    if (ack === undefined) {
      ack = this.sub.subscribe(this.names.topicChannel(topic));
      this.subscribed.set(topic, ack);
    }
    try {
      await ack;
    } catch (err) {
      if (this.subscribed.get(topic) === ack) {
        this.subscribed.delete(topic);
        // Timed out, not refused: a frozen Redis runs the SUBSCRIBE when it wakes. Undo it after it
        // (same connection, so in order) unless a later join subscribed the topic again meanwhile.
        if (this.sub.status === 'ready') this.sub.unsubscribe(this.names.topicChannel(topic)).catch(() => undefined);
      }
      this.release(topic);
      throw err;
    }
  }

  /** The join was decided: the mirror now tells whether the channel is still needed. */
  release(topic: string): void {
    const n = (this.pending.get(topic) ?? 1) - 1;
    if (n > 0) this.pending.set(topic, n);
    else this.pending.delete(topic);
    this.check(topic);
  }

  /** After a member of this node left the room: unsubscribe when nobody here needs it any more. */
  check(topic: string): void {
    if (!this.subscribed.has(topic) || this.pending.has(topic) || this.hasLocalMembers(topic)) return;
    this.subscribed.delete(topic);
    // A failure means the link is down: the channel is gone with it, and not restored (resubscribe).
    if (this.sub.status === 'ready') this.sub.unsubscribe(this.names.topicChannel(topic)).catch(() => undefined);
  }

  /** After the subscriber reconnected: every channel still wanted, in one SUBSCRIBE. */
  async resubscribe(nodeChannel: string): Promise<void> {
    const topics = [...this.subscribed.keys()];
    const ack = this.sub.subscribe(nodeChannel, ...topics.map((t) => this.names.topicChannel(t)));
    for (const t of topics) this.subscribed.set(t, ack);
    await ack;
  }

  /** Redis channels held now (tests, status). */
  get size(): number {
    return this.subscribed.size;
  }
}
