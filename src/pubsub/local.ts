/** PubSub over one uWS app's topics. uWS unsubscribes a socket by itself when it closes. */
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { PubSub } from './pubsub.js';

export class LocalPubSub<U> implements PubSub<WebSocket<U>> {
  constructor(private readonly app: TemplatedApp) {}

  subscribe(ws: WebSocket<U>, topic: string): void {
    ws.subscribe(topic);
  }

  unsubscribe(ws: WebSocket<U>, topic: string): void {
    ws.unsubscribe(topic);
  }

  publish(topic: string, message: string): void {
    this.app.publish(topic, message, false);
  }

  publishFrom(sender: WebSocket<U>, topic: string, message: string): void {
    sender.publish(topic, message, false);
  }

  localCount(topic: string): number {
    return this.app.numSubscribers(topic);
  }
}
