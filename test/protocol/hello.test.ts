/**
 * The hello answer's rules (helloProblem).
 * helloProblem names the parameter the 400001 answer reports, or null when the hello is valid.
 */
import { expect } from 'chai';
import { helloProblem } from '../../src/protocol/hello.js';
import type { Envelope } from '../../src/protocol/types.js';

const T = 'f0b2c1de-0000-4000-8000-000000000001';

function hello(jsongle: Record<string, unknown>): Envelope {
  return JSON.parse(JSON.stringify({ to: 'jsongle-server', jsongle: { action: 'iq-result', query: 'session-hello', ...jsongle } })) as Envelope;
}

describe('helloProblem', () => {
  const rows: Array<[string, Record<string, unknown>, string | null]> = [
    ['a uid and the right transaction', { transaction: T, description: { uid: 'alice' } }, null],
    ['a uid, a dn and the right transaction', { transaction: T, description: { uid: 'alice', dn: 'Alice' } }, null],
    ['an empty dn', { transaction: T, description: { uid: 'alice', dn: '' } }, null],
    ['extra description fields', { transaction: T, description: { uid: 'alice', avatar: 'x', admin: true } }, null],
    ['a uid of one character', { transaction: T, description: { uid: 'a' } }, null],
    ['a uid named __proto__', { transaction: T, description: { uid: '__proto__' } }, null],
    ['no transaction', { description: { uid: 'alice' } }, 'transaction'],
    ['another transaction', { transaction: 'other', description: { uid: 'alice' } }, 'transaction'],
    ['the transaction in another case', { transaction: T.toUpperCase(), description: { uid: 'alice' } }, 'transaction'],
    ['a numeric transaction', { transaction: 1, description: { uid: 'alice' } }, 'transaction'],
    ['a wrong transaction and no uid (transaction is checked first)', { transaction: 'other', description: {} }, 'transaction'],
    ['no description', { transaction: T }, 'uid'],
    ['a string description', { transaction: T, description: 'alice' }, 'uid'],
    ['an array description', { transaction: T, description: [{ uid: 'alice' }] }, 'uid'],
    ['a null description', { transaction: T, description: null }, 'uid'],
    ['no uid', { transaction: T, description: { dn: 'Alice' } }, 'uid'],
    ['an empty uid', { transaction: T, description: { uid: '' } }, 'uid'],
    ['a numeric uid', { transaction: T, description: { uid: 42 } }, 'uid'],
    ['a null uid', { transaction: T, description: { uid: null } }, 'uid'],
    ['an object uid', { transaction: T, description: { uid: { id: 'alice' } } }, 'uid'],
    ['a numeric dn', { transaction: T, description: { uid: 'alice', dn: 7 } }, 'dn'],
    ['a null dn', { transaction: T, description: { uid: 'alice', dn: null } }, 'dn'],
    ['an object dn', { transaction: T, description: { uid: 'alice', dn: {} } }, 'dn'],
    ['a bad uid and a bad dn (uid is checked first)', { transaction: T, description: { uid: 1, dn: 1 } }, 'uid'],
  ];
  for (const [what, jsongle, expected] of rows) {
    it(`says ${JSON.stringify(expected)} for a hello answer with ${what}`, () => {
      expect(helloProblem(hello(jsongle), T)).to.equal(expected);
    });
  }

  it('finds no uid hidden behind a __proto__ key', () => {
    const msg = JSON.parse(`{"jsongle":{"action":"iq-result","query":"session-hello","transaction":"${T}","description":{"__proto__":{"uid":"alice"}}}}`) as Envelope;
    expect(helloProblem(msg, T)).to.equal('uid');
  });
});

