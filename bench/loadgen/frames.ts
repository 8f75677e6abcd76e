/**
 * RFC 6455 framing for the load generator, reduced to what a client needs: the upgrade request,
 * masked text frames built once with a zero mask key (masking with zeros leaves the payload as
 * it is, so a frame is its header plus the plain bytes and can be copied and patched cheaply),
 * and the header fields of the unmasked frames the server sends.
 */

export const OP_TEXT = 1;
export const OP_CLOSE = 8;
export const OP_PING = 9;

/** The upgrade request. The key is fixed: the generator does not check Sec-WebSocket-Accept. */
export function upgradeRequest(host: string, port: number, path: string): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    'latin1',
  );
}

/** Header length of a masked client frame carrying `len` payload bytes. */
export function maskedHeaderLength(len: number): number {
  return (len < 126 ? 2 : len < 65536 ? 4 : 10) + 4;
}

/** One masked frame (FIN set, zero mask key) around `payload`. */
export function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const hdr = maskedHeaderLength(len);
  const frame = Buffer.alloc(hdr + len);
  frame[0] = 0x80 | opcode;
  if (len < 126) {
    frame[1] = 0x80 | len;
  } else if (len < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(len, 6);
  }
  // bytes hdr-4 .. hdr-1 are the mask key: left at zero
  payload.copy(frame, hdr);
  return frame;
}

export function textFrame(text: string): Buffer {
  return maskedFrame(OP_TEXT, Buffer.from(text, 'utf8'));
}

/** `count` back-to-back copies of `frame`, so that `count` sends cost one write. */
export function repeatFrame(frame: Buffer, count: number): Buffer {
  const out = Buffer.allocUnsafe(frame.length * count);
  for (let i = 0; i < count; i++) frame.copy(out, i * frame.length);
  return out;
}

export const CLOSE_FRAME = maskedFrame(OP_CLOSE, Buffer.from([0x03, 0xe8])); // 1000 normal closure
export const EMPTY_PONG = maskedFrame(0xa, Buffer.alloc(0));

/** A pong echoing a ping's payload, as RFC 6455 asks. */
export function pongFrame(payload: Buffer): Buffer {
  return maskedFrame(0xa, payload);
}
