/**
 * Every Redis name the cluster engine uses, built in one place (the Lua scripts build the same
 * key names from the prefix; scripts.ts documents the data model).
 *
 * Channels: a node channel per process (membership notices, frames for one connection) and a
 * channel per room topic, subscribed only while this process has members in the room.
 */
export class RedisNames {
  /** Frames relayed on a room channel start with the publishing node's id and this separator. */
  static readonly SEP = '\n';

  constructor(readonly prefix: string) {}

  nodeChannel(nodeId: string): string {
    return `${this.prefix}n:${nodeId}`;
  }

  topicChannel(topic: string): string {
    return `${this.prefix}t:${topic}`;
  }

  /** The uWS topic of a room channel, or null when the channel is not one. */
  topicOfChannel(channel: string): string | null {
    const head = `${this.prefix}t:`;
    return channel.startsWith(head) ? channel.slice(head.length) : null;
  }
}
