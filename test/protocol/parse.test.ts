/**
 * parseFrame / checkEnvelope / isValidRoomId as tables: bytes in → envelope or error code out.
 * The first two checks of the spec's order live here (JSON object → 400003, jsongle → 400002),
 * and none of them may throw, whatever the bytes.
 */
import { expect } from 'chai';
import { ErrorCode } from '../../src/protocol/codes.js';
import { checkEnvelope, isPlainObject, isValidRoomId, parseFrame } from '../../src/protocol/parse.js';

const encoder = new TextEncoder();

/** A frame as uWS hands it over: an ArrayBuffer holding exactly the bytes. */
function frame(text: string): ArrayBuffer {
  const bytes = encoder.encode(text);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function bytesFrame(bytes: number[]): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

interface Row {
  what: string;
  text: string;
  code: number;
}

const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

const refused: Row[] = [
  { what: 'text that is not JSON', text: 'hello', code: ErrorCode.NotJsonObject },
  { what: 'an empty frame', text: '', code: ErrorCode.NotJsonObject },
  { what: 'truncated JSON', text: '{"jsongle":{"action":"iq-set"', code: ErrorCode.NotJsonObject },
  { what: 'JSON with a trailing comma', text: '{"jsongle":{},}', code: ErrorCode.NotJsonObject },
  { what: 'single-quoted JSON', text: "{'jsongle':{}}", code: ErrorCode.NotJsonObject },
  { what: 'an empty array', text: '[]', code: ErrorCode.NotJsonObject },
  { what: 'an array holding a valid envelope', text: '[{"jsongle":{"action":"iq-set"}}]', code: ErrorCode.NotJsonObject },
  { what: 'null', text: 'null', code: ErrorCode.NotJsonObject },
  { what: 'a JSON string', text: '"{\\"jsongle\\":{}}"', code: ErrorCode.NotJsonObject },
  { what: 'a JSON number', text: '42', code: ErrorCode.NotJsonObject },
  { what: 'a JSON boolean', text: 'true', code: ErrorCode.NotJsonObject },
  { what: 'two JSON objects in one frame', text: '{"jsongle":{}}{"jsongle":{}}', code: ErrorCode.NotJsonObject },
  { what: 'a deeply nested array', text: deepArray(50_000), code: ErrorCode.NotJsonObject },
  { what: 'an object without jsongle', text: '{}', code: ErrorCode.NoJsongle },
  { what: 'an envelope with jsongle null', text: '{"jsongle":null}', code: ErrorCode.NoJsongle },
  { what: 'an envelope with jsongle as an array', text: '{"jsongle":[{"action":"iq-set"}]}', code: ErrorCode.NoJsongle },
  { what: 'an envelope with jsongle as a string', text: '{"jsongle":"{\\"action\\":\\"iq-set\\"}"}', code: ErrorCode.NoJsongle },
  { what: 'an envelope with jsongle as a number', text: '{"jsongle":1}', code: ErrorCode.NoJsongle },
  { what: 'an envelope with jsongle true', text: '{"jsongle":true}', code: ErrorCode.NoJsongle },
  { what: 'an envelope with a JSONGLE key of the wrong case', text: '{"JSONGLE":{"action":"iq-set"}}', code: ErrorCode.NoJsongle },
  { what: 'a jsongle hidden behind a __proto__ key', text: '{"__proto__":{"jsongle":{"action":"iq-set"}}}', code: ErrorCode.NoJsongle },
];

describe('parseFrame', () => {
  for (const row of refused) {
    it(`answers ${row.code} for ${row.what}`, () => {
      expect(parseFrame(frame(row.text), false)).to.equal(row.code);
    });
  }

  it('answers 400003 for a binary frame even when its bytes are a valid envelope', () => {
    expect(parseFrame(frame('{"jsongle":{"action":"iq-set"}}'), true)).to.equal(ErrorCode.NotJsonObject);
  });

  it('answers 400003 for a binary frame of arbitrary bytes', () => {
    expect(parseFrame(bytesFrame([0, 1, 2, 255, 254]), true)).to.equal(ErrorCode.NotJsonObject);
  });

  it('returns the parsed envelope for a minimal valid frame', () => {
    const msg = parseFrame(frame('{"jsongle":{"action":"session-text"}}'), false);
    expect(msg).to.deep.equal({ jsongle: { action: 'session-text' } });
  });

  it('keeps every field of the frame, known or not', () => {
    const text = '{"id":"m1","from":"x","to":"r1","extra":[1,2],"jsongle":{"action":"session-custom","sid":"s","x":{"y":null}}}';
    expect(parseFrame(frame(text), false)).to.deep.equal(JSON.parse(text));
  });

  it('accepts an envelope whose jsongle has no action (the action check comes later)', () => {
    expect(parseFrame(frame('{"jsongle":{}}'), false)).to.deep.equal({ jsongle: {} });
  });

  it('accepts surrounding whitespace', () => {
    expect(parseFrame(frame(' \n\t{"jsongle":{"action":"a"}}\r\n '), false)).to.deep.equal({ jsongle: { action: 'a' } });
  });

  it('keeps a __proto__ key as an own property and pollutes no prototype', () => {
    const msg = parseFrame(frame('{"__proto__":{"polluted":true},"jsongle":{"action":"a","__proto__":{"polluted":true}}}'), false);
    expect(msg).to.not.be.a('number');
    const env = msg as Exclude<typeof msg, number>;
    expect(Object.hasOwn(env, '__proto__')).to.equal(true);
    expect(Object.getPrototypeOf(env)).to.equal(Object.prototype);
    expect(Object.getPrototypeOf(env.jsongle)).to.equal(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('decodes multi-byte UTF-8 text', () => {
    const msg = parseFrame(frame('{"jsongle":{"action":"session-text","description":{"text":"héllo 👋 日本"}}}'), false);
    expect((msg as { jsongle: { description: { text: string } } }).jsongle.description.text).to.equal('héllo 👋 日本');
  });

  it('replaces invalid UTF-8 bytes inside a string with U+FFFD instead of refusing the frame', () => {
    const prefix = [...encoder.encode('{"jsongle":{"action":"')];
    const suffix = [...encoder.encode('"}}')];
    const msg = parseFrame(bytesFrame([...prefix, 0xff, 0xfe, ...suffix]), false);
    expect((msg as { jsongle: { action: string } }).jsongle.action).to.equal('\uFFFD\uFFFD');
  });

  it('answers 400003 for invalid UTF-8 bytes outside any string', () => {
    expect(parseFrame(bytesFrame([0xff, ...encoder.encode('{"jsongle":{}}')]), false)).to.equal(ErrorCode.NotJsonObject);
  });

  it('accepts a frame holding a 1 MB string without trouble', () => {
    const text = 'x'.repeat(1_000_000);
    const msg = parseFrame(frame(`{"jsongle":{"action":"session-text","description":{"text":"${text}"}}}`), false);
    expect((msg as { jsongle: { description: { text: string } } }).jsongle.description.text).to.have.lengthOf(1_000_000);
  });

  it('does not throw on a deeply nested description', () => {
    const text = `{"jsongle":{"action":"session-text","description":${deepObject(20_000)}}}`;
    expect(() => parseFrame(frame(text), false)).to.not.throw();
  });

  it('never returns a frame that a relay cannot encode again (deep nesting within 64 KiB)', () => {
    // The relay re-encodes what parseFrame returned with one JSON.stringify, which recurses:
    // about 4 200 nested arrays (≈ 8.4 KB) already overflow the stack in Node 20. So a frame
    // under maxPayloadLength must either come back as an error code or be encodable again.
    const text = `{"to":"r1","jsongle":{"action":"session-text","description":{"x":${deepArray(30_000)}}}}`;
    expect(text.length).to.be.below(65_536);
    const msg = parseFrame(frame(text), false);
    if (typeof msg === 'number') {
      expect(msg).to.be.oneOf([ErrorCode.NotJsonObject, ErrorCode.BadParameter]);
    } else {
      expect(() => JSON.stringify(msg)).to.not.throw();
    }
  });
});

describe('checkEnvelope', () => {
  const rows: Array<[string, unknown, number | 'ok']> = [
    ['undefined', undefined, ErrorCode.NotJsonObject],
    ['null', null, ErrorCode.NotJsonObject],
    ['an array', [], ErrorCode.NotJsonObject],
    ['a string', 'x', ErrorCode.NotJsonObject],
    ['a number', 0, ErrorCode.NotJsonObject],
    ['an object without jsongle', { to: 'x' }, ErrorCode.NoJsongle],
    ['an object with jsongle undefined', { jsongle: undefined }, ErrorCode.NoJsongle],
    ['an object with jsongle an array', { jsongle: [] }, ErrorCode.NoJsongle],
    ['an object with a jsongle object', { jsongle: { action: 'x' } }, 'ok'],
    ['a prototype-less object with a jsongle object', Object.assign(Object.create(null), { jsongle: {} }), 'ok'],
  ];
  for (const [what, value, expected] of rows) {
    it(`answers ${expected} for ${what}`, () => {
      const result = checkEnvelope(value);
      if (expected === 'ok') expect(result).to.equal(value);
      else expect(result).to.equal(expected);
    });
  }
});

describe('isPlainObject', () => {
  const rows: Array<[string, unknown, boolean]> = [
    ['{}', {}, true],
    ['a prototype-less object', Object.create(null), true],
    ['[]', [], false],
    ['null', null, false],
    ['undefined', undefined, false],
    ['a string', 'x', false],
    ['a number', 1, false],
  ];
  for (const [what, value, expected] of rows) {
    it(`says ${expected} for ${what}`, () => {
      expect(isPlainObject(value)).to.equal(expected);
    });
  }
});

describe('isValidRoomId', () => {
  const serverId = 'jsongle-server';
  const rows: Array<[string, unknown, boolean]> = [
    ['a short string', 'r1', true],
    ['a one-character string', 'r', true],
    ['256 characters', 'r'.repeat(256), true],
    ['257 characters', 'r'.repeat(257), false],
    ['an empty string', '', false],
    ['the server id', serverId, false],
    ['the server id in another case', 'JSONGLE-SERVER', true],
    ['__proto__', '__proto__', true],
    ['constructor', 'constructor', true],
    ['a string with slashes', 'a/b/c', true],
    ['a number', 12, false],
    ['null', null, false],
    ['undefined', undefined, false],
    ['an object', { rid: 'r1' }, false],
    ['an array', ['r1'], false],
  ];
  for (const [what, rid, expected] of rows) {
    it(`says ${expected} for ${what}`, () => {
      expect(isValidRoomId(rid, serverId)).to.equal(expected);
    });
  }
});
