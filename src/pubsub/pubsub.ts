/**
 * How actors reach each other across the process boundary: topics (Phoenix.PubSub's shape).
 * LocalPubSub is uWS topics in one process; RedisPubSub (src/cluster/) adds the bus to the other
 * nodes. Only the connection owner calls it (src/connections/connections.ts).
 *
 * `S` is the subscriber handle: a uWS WebSocket.
 */
export interface PubSub<S> {
  subscribe(subscriber: S, topic: string): void;
  unsubscribe(subscriber: S, topic: string): void;
  /** To every local subscriber of the topic but `sender`; and to the other nodes when `toOtherNodes`. */
  publishFrom(sender: S, topic: string, message: string, toOtherNodes: boolean): void;
  /** A frame for one connection that another node holds. */
  toNode(node: string, connId: string, message: string): void;
  /** The bus to other nodes is up (always true in one process). */
  linkUp(): boolean;
}
