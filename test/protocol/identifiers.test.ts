/**
 * protocol.md § Profile and identifier limits, as tables: identifierRule (lengths, control
 * characters, '/'), then the hello (helloProblem) and room id (roomIdProblem) checks built on it,
 * with the default limits and with limits a config would give.
 */
import { expect } from 'chai';
import { errorText, ErrorCode } from '../../src/protocol/codes.js';
import { helloProblem } from '../../src/protocol/hello.js';
import { DEFAULT_IDENTIFIER_LIMITS, identifierRule } from '../../src/protocol/identifiers.js';
import { isValidRoomId, roomIdProblem } from '../../src/protocol/parse.js';
import type { Envelope } from '../../src/protocol/types.js';

const T = 'f0b2c1de-0000-4000-8000-000000000002';
const SERVER = 'jsongle-server';

function hello(description: Record<string, unknown>): Envelope {
  return { to: SERVER, jsongle: { action: 'iq-result', query: 'session-hello', transaction: T, description } };
}

/** What the client reads in errorDetails for a problem (null: no error). */
const details = (problem: string | null): string | null => (problem === null ? null : errorText(ErrorCode.BadParameter, problem));

describe('identifierRule', () => {
  const rows: Array<[string, string, number, boolean, string | null]> = [
    ['a plain name', 'alice', 10, false, null],
    ['exactly the maximum length', 'a'.repeat(10), 10, false, null],
    ['one past the maximum length', 'a'.repeat(11), 10, false, 'must be at most 10 characters'],
    ['an emoji (2 code units) at the limit', 'abcdefgh😀', 10, false, null],
    ['an emoji (2 code units) past the limit', 'abcdefghi😀', 10, false, 'must be at most 10 characters'],
    ['accents and CJK', 'Zoë 張偉', 10, false, null],
    ['a space and punctuation', 'Jon Doe (ops)', 20, false, null],
    ['a newline', 'a\nb', 10, false, 'must not contain control characters'],
    ['a NUL', 'a\u0000b', 10, false, 'must not contain control characters'],
    ['an ESC (terminal escape)', '\u001b[31mred', 20, false, 'must not contain control characters'],
    ['DEL', 'a\u007f', 10, false, 'must not contain control characters'],
    ['a C1 control', 'a\u0085', 10, false, 'must not contain control characters'],
    ['a lone high surrogate', 'a\ud83d', 10, false, 'must not contain control characters'],
    ['a lone low surrogate', '\ude00a', 10, false, 'must not contain control characters'],
    ['a slash where none is allowed', 'org/alice', 20, false, "must not contain '/'"],
    ['a slash where one is allowed', 'org/room', 20, true, null],
    ['the length checked before the characters', 'a\n'.repeat(10), 10, false, 'must be at most 10 characters'],
  ];
  for (const [what, value, max, slash, expected] of rows) {
    it(`says ${JSON.stringify(expected)} for ${what}`, () => {
      expect(identifierRule(value, max, slash)).to.equal(expected);
    });
  }
});

describe('helloProblem with the identifier limits', () => {
  const rows: Array<[string, Record<string, unknown>, string | null]> = [
    ['a uid of 128 characters', { uid: 'u'.repeat(128) }, null],
    ['a uid of 129 characters', { uid: 'u'.repeat(129) }, "Invalid 'uid' parameter: must be at most 128 characters"],
    ['a uid of 60 000 characters', { uid: 'u'.repeat(60_000) }, "Invalid 'uid' parameter: must be at most 128 characters"],
    ['a uid with a slash', { uid: 'team/alice' }, "Invalid 'uid' parameter: must not contain '/'"],
    ['a uid with a newline', { uid: 'alice\n' }, "Invalid 'uid' parameter: must not contain control characters"],
    ['a dn of 256 characters', { uid: 'alice', dn: 'd'.repeat(256) }, null],
    ['a dn of 257 characters', { uid: 'alice', dn: 'd'.repeat(257) }, "Invalid 'dn' parameter: must be at most 256 characters"],
    ['a dn of 60 000 characters', { uid: 'alice', dn: 'd'.repeat(60_000) }, "Invalid 'dn' parameter: must be at most 256 characters"],
    ['a dn with a slash', { uid: 'alice', dn: 'Alice / Ops' }, null],
    ['a dn with a tab', { uid: 'alice', dn: 'Alice\tOps' }, "Invalid 'dn' parameter: must not contain control characters"],
    ['an empty dn', { uid: 'alice', dn: '' }, null],
    ['a missing uid', { dn: 'Alice' }, "Missing 'uid' parameter"],
    ['a numeric uid', { uid: 7 }, "Missing 'uid' parameter"],
    ['a numeric dn', { uid: 'alice', dn: 7 }, "Missing 'dn' parameter"],
    ['a bad uid and a bad dn (uid first)', { uid: 'a/b', dn: 'x'.repeat(300) }, "Invalid 'uid' parameter: must not contain '/'"],
  ];
  for (const [what, description, expected] of rows) {
    it(`answers ${JSON.stringify(expected)} for ${what}`, () => {
      expect(details(helloProblem(hello(description), T))).to.equal(expected);
    });
  }

  it('uses the limits it is given (config limits.*) instead of the defaults', () => {
    const limits = { uidMaxLength: 4, dnMaxLength: 3, ridMaxLength: 256 };
    expect(helloProblem(hello({ uid: 'abcd', dn: 'abc' }), T, limits)).to.equal(null);
    expect(details(helloProblem(hello({ uid: 'abcde' }), T, limits))).to.equal("Invalid 'uid' parameter: must be at most 4 characters");
    expect(details(helloProblem(hello({ uid: 'a', dn: 'abcd' }), T, limits))).to.equal("Invalid 'dn' parameter: must be at most 3 characters");
  });

  it('has the documented defaults', () => {
    expect(DEFAULT_IDENTIFIER_LIMITS).to.deep.equal({ uidMaxLength: 128, dnMaxLength: 256, ridMaxLength: 256 });
  });
});

describe('roomIdProblem', () => {
  const rows: Array<[string, unknown, string | null]> = [
    ['a short rid', 'r1', null],
    ['a rid with slashes (allowed: a MUC from splits at the last one)', 'org/team/room', null],
    ['a rid of 256 characters', 'r'.repeat(256), null],
    ['a rid of 257 characters', 'r'.repeat(257), "Invalid 'rid' parameter: must be at most 256 characters"],
    ['a rid with a NUL', 'r\u0000', "Invalid 'rid' parameter: must not contain control characters"],
    ['a rid with a newline', 'room\n', "Invalid 'rid' parameter: must not contain control characters"],
    ['the server id', SERVER, "Invalid 'rid' parameter: must not be the server id"],
    ['no rid', undefined, "Missing 'rid' parameter"],
    ['an empty rid', '', "Missing 'rid' parameter"],
    ['a numeric rid', 12, "Missing 'rid' parameter"],
  ];
  for (const [what, rid, expected] of rows) {
    it(`answers ${JSON.stringify(expected)} for ${what}`, () => {
      expect(details(roomIdProblem(rid, SERVER))).to.equal(expected);
      expect(isValidRoomId(rid, SERVER)).to.equal(expected === null);
    });
  }

  it('uses the ridMaxLength it is given', () => {
    const limits = { uidMaxLength: 128, dnMaxLength: 256, ridMaxLength: 8 };
    expect(roomIdProblem('r'.repeat(8), SERVER, limits)).to.equal(null);
    expect(details(roomIdProblem('r'.repeat(9), SERVER, limits))).to.equal("Invalid 'rid' parameter: must be at most 8 characters");
  });
});
