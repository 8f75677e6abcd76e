/**
 * A lean WebSocket client over a raw TCP socket, for the hardening suites that open tens of
 * thousands of connections: the `ws` package spends ~1.5 ms of CPU per connection (HTTP agent,
 * key checks, events), which would make a 100 000-cycle leak test take minutes of client time.
 * This client writes a fixed handshake, masks with a zero key (payload bytes unchanged), parses
 * server frames by header, answers pings, and can also stop reading (pause) or vanish (destroy).
 *
 * Loopback test tool only: it does not check Sec-WebSocket-Accept and supports no extensions.
 */
import { connect, type Socket } from 'node:net';
// The load generator's framing (zero mask key): one implementation for both raw clients.
import { maskedFrame } from '../../bench/loadgen/frames.js';

const HANDSHAKE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

export interface RawConnectOptions {
  host?: string;
  path?: string;
  /** Source address (127.0.0.x) for per-address tests. */
  localAddress?: string;
  headers?: Record<string, string>;
}

/** The upgrade was answered with an HTTP status other than 101. */
export class RawUpgradeRefused extends Error {
  constructor(readonly status: number, readonly body: string, readonly head = '') {
    super(`upgrade refused with HTTP ${status}`);
  }
}

export class RawWebSocket {
  /** Close code received from the server (1006 when the TCP connection ended without one). */
  closeCode: number | null = null;
  onText: (text: string) => void = () => {};
  onBinary: (data: Buffer) => void = () => {};
  onClose: (code: number) => void = () => {};
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private ended = false;

  private constructor(readonly socket: Socket) {}

  /** `init` runs before any frame is parsed: set the handlers there (the server's first frame may
   * arrive in the same TCP chunk as the 101 answer). */
  static open(port: number, options: RawConnectOptions = {}, init: (ws: RawWebSocket) => void = () => {}): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const host = options.host ?? '127.0.0.1';
      const socket = connect({ host, port, localAddress: options.localAddress });
      socket.setNoDelay(true);
      let head: Buffer = Buffer.alloc(0);
      const extra = Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.on('connect', () => {
        socket.write(
          `GET ${options.path ?? '/'} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${HANDSHAKE_KEY}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
        );
      });
      const onError = (err: Error) => reject(err);
      socket.on('error', onError);
      const onHead = (chunk: Buffer) => {
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onHead);
        const status = Number(head.subarray(0, end).toString('latin1').split(' ')[1]);
        if (status !== 101) {
          // The body follows the head; collect it until the server closes.
          let body: Buffer = head.subarray(end + 4);
          socket.on('data', (c: Buffer) => { body = Buffer.concat([body, c]); });
          const headText = head.subarray(0, end + 4).toString('latin1');
          socket.on('close', () => reject(new RawUpgradeRefused(status, body.toString(), headText)));
          socket.off('error', onError);
          socket.on('error', () => {});
          socket.end();
          return;
        }
        const ws = new RawWebSocket(socket);
        init(ws);
        socket.off('error', onError);
        socket.on('error', () => {});
        socket.on('data', (c: Buffer) => ws.onData(c));
        socket.on('close', () => ws.finish(1006));
        const rest = head.subarray(end + 4);
        resolve(ws);
        if (rest.length > 0) ws.onData(rest);
      };
      socket.on('data', onHead);
    });
  }

  get isOpen(): boolean {
    return !this.ended && this.closeCode === null;
  }

  sendText(text: string): void {
    this.write(0x1, Buffer.from(text));
  }

  sendBinary(data: Buffer): void {
    this.write(0x2, data);
  }

  /** Sends a text frame with arbitrary payload bytes (e.g. invalid UTF-8). */
  sendTextBytes(data: Buffer): void {
    this.write(0x1, data);
  }

  /** Polite close: a close frame; the server answers and ends the TCP connection. */
  close(code = 1000): void {
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.write(0x8, payload);
  }

  /** A vanished client: the TCP connection is dropped without a close frame. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Stops reading: the kernel buffers fill, then the server's own buffer for this socket grows. */
  pause(): void {
    this.socket.pause();
  }

  /** Resolves with the close code once the connection is gone. */
  closed(): Promise<number> {
    if (this.ended) return Promise.resolve(this.closeCode ?? 1006);
    return new Promise((resolve) => {
      const prev = this.onClose;
      this.onClose = (code) => {
        prev(code);
        resolve(code);
      };
    });
  }

  private write(opcode: number, payload: Buffer): void {
    if (this.ended || this.socket.destroyed) return;
    this.socket.write(maskedFrame(opcode, payload));
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      if (b.length < off + len) return;
      const fin = (b[0] & 0x80) !== 0;
      const opcode = b[0] & 0x0f;
      const payload = b.subarray(off, off + len);
      this.buf = b.subarray(off + len);
      this.onFrame(fin, opcode, payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === 0x9) {
      this.write(0xa, Buffer.from(payload));
      return;
    }
    if (opcode === 0xa) return;
    if (opcode === 0x8) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.closeCode = code;
      // Echo the close (RFC 6455 §5.5.1), then let the server end the TCP connection.
      if (!this.socket.destroyed) this.write(0x8, Buffer.from(payload.subarray(0, 2)));
      return;
    }
    if (opcode === 0x0) {
      this.fragments.push(Buffer.from(payload));
      if (!fin) return;
      const whole = Buffer.concat(this.fragments);
      this.fragments = [];
      this.deliver(this.fragmentOpcode, whole);
      return;
    }
    if (!fin) {
      this.fragmentOpcode = opcode;
      this.fragments = [Buffer.from(payload)];
      return;
    }
    this.deliver(opcode, payload);
  }

  private deliver(opcode: number, payload: Buffer): void {
    if (opcode === 0x1) this.onText(payload.toString());
    else this.onBinary(Buffer.from(payload));
  }

  private finish(fallback: number): void {
    if (this.ended) return;
    this.ended = true;
    this.closeCode ??= fallback;
    this.onClose(this.closeCode);
  }
}
