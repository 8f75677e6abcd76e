/**
 * The code tables and docs/protocol.md must agree both ways (fastify's errors.test.js idea): a code
 * added in src without a documented meaning, or a documented code the server can no longer send,
 * fails here rather than in a client's bug report.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloseCode, ERROR_TEXT, ErrorCode, badParameter, errorText } from '../../src/protocol/codes.js';

// Compiled to dist/test/protocol/: the repository root is three levels up.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DOC = readFileSync(resolve(ROOT, 'docs/protocol.md'), 'utf8');

/** First cells of markdown table rows that hold exactly `digits` digits, in document order. */
function tableCodes(digits: number): number[] {
  const row = new RegExp(`^\\|\\s*(\\d{${digits}})\\s*\\|`, 'gm');
  return [...DOC.matchAll(row)].map((m) => Number(m[1]));
}

const errorCodes = Object.values(ErrorCode) as number[];
const closeCodes = Object.values(CloseCode) as number[];

describe('error codes and docs/protocol.md', () => {
  const documented = tableCodes(6);

  it('documents every ErrorCode in the error table', () => {
    const missing = errorCodes.filter((c) => !documented.includes(c));
    expect(missing, 'codes missing from the docs table').to.deep.equal([]);
  });

  it('documents only codes that exist in ErrorCode', () => {
    const unknown = documented.filter((c) => !errorCodes.includes(c));
    expect(unknown, 'documented codes absent from ErrorCode').to.deep.equal([]);
  });

  it('has exactly one table row per error code', () => {
    expect(documented).to.have.lengthOf(new Set(documented).size);
    expect(documented).to.have.lengthOf(errorCodes.length);
  });

  it('gives every error code a row whose meaning is not empty', () => {
    for (const code of errorCodes) {
      const line = DOC.split('\n').find((l) => l.startsWith(`| ${code} |`));
      expect(line, `row of ${code}`).to.be.a('string');
      const cells = line!.split('|').slice(2, -1).map((c) => c.trim());
      expect(cells.some((c) => c.length > 0), `meaning of ${code}`).to.equal(true);
    }
  });
});

describe('close codes and docs/protocol.md', () => {
  const documented = tableCodes(4);

  it('documents every CloseCode value in the close-code table', () => {
    const missing = closeCodes.filter((c) => !documented.includes(c));
    expect(missing, 'close codes missing from the docs').to.deep.equal([]);
  });

  it('documents only close codes that exist in CloseCode', () => {
    const unknown = documented.filter((c) => !closeCodes.includes(c));
    expect(unknown, 'documented close codes absent from CloseCode').to.deep.equal([]);
  });
});

describe('ERROR_TEXT', () => {
  it('has an entry for every ErrorCode and for nothing else', () => {
    expect(Object.keys(ERROR_TEXT).map(Number).sort()).to.deep.equal([...errorCodes].sort());
  });

  for (const code of errorCodes) {
    it(`gives ${code} a non-empty errorDetails text`, () => {
      const text = ERROR_TEXT[code as ErrorCode];
      expect(text).to.be.a('string');
      expect(text.trim()).to.not.equal('');
      // Filled with an argument, as the builders always do, the answer says something.
      expect(errorText(code as ErrorCode, 'r1').trim()).to.not.equal('');
    });
  }

  it('fills the %s placeholder with the argument', () => {
    expect(errorText(ErrorCode.BadParameter, 'uid')).to.equal("Missing 'uid' parameter");
    expect(errorText(ErrorCode.QueryNotSupported, 'x-query')).to.equal("The query 'x-query' is not supported");
    expect(errorText(ErrorCode.NotInRoom, 'Not member of room r1')).to.equal('Not member of room r1');
  });

  // Word for word what JSONgle-Server 2.x answered (modules/sig/*.js, modules/helpers/jsongle.js).
  it('keeps the original server\'s texts for every code the original answered', () => {
    expect(errorText(ErrorCode.BadParameter, 'uid')).to.equal("Missing 'uid' parameter");
    expect(errorText(ErrorCode.BadParameter, 'rid')).to.equal("Missing 'rid' parameter");
    expect(errorText(ErrorCode.NoJsongle)).to.equal("Missing property 'jsongle' in message");
    expect(errorText(ErrorCode.RoomFull, 'room')).to.equal('Max number of members per room already reached');
    expect(errorText(ErrorCode.RoomFull, 'multi room')).to.equal('Max number of members per multi room already reached');
    expect(errorText(ErrorCode.HelloRequired)).to.equal('session-hello message was not received or was not complete');
    expect(errorText(ErrorCode.QueryNotSupported, 'x')).to.equal("The query 'x' is not supported");
    expect(errorText(ErrorCode.NotInRoom, "Can't call - not in room r1")).to.equal("Can't call - not in room r1");
    expect(errorText(ErrorCode.NoOtherMember, 'r1')).to.equal("Can't transmit message - no other member in room r1");
    expect(errorText(ErrorCode.ActionNotSupported, 'session-foo')).to.equal('Message of type session-foo is not supported');
  });

  it('says which rule a present but unacceptable parameter breaks (badParameter)', () => {
    expect(errorText(ErrorCode.BadParameter, badParameter('uid', 'must be at most 128 characters')))
      .to.equal("Invalid 'uid' parameter: must be at most 128 characters");
    expect(errorText(ErrorCode.BadParameter, badParameter('description', 'nested too deeply')))
      .to.equal("Invalid 'description' parameter: nested too deeply");
  });

  it('gives a rule-shaped argument of another code no special meaning', () => {
    expect(errorText(ErrorCode.QueryNotSupported, 'a (b)')).to.equal("The query 'a (b)' is not supported");
  });

  it('inserts a replacement pattern in the argument literally', () => {
    // String.replace with a string pattern still expands `$&` in the replacement: client text must not.
    expect(errorText(ErrorCode.QueryNotSupported, "$&$'")).to.equal("The query '$&$'' is not supported");
  });
});
