/**
 * How actors reach each other: five verbs over topics (Phoenix.PubSub's shape). Today one
 * process with uWS topics (LocalPubSub); a Redis- or NATS-backed implementation slots in here
 * to span processes and hosts without touching the machines or their implementations.
 *
 * `S` is the subscriber handle: a uWS WebSocket for LocalPubSub.
 */
export interface PubSub<S> {
  subscribe(subscriber: S, topic: string): void;
  unsubscribe(subscriber: S, topic: string): void;
  /** To every subscriber of the topic. */
  publish(topic: string, message: string): void;
  /** To every subscriber of the topic but `sender`. */
  publishFrom(sender: S, topic: string, message: string): void;
  /** Subscribers of the topic in this process. */
  localCount(topic: string): number;
}
