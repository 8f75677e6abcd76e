/**
 * One generator WebSocket over a raw `net.Socket`. Cheap on purpose: in the steady state a frame
 * from the server costs a header parse and a look at a few payload bytes (messages.ts), never a
 * JSON.parse. Only the few control messages of the set-up (hello request, hello ack, join result)
 * are parsed in full.
 */
import net from 'node:net';
import { CLOSE_FRAME, EMPTY_PONG, OP_CLOSE, OP_PING, OP_TEXT, pongFrame, textFrame, upgradeRequest } from './frames.js';
import { HEAD_BYTES, ID_OFFSET, helloAnswer, isMarker, joinRequest } from './messages.js';

/** Where relayed frames go: the worker's scenario. */
export interface FrameSink {
  /** A generator-made frame reached `receiver`; its payload starts at `buf[payloadStart]` (HEAD_BYTES available). */
  onRelay(receiver: BenchConnection, buf: Buffer, payloadStart: number): void;
  /** A server-made frame reached a ready connection (trying, joined events, errors…). */
  onServerFrame(receiver: BenchConnection, summary: string | null): void;
}

export interface Target {
  host: string;
  port: number;
  path: string;
  localAddress?: string;
}

const CONNECTING = 0;
const UPGRADING = 1;
const HELLO = 2;
const ACK = 3;
const HELLOED = 4;
const JOINING = 5;
const READY = 6;
const CLOSED = 7;

/** Server frames in the steady state are summarised (action / error code) only when this small. */
const SUMMARY_MAX_BYTES = 2048;

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

export class BenchConnection {
  readonly socket: net.Socket;
  phase = CONNECTING;
  serverId = '';
  connectionId = '';
  /** Scenario-owned slot (room, partner…): kept on the connection to avoid a Map lookup per frame. */
  slot = -1;
  private carry: Buffer | null = null;
  private skip = 0;
  private pending: Pending | null = null;
  private joinTransaction = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly index: number, target: Target, private readonly sink: FrameSink, private readonly setupTimeoutMs: number) {
    this.socket = net.connect({ host: target.host, port: target.port, localAddress: target.localAddress });
    this.socket.setNoDelay(true);
    const request = upgradeRequest(target.host, target.port, target.path);
    this.socket.once('connect', () => {
      this.phase = UPGRADING;
      this.socket.write(request);
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => {
      this.phase = CLOSED;
      this.fail(new Error('connection closed'));
    });
  }

  get ready(): boolean {
    return this.phase === READY;
  }

  /** Resolves once the server acknowledged our hello answer. */
  helloed(): Promise<void> {
    if (this.phase >= HELLOED && this.phase !== CLOSED) return Promise.resolve();
    return this.wait();
  }

  /** Sends a join and resolves on its iq-result; the connection is then READY. */
  /** A join (or, for direct calls, session-register: answered with an iq-result like a join). */
  join(query: 'session-join' | 'muc-join' | 'session-register', rid: string): Promise<void> {
    if (this.phase !== HELLOED) return Promise.reject(new Error(`join in phase ${this.phase}`));
    this.phase = JOINING;
    this.joinTransaction = `j${this.index}`;
    this.socket.write(textFrame(joinRequest(this.serverId, query, rid, this.joinTransaction)));
    return this.wait();
  }

  write(buf: Buffer): void {
    if (this.phase !== CLOSED) this.socket.write(buf);
  }

  /** Polite close (close frame, then FIN). */
  close(): void {
    if (this.phase === CLOSED) return;
    this.phase = CLOSED;
    this.socket.end(CLOSE_FRAME);
  }

  destroy(): void {
    this.phase = CLOSED;
    this.socket.destroy();
  }

  private wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.timer = setTimeout(() => this.fail(new Error(`set-up timed out in phase ${this.phase}`)), this.setupTimeoutMs);
    });
  }

  private settle(err: Error | null): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (err === null) p.resolve();
    else p.reject(err);
  }

  private fail(err: Error): void {
    if (this.pending !== null) {
      this.settle(err);
      this.socket.destroy();
    }
  }

  private onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.carry !== null) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    const n = buf.length;
    let i = 0;
    if (this.phase === UPGRADING) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (n > 16384) this.fail(new Error('upgrade answer too long'));
        else this.carry = Buffer.from(buf);
        return;
      }
      const status = buf.toString('latin1', 0, buf.indexOf('\r\n'));
      if (!status.startsWith('HTTP/1.1 101')) {
        this.fail(new Error(`upgrade refused: ${status}`));
        return;
      }
      this.phase = HELLO;
      i = end + 4;
    }
    while (i < n) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, n - i);
        this.skip -= take;
        i += take;
        continue;
      }
      if (n - i < 2) break;
      const b1 = buf[i + 1] & 127;
      let hdr = 2;
      let len = b1;
      if (b1 === 126) {
        if (n - i < 4) break;
        len = buf.readUInt16BE(i + 2);
        hdr = 4;
      } else if (b1 === 127) {
        if (n - i < 10) break;
        len = buf.readUInt32BE(i + 6);
        hdr = 10;
      }
      const p = i + hdr;
      const avail = n - p;
      const opcode = buf[i] & 15;
      if (opcode === OP_TEXT && this.phase === READY) {
        // Steady state: look at the head only and skip the rest, wherever it lands.
        if (avail < len && avail < HEAD_BYTES) break;
        if (len >= HEAD_BYTES && isMarker(buf[p + ID_OFFSET])) this.sink.onRelay(this, buf, p);
        else this.sink.onServerFrame(this, avail >= len && len <= SUMMARY_MAX_BYTES ? summarise(buf.toString('utf8', p, p + len)) : null);
        const take = Math.min(len, avail);
        this.skip = len - take;
        i = p + take;
        continue;
      }
      if (avail < len) break;
      this.onWholeFrame(opcode, buf, p, len);
      i = p + len;
    }
    if (i < n && this.phase !== CLOSED) this.carry = Buffer.from(buf.subarray(i));
  }

  private onWholeFrame(opcode: number, buf: Buffer, p: number, len: number): void {
    if (opcode === OP_PING) {
      this.socket.write(len === 0 ? EMPTY_PONG : pongFrame(Buffer.from(buf.subarray(p, p + len))));
      return;
    }
    if (opcode === OP_CLOSE) {
      this.fail(new Error(`server closed the connection (code ${len >= 2 ? buf.readUInt16BE(p) : 'none'})`));
      this.close();
      return;
    }
    if (opcode !== OP_TEXT) return;
    let msg: { from?: string; to?: string; jsongle?: Record<string, unknown> };
    try {
      msg = JSON.parse(buf.toString('utf8', p, p + len));
    } catch {
      this.fail(new Error('server sent a frame that is not JSON'));
      return;
    }
    const j = msg.jsongle ?? {};
    switch (this.phase) {
      case HELLO:
        if (j.action === 'iq-get' && j.query === 'session-hello') {
          this.serverId = String(msg.from);
          this.connectionId = String(msg.to);
          this.phase = ACK;
          this.socket.write(textFrame(helloAnswer(this.serverId, String(j.transaction), this.index)));
        }
        return;
      case ACK:
        if (j.action === 'ack') {
          if (j.status === 'success') {
            this.phase = HELLOED;
            this.settle(null);
          } else {
            this.fail(new Error('hello refused'));
          }
        } else if (j.action === 'session-error') {
          this.fail(new Error(`session-error during hello: ${JSON.stringify(j.description)}`));
        }
        return;
      case JOINING:
        if (j.transaction === this.joinTransaction) {
          if (j.action === 'iq-result') {
            this.phase = READY;
            this.settle(null);
          } else {
            this.fail(new Error(`join refused: ${JSON.stringify(j.description)}`));
          }
        }
        return;
      default:
        // HELLOED: nothing expected; READY frames with a non-text opcode or split control frames.
        if (this.phase === READY) this.sink.onServerFrame(this, summarise(buf.toString('utf8', p, p + len)));
    }
  }
}

/** "action" or "action:errorCode" of a server-made frame, for the diagnostics tally. */
function summarise(text: string): string | null {
  try {
    const j = (JSON.parse(text) as { jsongle?: { action?: unknown; reason?: unknown; event?: unknown; description?: { errorCode?: unknown } } }).jsongle;
    if (!j) return 'no-jsongle';
    const code = j.description?.errorCode;
    const detail = code ?? j.reason ?? j.event;
    return detail === undefined ? String(j.action) : `${String(j.action)}:${String(detail)}`;
  } catch {
    return 'not-json';
  }
}
