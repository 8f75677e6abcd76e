/** PubSub over one uWS app's topics: one process, no other node. uWS unsubscribes a socket by itself when it closes. */
import type { WebSocket } from 'uWebSockets.js';
import type { PubSub } from './pubsub.js';

export class LocalPubSub<U> implements PubSub<WebSocket<U>> {
  subscribe(ws: WebSocket<U>, topic: string): void {
    ws.subscribe(topic);
  }

  unsubscribe(ws: WebSocket<U>, topic: string): void {
    ws.unsubscribe(topic);
  }

  publishFrom(sender: WebSocket<U>, topic: string, message: string): void {
    sender.publish(topic, message, false);
  }

  /** No other node exists in one process: a member is never held elsewhere. */
  toNode(): void {}

  linkUp(): boolean {
    return true;
  }
}
