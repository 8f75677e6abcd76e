/** The two pure helpers of the router: bearer-token matching and the CORS origin decision. */
import { expect } from 'chai';
import { bearerMatches } from '../../src/http/auth.js';
import { allowedOrigin } from '../../src/http/cors.js';

describe('bearerMatches', () => {
  const rows: [string, string, boolean][] = [
    ['Bearer tok', 'tok', true],
    ['bearer tok', 'tok', true],
    ['Bearer  tok ', 'tok', true],
    ['Bearer tok2', 'tok', false],
    ['Bearer to', 'tok', false],
    ['tok', 'tok', false],
    ['Basic tok', 'tok', false],
    ['', 'tok', false],
    ['Bearer ', '', false],
  ];
  for (const [header, token, expected] of rows) {
    it(`${expected ? 'accepts' : 'refuses'} "${header}" for token "${token}"`, () => {
      expect(bearerMatches(header, token)).to.equal(expected);
    });
  }
});

describe('allowedOrigin', () => {
  const rows: [string, string, string | null][] = [
    ['', 'https://a.example', '*'],
    ['*', '', '*'],
    ['https://a.example', 'https://a.example', 'https://a.example'],
    ['https://a.example,https://b.example', 'https://b.example', 'https://b.example'],
    [' https://a.example , https://b.example ', 'https://b.example', 'https://b.example'],
    ['https://a.example', 'https://b.example', null],
    ['https://a.example', '', null],
    ['https://a.example', 'https://a.example.evil', null],
  ];
  for (const [policy, origin, expected] of rows) {
    it(`answers ${JSON.stringify(expected)} for origin "${origin}" under policy "${policy}"`, () => {
      expect(allowedOrigin(policy, origin)).to.equal(expected);
    });
  }
});
