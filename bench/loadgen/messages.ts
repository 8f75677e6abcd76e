/**
 * The JSONgle payloads the generator sends. Every generator-made relay carries a fixed-width
 * `id` as its first key: both servers keep the fields a sender sent (only `from`/`to` are
 * rewritten, key order preserved), so a relayed frame's payload starts with `{"id":"` and the
 * receiver reads marker, sender and send time at fixed offsets without parsing any JSON.
 * Server-made frames have UUID ids (lowercase hex), which never look like a marker.
 *
 *   id = marker (1 char) + sender index (7 digits) + send time in µs (16 digits, zeros = none)
 */

export const ID_OFFSET = 7; // '{"id":"'.length
export const SENDER_OFFSET = ID_OFFSET + 1;
export const SENDER_DIGITS = 7;
export const STAMP_OFFSET = SENDER_OFFSET + SENDER_DIGITS;
export const STAMP_DIGITS = 16;
/** Payload bytes the receiver needs to classify a frame. */
export const HEAD_BYTES = STAMP_OFFSET + STAMP_DIGITS;

/** Markers (uppercase: never a hex digit of a server-made UUID). */
export const Marker = {
  Relay: 0x58, // 'X' closed-loop relay, no time stamp
  RelayStamped: 0x59, // 'Y' closed-loop relay with a send time
  OpenLoop: 0x4f, // 'O' open-loop relay, always stamped
  Propose: 0x50, // 'P'
  Ringing: 0x52, // 'R'
  Proceed: 0x51, // 'Q'
  Initiate: 0x49, // 'I'
  Accept: 0x41, // 'A'
  Terminate: 0x54, // 'T'
} as const;

export function isMarker(byte: number): boolean {
  return byte >= 0x41 && byte <= 0x5a; // A-Z
}

export function markerId(marker: number, sender: number): string {
  return String.fromCharCode(marker) + String(sender).padStart(SENDER_DIGITS, '0') + '0'.repeat(STAMP_DIGITS);
}

/** Writes a µs time stamp into the id of a frame whose payload starts at `payloadStart`. */
export function writeStamp(frame: Buffer, payloadStart: number, stampUs: number, marker: number): void {
  frame[payloadStart + ID_OFFSET] = marker;
  frame.write(String(stampUs).padStart(STAMP_DIGITS, '0'), payloadStart + STAMP_OFFSET, STAMP_DIGITS, 'latin1');
}

/** Reads `digits` ASCII digits at `at`. */
export function readDigits(buf: Buffer, at: number, digits: number): number {
  let n = 0;
  for (let i = 0; i < digits; i++) n = n * 10 + (buf[at + i] - 48);
  return n;
}

function envelope(id: string, to: string, jsongle: Record<string, unknown>): string {
  return JSON.stringify({ id, from: 'bench', to, jsongle });
}

/** Pads a JSON text to about `targetBytes` through one string field (the `pad` placeholder). */
function padded(build: (pad: string) => string, targetBytes: number): string {
  const bare = build('');
  return build('x'.repeat(Math.max(0, targetBytes - Buffer.byteLength(bare))));
}

/** A relayed message of about `bytes` bytes: transport-info (ICE candidate) sized, or SDP sized. */
export function relayPayload(action: string, marker: number, sender: number, rid: string, bytes: number): string {
  const id = markerId(marker, sender);
  return padded((pad) => envelope(id, rid, {
    sid: `call-${sender}`, action, initiator: 'bench-a', responder: 'bench-b',
    description: { candidate: `candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host ufrag a1b2${pad}`, sdpMid: '0', sdpMLineIndex: 0 },
  }), bytes);
}

/** A fake SDP of about `bytes` bytes. */
export function fakeSdp(bytes: number): string {
  const line = 'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0\r\n';
  return 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n' + line.repeat(Math.max(1, Math.floor(bytes / line.length)));
}

/** The call sequence's messages, caller (a) and callee (b) sides, by marker. */
export function callPayload(marker: number, sender: number, rid: string, sid: string): string {
  const id = markerId(marker, sender);
  const call = { sid, initiator: 'bench-a', responder: 'bench-b' };
  switch (marker) {
    case Marker.Propose:
      return envelope(id, rid, { ...call, action: 'session-propose', description: { media: ['audio', 'video'] } });
    case Marker.Ringing:
      return envelope(id, rid, { ...call, action: 'session-info', reason: 'ringing' });
    case Marker.Proceed:
      return envelope(id, rid, { ...call, action: 'session-proceed' });
    case Marker.Initiate:
      return envelope(id, rid, { ...call, action: 'session-initiate', description: { type: 'offer', sdp: fakeSdp(2500) } });
    case Marker.Accept:
      return envelope(id, rid, { ...call, action: 'session-accept', description: { type: 'answer', sdp: fakeSdp(2500) } });
    case Marker.Terminate:
      return envelope(id, rid, { ...call, action: 'session-terminate', reason: 'success' });
    default:
      throw new Error(`no call payload for marker ${marker}`);
  }
}

/** The uid a bench connection says hello with (its index in the worker). */
export function benchUid(index: number): string {
  return `user-${index}`;
}

export function helloAnswer(serverId: string, transaction: string, index: number): string {
  return JSON.stringify({
    id: `hello-${index}`, from: 'bench', to: serverId,
    jsongle: { action: 'iq-result', query: 'session-hello', transaction, description: { uid: benchUid(index), dn: `Bench ${index}` } },
  });
}

export function joinRequest(serverId: string, query: 'session-join' | 'muc-join' | 'session-register', rid: string, transaction: string): string {
  return JSON.stringify({
    id: `join-${transaction}`, from: 'bench', to: serverId,
    jsongle: { action: 'iq-set', query, transaction, description: { rid } },
  });
}
