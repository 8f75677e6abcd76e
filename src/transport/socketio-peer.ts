/**
 * A Socket.IO connection as the connection owner sees a socket (the `Socket` shape a raw uWS
 * WebSocket has): send a JSON text, end with a code, close, user data. Only the framing differs:
 * a text goes out as the Socket.IO event `"jsongle"` whose argument is that JSON object, i.e. the
 * Socket.IO packet `2["jsongle",<text>]` written to the Engine.IO connection as is. The relay's
 * one encoding is reused (a concatenation, no JSON.parse and stringify per recipient), and
 * socket.io-client hands the app the object, as JSONgle-Server 2.x's `socket.emit("jsongle", msg)` did.
 *
 * Not a uWS topic subscriber: rooms count their Socket.IO members and deliver to them directly
 * (src/rooms/room.ts), so subscribe/unsubscribe do nothing here, and `publish` (a Socket.IO sender
 * relaying to the raw members) goes through the uWS app.
 */
import type { RecognizedString, TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { Socket as IOSocket } from 'socket.io';
import { CloseCode } from '../protocol/codes.js';
import type { Socket, SocketData } from './socket-data.js';

/** The namespace "/" event packet around a JSON text (socket.io-parser's encoding, type 2 = EVENT). */
const FRAME_HEAD = '2["jsongle",';
const FRAME_TAIL = ']';

/** What the peer reads of Engine.IO's connection (engine.io's Socket; typed loosely there). */
interface EngineConnection {
  readonly readyState: string;
  readonly transport: { readonly name: string; readonly socket?: WebSocket<unknown> };
  write(data: string): unknown;
  close(discard?: boolean): unknown;
  on(event: 'flush', listener: () => void): unknown;
}

export class SocketIOPeer implements Socket {
  /** Characters written since Engine.IO last flushed its buffer to the transport (long-polling:
   * until the client polls again). uWS holds what a WebSocket transport has not sent yet. */
  private unflushed = 0;
  private readonly conn: EngineConnection;

  constructor(
    readonly io: IOSocket,
    private readonly data: SocketData,
    private readonly app: TemplatedApp,
    /** maxBackpressureBytes: a reader this far behind is closed, as on the raw door. */
    private readonly maxBackpressure: number,
  ) {
    this.conn = io.conn as unknown as EngineConnection;
    this.conn.on('flush', () => { this.unflushed = 0; });
  }

  getUserData(): SocketData {
    return this.data;
  }

  /** 1 sent, 2 refused for backpressure (and the connection closed, as uWS's closeOnBackpressureLimit does). */
  send(message: RecognizedString): number {
    if (this.data.closed || this.conn.readyState !== 'open') return 2;
    const text = message as string;
    if (this.maxBackpressure > 0 && this.getBufferedAmount() + text.length > this.maxBackpressure) {
      this.data.sendRefused = true;
      this.close();
      return 2;
    }
    this.unflushed += text.length + FRAME_HEAD.length + 1;
    this.conn.write(FRAME_HEAD + text + FRAME_TAIL);
    return 1;
  }

  /**
   * Socket.IO has no close codes. A drain (1001) closes the Engine.IO connection: the client sees
   * "transport close" and reconnects (to another node, or to this one once it is back), as a
   * Socket.IO app expects of a restarting server. Any other end (hello timeout, rate limit,
   * internal error) is a server disconnect: the client does not reconnect by itself. Frames
   * written before are delivered first (Engine.IO closes after its buffer drains).
   */
  end(code?: number): void {
    if (this.data.closed) return;
    if (code === CloseCode.GoingAway) this.conn.close();
    else this.io.disconnect(true);
  }

  /** At once, without waiting for the buffer (a reader that does not read would never get it). */
  close(): void {
    if (this.data.closed) return;
    this.conn.close(true);
  }

  getBufferedAmount(): number {
    const t = this.conn.transport;
    return this.unflushed + (t.name === 'websocket' && t.socket !== undefined && !this.data.closed ? t.socket.getBufferedAmount() : 0);
  }

  /** Rooms keep Socket.IO members apart from uWS topics (see the file comment). */
  subscribe(): boolean {
    return true;
  }

  unsubscribe(): boolean {
    return true;
  }

  /** A relay from this member to the room's raw members: through the app (this is no uWS subscriber,
   * so nothing comes back to it). */
  publish(topic: RecognizedString, message: RecognizedString): boolean {
    return this.app.publish(topic, message, false);
  }
}
