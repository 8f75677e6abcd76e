/**
 * The Socket.IO wire of a JsongleClient, as JSONgle-Server 2.x apps connect (`io(url, { auth: {
 * appToken } })`, event "jsongle" both ways, the message object as its argument). The plain
 * WebSocket path is JsongleClient's own (it resumes sessions); the protocol above is the same.
 */
import type { Envelope } from './jsongle.js';

export interface Wire {
  send(msg: Envelope): void;
  close(): void;
  onMessage(handler: (msg: Envelope) => void): void;
  /** Why the connection ended, in words (close code and reason, or Socket.IO's reason). */
  onClose(handler: (why: string) => void): void;
}

/** The part of socket.io-client's Socket used here (the page loads socket.io.min.js: global `io`). */
interface IOSocket {
  emit(event: string, ...args: unknown[]): void;
  on(event: string, handler: (...args: any[]) => void): void;
  once(event: string, handler: (...args: any[]) => void): void;
  disconnect(): void;
}
declare const io: (url: string, options: Record<string, unknown>) => IOSocket;

/** `url`: the server's wsPort as http(s)://host:port (Socket.IO adds /socket.io/ itself). */
export function openSocketIO(url: string, appToken: string | null): Promise<Wire> {
  return new Promise((resolve, reject) => {
    const socket = io(url, appToken === null ? {} : { auth: { appToken } });
    // Registered before connect, and kept until a handler comes: the server's session-hello can
    // arrive in the same poll as the connection itself, before the caller has the wire.
    const handlers: Array<(msg: Envelope) => void> = [];
    const early: Envelope[] = [];
    socket.on('jsongle', (msg: Envelope) => {
      if (handlers.length === 0) early.push(msg);
      for (const h of handlers) h(msg);
    });
    const wire: Wire = {
      send: (msg) => socket.emit('jsongle', msg),
      close: () => socket.disconnect(),
      onMessage: (handler) => {
        handlers.push(handler);
        for (const msg of early.splice(0)) handler(msg);
      },
      onClose: (handler) => socket.on('disconnect', (reason: string) => handler(reason)),
    };
    socket.once('connect', () => resolve(wire));
    socket.once('connect_error', (err: Error) => reject(new Error(`cannot connect to ${url}: ${err.message}`)));
  });
}
