/**
 * The JSONgle test client over the real `socket.io-client` 4, connected the way a JSONgle-Server
 * 2.x app connects: `io(url, { auth: { appToken } })`, event "jsongle" both ways, objects as
 * arguments. Same expectations as TestClient (expectMessage, hello, join, relay…), so a test can
 * put a Socket.IO client and a raw WebSocket client in one room.
 *
 * A round trip (expectNoMessage) is an `iq-set` for a query no server knows: its `iq-error` (same
 * transaction) comes back after everything the server handled or wrote for this client before.
 */
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { TestClient, type Msg } from './client.js';

export interface SioConnectOptions {
  /** `auth.appToken`, as 2.x apps send it. */
  appToken?: string;
  /** Query parameters of the Engine.IO requests. */
  query?: Record<string, string>;
  /** Default: Socket.IO's own (long-polling, then the upgrade to WebSocket). */
  transports?: Array<'polling' | 'websocket'>;
  extraHeaders?: Record<string, string>;
}

/** A refused connection: Socket.IO's connect_error (message, and the server's `data` if any). */
export class ConnectRefused extends Error {
  constructor(message: string, readonly data: unknown) {
    super(message);
  }
}

/** The round trip's query: unknown to the server, so it answers iq-error with our transaction. */
const ROUND_TRIP_QUERY = 'test-round-trip';

export class SioTestClient extends TestClient {
  socket: Socket | null = null;

  static async connectSio(baseUrl: string, options: SioConnectOptions = {}): Promise<SioTestClient> {
    const c = new SioTestClient();
    await c.connectSio(baseUrl, options);
    return c;
  }

  /** Resolves on `connect`; rejects with ConnectRefused on the first `connect_error`. */
  connectSio(baseUrl: string, options: SioConnectOptions = {}): Promise<void> {
    const socket = io(baseUrl, {
      auth: options.appToken === undefined ? {} : { appToken: options.appToken },
      query: options.query,
      transports: options.transports ?? ['polling', 'websocket'],
      extraHeaders: options.extraHeaders,
      // A refused or dropped client must not retry behind the test's back.
      reconnection: false,
      forceNew: true,
      timeout: 3000,
    });
    this.socket = socket;
    socket.on('jsongle', (msg: unknown) => this.receive(msg, JSON.stringify(msg)));
    return new Promise((resolve, reject) => {
      socket.once('connect', () => {
        this.register();
        socket.on('disconnect', (reason) => this.onClose({ code: -1, reason }));
        resolve();
      });
      socket.once('connect_error', (err: Error & { data?: unknown }) => {
        socket.close();
        reject(new ConnectRefused(err.message, err.data));
      });
    });
  }

  /** The transport in use now (polling, or websocket once upgraded). */
  get transport(): string {
    return this.socket?.io.engine?.transport.name ?? '';
  }

  /** Resolves once the connection runs over WebSocket (after Socket.IO's upgrade). */
  upgraded(timeoutMs = 3000): Promise<void> {
    const engine = this.socket?.io.engine;
    if (!engine) return Promise.reject(new Error('not connected'));
    if (engine.transport.name === 'websocket') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no upgrade within ${timeoutMs} ms`)), timeoutMs);
      engine.once('upgrade', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  override get isOpen(): boolean {
    return this.socket?.connected ?? false;
  }

  /** An object goes out as the event's argument (as 2.x apps emit it), not as a JSON string. */
  override send(obj: unknown): void {
    if (!this.socket) throw new Error('not connected');
    this.socket.emit('jsongle', obj);
  }

  /** A string or bytes as the event's argument, as given. */
  override sendRaw(data: string | Buffer): void {
    if (!this.socket) throw new Error('not connected');
    this.socket.emit('jsongle', data);
  }

  /** Another event than "jsongle". */
  emitOther(event: string, ...args: unknown[]): void {
    this.socket?.emit(event, ...args);
  }

  override async roundTrip(timeoutMs = 2000): Promise<void> {
    if (!this.isOpen) return;
    const transaction = randomUUID();
    this.send({ id: randomUUID(), from: this.connectionId, to: this.serverId, jsongle: { action: 'iq-set', query: ROUND_TRIP_QUERY, transaction } });
    await this.expectMessage((m: Msg) => m.jsongle.action === 'iq-error' && m.jsongle.transaction === transaction, timeoutMs);
  }

  /** Socket.IO's disconnect(): a deliberate close. */
  override async close(): Promise<void> {
    if (!this.socket || this.closed) return;
    const done = this.expectClose(2000).catch(() => undefined);
    this.socket.disconnect();
    await done;
  }

  /** The client vanishes: its Engine.IO transport closes without a Socket.IO disconnect. */
  override async terminate(): Promise<void> {
    if (!this.socket || this.closed) return;
    const done = this.expectClose(2000);
    this.socket.io.engine.close();
    await done;
  }
}
