/**
 * Why uWS closed a socket, read in the close handler. uWS 20.30 reports its own closes with code
 * 1006 and a fixed text in the message (measured with this binary): a frame over maxPayloadLength,
 * invalid UTF-8 in a text frame, and the idle timeout. A close for backpressure
 * (closeOnBackpressureLimit) comes as 1006 with an empty message, exactly like a client that
 * vanished; it is recognised when a send to that socket had already been refused (status 2).
 */
export type ServerCloseReason = 'tooLarge' | 'invalidUtf8' | 'idleTimeout' | 'backpressure';

const UWS_REASONS: ReadonlyArray<readonly [string, ServerCloseReason]> = [
  ['Received too big message', 'tooLarge'],
  ['Received invalid UTF-8', 'invalidUtf8'],
  ['WebSocket timed out from inactivity', 'idleTimeout'],
];

const decoder = new TextDecoder();

/** The server-side reason of a close, or null for a close the client made (or an unknown one). */
export function serverCloseReason(code: number, message: ArrayBuffer, sendWasRefused: boolean): ServerCloseReason | null {
  if (code !== 1006) return null;
  if (message.byteLength === 0) return sendWasRefused ? 'backpressure' : null;
  const text = decoder.decode(message);
  for (const [prefix, reason] of UWS_REASONS) if (text.startsWith(prefix)) return reason;
  return null;
}
