/**
 * A raw TCP exchange for edge tests: write bytes exactly as given (pipelined requests, half
 * requests, nothing at all) and collect everything the server sends until it closes the
 * connection or the deadline passes. `closedAfterMs` says whether (and when) the server closed.
 */
import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** Everything received, as latin1 text. */
  text: string;
  /** Milliseconds from connect to the server's close; null when the deadline came first. */
  closedAfterMs: number | null;
}

export function rawExchange(port: number, payload: string | Buffer, timeoutMs: number, options: { localAddress?: string } = {}): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port, localAddress: options.localAddress });
    const chunks: Buffer[] = [];
    let connectedAt = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedAfterMs: null });
    }, timeoutMs);
    socket.on('connect', () => {
      connectedAt = Date.now();
      if (payload.length > 0) socket.write(payload);
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset after the server answered is a close like any other.
      if (err.code !== 'ECONNRESET') { clearTimeout(timer); reject(err); }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedAfterMs: Date.now() - connectedAt });
    });
  });
}

/** The HTTP status lines in `text`, in order (one per answered request). */
export function statusLines(text: string): string[] {
  // A body without a trailing CRLF runs straight into the next answer's status line.
  return text.match(/HTTP\/1\.[01] \d{3}[^\r]*/g) ?? [];
}

/** The body of the first answer in `text` (after its blank line, up to Content-Length). */
export function firstBody(text: string): string {
  const end = text.indexOf('\r\n\r\n');
  const head = text.slice(0, end);
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? '0');
  return text.slice(end + 4, end + 4 + length);
}
