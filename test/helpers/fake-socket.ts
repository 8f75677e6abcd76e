/** Fake uWS sockets for the owners' unit and contract tests. */
import type { ConnectionActor } from '../../machines/connection.js';
import type { Connections } from '../../src/connections/connections.js';
import type { Socket, SocketData } from '../../src/transport/socket-data.js';

/** A uWS socket as far as the connection owner uses it. Like uWS, it throws once closed. */
export class FakeSocket {
  readonly calls: unknown[][] = [];
  /** What send answers: 0 sent, 1 buffered (backpressure building), 2 dropped (over the limit). */
  sendStatus = 0;
  readonly data: SocketData;

  constructor(id: string, actor: ConnectionActor | null = null) {
    this.data = {
      id, ip: '127.0.0.1', closed: false, actor, openedAtMs: 0,
      tokens: 10, lastRefillMs: 0, droppedInWindow: 0, windowStartMs: 0, sendRefused: false, identity: null,
      session: null, resume: null, endedByServer: false, replaced: false,
    };
  }

  getUserData(): SocketData { return this.data; }
  send(text: string, isBinary: boolean, compress: boolean): number { this.use('send', text, isBinary, compress); return this.sendStatus; }
  end(code: number, reason: string): void { this.use('end', code, reason); }
  close(): void { this.use('close'); }
  subscribe(topic: string): boolean { this.use('subscribe', topic); return true; }
  unsubscribe(topic: string): boolean { this.use('unsubscribe', topic); return true; }
  publish(topic: string, text: string, isBinary: boolean): boolean { this.use('publish', topic, text, isBinary); return true; }

  get socket(): Socket { return this as unknown as Socket; }
  sent(): Array<Record<string, any>> {
    return this.calls.filter((c) => c[0] === 'send').map((c) => JSON.parse(c[1] as string));
  }

  private use(...call: unknown[]): void {
    if (this.data.closed) throw new Error(`Invalid access of closed uWS.WebSocket (${String(call[0])})`);
    this.calls.push(call);
  }
}


/** Opens fake sockets in a connection owner: `connect(id)` registers one and returns it. */
export function fakeConnector(connections: Connections): (id: string) => FakeSocket {
  return (id) => {
    const ws = new FakeSocket(id);
    connections.add(ws.socket);
    return ws;
  };
}
