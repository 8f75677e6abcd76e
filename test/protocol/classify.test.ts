/**
 * classify as a table: a parsed envelope → the one event the connection actor gets. These are the
 * state-independent checks of the spec's order (action known → the action's parameters); the
 * hello, membership and room-state checks belong to the actor and are tested with the machine.
 */
import { expect } from 'chai';
import { classify } from '../../src/protocol/classify.js';
import { CALL_ACTIONS, MESSAGE_ACTIONS } from '../../src/protocol/actions.js';
import { ErrorCode } from '../../src/protocol/codes.js';
import type { Envelope } from '../../src/protocol/types.js';

/** What a row expects of the event: its type and, when present, code, param and kind. */
interface Expected {
  type: string;
  code?: number;
  param?: string;
  kind?: 'room' | 'muc';
}

function env(jsongle: Record<string, unknown>, extra: Record<string, unknown> = {}): Envelope {
  // Round-trip through JSON so the envelope is exactly what parseFrame would hand over.
  return JSON.parse(JSON.stringify({ id: 'm1', from: 'whoever', ...extra, jsongle })) as Envelope;
}

function summary(event: ReturnType<typeof classify>): Expected {
  const out: Expected = { type: event.type };
  if ('code' in event) out.code = event.code;
  if ('param' in event) out.param = event.param;
  if ('kind' in event) out.kind = event.kind;
  return out;
}

const invalid = (code: number, param: string): Expected => ({ type: 'client.invalid', code, param });
const toRoom = { to: 'r1' };

const rows: Array<[string, Envelope, Expected]> = [
  // Action known (405001)
  ['a jsongle without action', env({}), invalid(ErrorCode.ActionNotSupported, 'undefined')],
  ['an action that is a number', env({ action: 7 }), invalid(ErrorCode.ActionNotSupported, '7')],
  ['an action that is null', env({ action: null }), invalid(ErrorCode.ActionNotSupported, 'null')],
  ['an unknown action', env({ action: 'session-dance' }, toRoom), invalid(ErrorCode.ActionNotSupported, 'session-dance')],
  ['an action in the wrong case', env({ action: 'SESSION-TEXT' }, toRoom), invalid(ErrorCode.ActionNotSupported, 'SESSION-TEXT')],
  ['a client-sent iq-get', env({ action: 'iq-get', query: 'session-hello' }), invalid(ErrorCode.ActionNotSupported, 'iq-get')],
  ['a client-sent ack', env({ action: 'ack', status: 'success' }), invalid(ErrorCode.ActionNotSupported, 'ack')],
  ['a client-sent iq-error', env({ action: 'iq-error' }), invalid(ErrorCode.ActionNotSupported, 'iq-error')],
  ['a client-sent session-error', env({ action: 'session-error' }), invalid(ErrorCode.ActionNotSupported, 'session-error')],
  ['an action named __proto__', env({ action: '__proto__' }, toRoom), invalid(ErrorCode.ActionNotSupported, '__proto__')],
  ['an action named constructor', env({ action: 'constructor' }, toRoom), invalid(ErrorCode.ActionNotSupported, 'constructor')],
  ['an iq-result with a query other than session-hello', env({ action: 'iq-result', query: 'session-join' }), invalid(ErrorCode.ActionNotSupported, 'iq-result')],
  ['an iq-result without query', env({ action: 'iq-result', transaction: 't' }), invalid(ErrorCode.ActionNotSupported, 'iq-result')],

  // Hello
  ['the hello answer', env({ action: 'iq-result', query: 'session-hello', transaction: 't', description: { uid: 'u' } }), { type: 'client.hello' }],
  ['a hello answer without description (judged by the actor)', env({ action: 'iq-result', query: 'session-hello' }), { type: 'client.hello' }],
  ['a hello answer with a string description (judged by the actor)', env({ action: 'iq-result', query: 'session-hello', description: 'u' }), { type: 'client.hello' }],

  // iq-set
  ['an iq-set without query', env({ action: 'iq-set', transaction: 't' }), invalid(ErrorCode.BadParameter, 'query')],
  ['an iq-set with an empty query', env({ action: 'iq-set', query: '' }), invalid(ErrorCode.BadParameter, 'query')],
  ['an iq-set with a numeric query', env({ action: 'iq-set', query: 1 }), invalid(ErrorCode.BadParameter, 'query')],
  ['an iq-set with an array query', env({ action: 'iq-set', query: ['session-join'] }), invalid(ErrorCode.BadParameter, 'query')],
  ['a session-join', env({ action: 'iq-set', query: 'session-join', transaction: 't', description: { rid: 'r1' } }), { type: 'client.join', kind: 'room' }],
  ['a muc-join', env({ action: 'iq-set', query: 'muc-join', transaction: 't', description: { rid: 'r1' } }), { type: 'client.join', kind: 'muc' }],
  ['a session-join without description (rid judged later)', env({ action: 'iq-set', query: 'session-join' }), { type: 'client.join', kind: 'room' }],
  ['a session-join with a string description', env({ action: 'iq-set', query: 'session-join', description: 'r1' }), invalid(ErrorCode.BadParameter, 'description')],
  ['a muc-join with an array description', env({ action: 'iq-set', query: 'muc-join', description: [{ rid: 'r1' }] }), invalid(ErrorCode.BadParameter, 'description')],
  ['a session-join with a null description', env({ action: 'iq-set', query: 'session-join', description: null }), invalid(ErrorCode.BadParameter, 'description')],
  ['a session-leave', env({ action: 'iq-set', query: 'session-leave', description: { rid: 'r1' } }), { type: 'client.leave' }],
  ['a muc-leave', env({ action: 'iq-set', query: 'muc-leave', description: { rid: 'r1' } }), { type: 'client.leave' }],
  ['an unknown iq-set query', env({ action: 'iq-set', query: 'session-dance', description: {} }), { type: 'client.unknownQuery' }],
  ['an unknown iq-set query named __proto__', env({ action: 'iq-set', query: '__proto__' }), { type: 'client.unknownQuery' }],
  ['a hello sent as iq-set', env({ action: 'iq-set', query: 'session-hello' }), { type: 'client.unknownQuery' }],
  ['an unknown iq-set query with an array description', env({ action: 'iq-set', query: 'x', description: [] }), invalid(ErrorCode.BadParameter, 'description')],
  ['an iq-set whose to is not the server (the action decides)', env({ action: 'iq-set', query: 'session-join', description: { rid: 'r1' } }, { to: 'r1' }), { type: 'client.join', kind: 'room' }],

  // session-metrics
  ['a session-metrics', env({ action: 'session-metrics', description: { duration: 12 } }), { type: 'client.metrics' }],
  ['a session-metrics without description', env({ action: 'session-metrics' }), { type: 'client.metrics' }],
  ['a session-metrics sent to a room (consumed anyway)', env({ action: 'session-metrics', description: {} }, toRoom), { type: 'client.metrics' }],
  ['a session-metrics with a string description', env({ action: 'session-metrics', description: 'x' }), invalid(ErrorCode.BadParameter, 'description')],
  ['a session-metrics with an array description', env({ action: 'session-metrics', description: [] }), invalid(ErrorCode.BadParameter, 'description')],

  // Relay parameters
  ['a relay without to', env({ action: 'session-text', description: {} }), invalid(ErrorCode.BadParameter, 'to')],
  ['a relay with a numeric to', env({ action: 'session-propose' }, { to: 5 }), invalid(ErrorCode.BadParameter, 'to')],
  ['a relay with a null to', env({ action: 'session-info' }, { to: null }), invalid(ErrorCode.BadParameter, 'to')],
  ['a relay with an array to', env({ action: 'session-info' }, { to: ['r1'] }), invalid(ErrorCode.BadParameter, 'to')],
  ['a relay with a string description', env({ action: 'session-text', description: 'hi' }, toRoom), invalid(ErrorCode.BadParameter, 'description')],
  ['a relay with an array description', env({ action: 'session-custom', description: ['hi'] }, toRoom), invalid(ErrorCode.BadParameter, 'description')],
  ['a relay with a null description', env({ action: 'transport-info', description: null }, toRoom), invalid(ErrorCode.BadParameter, 'description')],
  ['a relay with a numeric description', env({ action: 'session-accept', description: 3 }, toRoom), invalid(ErrorCode.BadParameter, 'description')],
  ['a relay without to and with a string description (to is checked first)', env({ action: 'session-text', description: 'x' }), invalid(ErrorCode.BadParameter, 'to')],
  ['a relay to the server id (membership judged by the actor)', env({ action: 'session-text' }, { to: 'jsongle-server' }), { type: 'client.message' }],
  ['a relay to an empty room id (membership judged by the actor)', env({ action: 'session-text' }, { to: '' }), { type: 'client.message' }],
  ['a relay to a room named __proto__', env({ action: 'session-text' }, { to: '__proto__' }), { type: 'client.message' }],
];

/** The relay event each action becomes: the chart routes each on its own rows. */
const relayType = (action: string) =>
  action === 'session-propose' ? 'client.propose'
    : action === 'session-text' || action === 'session-custom' ? 'client.message'
      : action === 'session-event' ? 'client.roomEvent' : 'client.callAction';
for (const action of CALL_ACTIONS) rows.push([`a ${action} to a room`, env({ action, sid: 's1', description: {} }, toRoom), { type: relayType(action) }]);
for (const action of MESSAGE_ACTIONS) rows.push([`a ${action} to a room`, env({ action, description: {} }, toRoom), { type: relayType(action) }]);

describe('classify', () => {
  for (const [what, msg, expected] of rows) {
    it(`makes ${JSON.stringify(expected)} of ${what}`, () => {
      expect(summary(classify(msg, () => undefined))).to.deep.equal(expected);
    });
  }

  it('hands the envelope itself to the actor', () => {
    const msg = env({ action: 'session-text', description: { body: 'x' } }, toRoom);
    expect(classify(msg, () => undefined)).to.have.property('msg', msg);
  });

  it('knows exactly the twelve relayed actions of the spec', () => {
    expect([...CALL_ACTIONS].sort()).to.deep.equal([
      'session-accept', 'session-decline', 'session-info', 'session-initiate', 'session-proceed',
      'session-propose', 'session-retract', 'session-terminate', 'transport-info',
    ]);
    expect([...MESSAGE_ACTIONS].sort()).to.deep.equal(['session-custom', 'session-event', 'session-text']);
  });

  it('adds an empty description to a relay that has none, so it can be stamped', () => {
    const msg = env({ action: 'session-propose', sid: 's1' }, toRoom);
    expect(classify(msg, () => undefined).type).to.equal('client.propose');
    expect(msg.jsongle.description).to.deep.equal({});
  });

  it('leaves an existing relay description as it was', () => {
    const msg = env({ action: 'session-text', description: { sent: 'then', body: 'x' } }, toRoom);
    classify(msg, () => undefined);
    expect(msg.jsongle.description).to.deep.equal({ sent: 'then', body: 'x' });
  });

  it('does not add a description to an iq-set or a session-metrics that has none', () => {
    const join = env({ action: 'iq-set', query: 'session-join' });
    const metrics = env({ action: 'session-metrics' });
    classify(join, () => undefined);
    classify(metrics, () => undefined);
    expect(join.jsongle).to.not.have.property('description');
    expect(metrics.jsongle).to.not.have.property('description');
  });

  it('does not add a description to a relay it refuses', () => {
    const msg = env({ action: 'session-text' });
    classify(msg, () => undefined);
    expect(msg.jsongle).to.not.have.property('description');
  });

  it('treats __proto__ keys in the envelope as plain data', () => {
    const msg = JSON.parse('{"to":"r1","__proto__":{"to":"x"},"jsongle":{"action":"session-text","__proto__":{"action":"iq-set"}}}') as Envelope;
    expect(summary(classify(msg, () => undefined))).to.deep.equal({ type: 'client.message' });
    expect(({} as Record<string, unknown>).action).to.equal(undefined);
  });

  it('keeps a huge text intact', () => {
    const body = 'y'.repeat(2_000_000);
    const msg = env({ action: 'session-text', description: { body } }, toRoom);
    expect(classify(msg, () => undefined).type).to.equal('client.message');
    expect((msg.jsongle.description as { body: string }).body).to.have.lengthOf(2_000_000);
  });

  it('looks the relay\'s room up once, by its `to`, and hands it to the actor', () => {
    const room = { rid: 'r1', kind: 'room' as const, members: { size: 2 }, beyondReach: false };
    const asked: string[] = [];
    const ev = classify(env({ action: 'transport-info', description: {} }, toRoom), (rid) => {
      asked.push(rid);
      return room;
    });
    expect(asked).to.deep.equal([toRoom.to]);
    expect(ev).to.include({ type: 'client.callAction', room });
  });

  it('classifies a huge unknown action name without trouble', () => {
    const action = 'z'.repeat(1_000_000);
    expect(summary(classify(env({ action }, toRoom), () => undefined))).to.deep.equal(invalid(ErrorCode.ActionNotSupported, action));
  });

  it('classifies a deeply nested description without recursing into it', () => {
    const depth = 50_000;
    const description = JSON.parse('{"a":'.repeat(depth) + '1' + '}'.repeat(depth)) as Record<string, unknown>;
    const msg = { to: 'r1', jsongle: { action: 'session-text', description } } as Envelope;
    expect(summary(classify(msg, () => undefined))).to.deep.equal({ type: 'client.message' });
  });

  // Every value JSON can put in `action`, including objects whose own keys shadow the methods that
  // String() calls: classify must answer 405001 for each, never throw.
  const oddActions: Array<[string, string]> = [
    ['an object', '{}'],
    ['an array', '[1,2]'],
    ['a boolean', 'true'],
    ['an object with a toString key', '{"toString":1}'],
    ['an object with toString and valueOf keys', '{"toString":"a","valueOf":"b"}'],
    ['an object whose toString and valueOf are an array and an object', '{"toString":[],"valueOf":{}}'],
  ];
  for (const [what, json] of oddActions) {
    it(`answers 405001 without throwing for an action that is ${what}`, () => {
      const msg = JSON.parse(`{"to":"r1","jsongle":{"action":${json}}}`) as Envelope;
      let event: ReturnType<typeof classify> | undefined;
      expect(() => { event = classify(msg, () => undefined); }).to.not.throw();
      expect(event?.type).to.equal('client.invalid');
      expect((event as { code: number }).code).to.equal(ErrorCode.ActionNotSupported);
      expect((event as { param: unknown }).param).to.be.a('string');
    });
  }
});
