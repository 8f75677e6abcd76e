/**
 * Every send to one socket goes through here: it never touches a closed socket (uWS throws on
 * that), and it acts on send's status instead of ignoring it (2 = dropped by backpressure).
 */
import type { Stats } from '../observability/stats.js';
import type { Socket } from './socket-data.js';

export function sendText(ws: Socket, text: string, stats: Stats): boolean {
  const d = ws.getUserData();
  if (d.closed) return false;
  const status = ws.send(text, false, false);
  stats.framesSent++;
  stats.bytesSent += Buffer.byteLength(text);
  if (status === 2) {
    // Over maxBackpressure: uWS drops the message and, with closeOnBackpressureLimit, closes
    // the socket right after; a reader that fell this far behind is not kept half-informed.
    stats.backpressureDrops++;
    d.sendRefused = true;
    return false;
  }
  return true;
}

/** Closes with a code unless the socket is already closed. */
export function endSocket(ws: Socket, code: number, reason: string): void {
  if (ws.getUserData().closed) return;
  ws.end(code, reason);
}
