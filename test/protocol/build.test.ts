/**
 * MessageBuilder: the only code that stamps id/from/to and dates on server-made messages.
 * Each builder returns encoded JSON, so every test decodes it and checks the exact shape.
 */
import { expect } from 'chai';
import { MessageBuilder } from '../../src/protocol/build.js';
import { ErrorCode } from '../../src/protocol/codes.js';
import type { Jsongle } from '../../src/protocol/types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SERVER = { id: 'test-server', version: '3.1.4', info: 'a test server' };
const TO = 'c0ffee00-0000-4000-8000-000000000001';

interface Decoded {
  id: string;
  from: string;
  to: string;
  jsongle: Record<string, unknown> & { description: Record<string, unknown> };
}

function decode(text: string): Decoded {
  return JSON.parse(text) as Decoded;
}

/** An ISO-8601 date as new Date().toJSON() writes it, and not in the future. */
function expectIsoDate(value: unknown): void {
  expect(value).to.be.a('string');
  expect(value).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  expect(new Date(value as string).toJSON()).to.equal(value);
  expect(Date.parse(value as string)).to.be.at.most(Date.now());
}

describe('MessageBuilder', () => {
  const build = new MessageBuilder(SERVER);

  const everyBuilder: Array<[string, () => string]> = [
    ['helloRequest', () => build.helloRequest(TO, 't1')],
    ['ack', () => build.ack(TO, 't1', 'success')],
    ['sessionError', () => build.sessionError(TO, ErrorCode.NoJsongle)],
    ['iqError', () => build.iqError(TO, 'session-join', 't1', ErrorCode.RoomFull, 'room')],
    ['iqResult', () => build.iqResult(TO, 'session-join', 't1', { rid: 'r1', members: [] })],
    ['memberEvent', () => build.memberEvent(TO, 'room', 'joined', { uid: 'u' }, 'r1')],
    ['callInfo', () => build.callInfo(TO, { action: 'session-propose', sid: 's' }, 'trying')],
    ['messageAck', () => build.messageAck(TO, 'chat', 'm1')],
  ];

  for (const [name, make] of everyBuilder) {
    it(`${name} stamps a fresh UUID id, from = the server id and to = the recipient`, () => {
      const a = decode(make());
      const b = decode(make());
      expect(a.id).to.match(UUID);
      expect(b.id).to.match(UUID);
      expect(a.id).to.not.equal(b.id);
      expect(a.from).to.equal(SERVER.id);
      expect(a.to).to.equal(TO);
      expect(Object.keys(a).sort()).to.deep.equal(['from', 'id', 'jsongle', 'to']);
    });
  }

  it('gives a thousand messages a thousand different ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => decode(build.ack(TO, 't', 'success')).id));
    expect(ids.size).to.equal(1000);
  });

  describe('helloRequest', () => {
    it('is an iq-get session-hello with the transaction and the server description', () => {
      const m = decode(build.helloRequest(TO, 'tx-1'));
      const { description, ...rest } = m.jsongle;
      expect(rest).to.deep.equal({ action: 'iq-get', query: 'session-hello', transaction: 'tx-1' });
      expect(Object.keys(description).sort()).to.deep.equal(['connected', 'info', 'sn', 'version']);
      expect(description.version).to.equal(SERVER.version);
      expect(description.sn).to.equal(SERVER.id);
      expect(description.info).to.equal(SERVER.info);
      expectIsoDate(description.connected);
    });
  });

  describe('ack', () => {
    it('echoes a string transaction with status success', () => {
      expect(decode(build.ack(TO, 'tx-9', 'success')).jsongle).to.deep.equal({ action: 'ack', status: 'success', transaction: 'tx-9' });
    });

    it('echoes a string transaction with status failed', () => {
      expect(decode(build.ack(TO, 'tx-9', 'failed')).jsongle).to.deep.equal({ action: 'ack', status: 'failed', transaction: 'tx-9' });
    });

    it('has no transaction field when the client sent none', () => {
      const j = decode(build.ack(TO, undefined, 'failed')).jsongle;
      expect(j).to.deep.equal({ action: 'ack', status: 'failed' });
      expect(j).to.not.have.property('transaction');
    });

    it('has no transaction field when the client sent one that is not a string', () => {
      for (const t of [42, null, { t: 1 }, ['t']]) {
        expect(decode(build.ack(TO, t, 'failed')).jsongle).to.deep.equal({ action: 'ack', status: 'failed' });
      }
    });
  });

  describe('sessionError', () => {
    it('carries the code and its text', () => {
      expect(decode(build.sessionError(TO, ErrorCode.NotJsonObject)).jsongle).to.deep.equal({
        action: 'session-error',
        description: { errorCode: 400003, errorDetails: 'The message is not a JSON object' },
      });
    });

    it('fills the text with the argument', () => {
      expect(decode(build.sessionError(TO, ErrorCode.BadParameter, 'uid')).jsongle.description)
        .to.deep.equal({ errorCode: 400001, errorDetails: "Missing 'uid' parameter" });
    });

    it('writes the code as a number', () => {
      expect(decode(build.sessionError(TO, ErrorCode.HelloTimeout)).jsongle.description.errorCode).to.be.a('number');
    });
  });

  describe('iqError', () => {
    it('echoes query and transaction and carries the code and its text', () => {
      expect(decode(build.iqError(TO, 'session-join', 'tx-2', ErrorCode.RoomFull, 'room')).jsongle).to.deep.equal({
        action: 'iq-error', query: 'session-join', transaction: 'tx-2',
        description: { errorCode: 403001, errorDetails: 'Max number of members per room already reached' },
      });
    });

    it('echoes a query that is not supported in the text', () => {
      expect(decode(build.iqError(TO, 'x-q', 'tx', ErrorCode.QueryNotSupported, 'x-q')).jsongle.description.errorDetails)
        .to.equal("The query 'x-q' is not supported");
    });

    it('leaves query and transaction out when the request had none', () => {
      const j = decode(build.iqError(TO, undefined, undefined, ErrorCode.BadParameter, 'query')).jsongle;
      expect(j).to.not.have.property('query');
      expect(j).to.not.have.property('transaction');
      expect(j.action).to.equal('iq-error');
    });

    it('echoes a non-string transaction as sent', () => {
      expect(decode(build.iqError(TO, 'session-join', 7, ErrorCode.HelloRequired)).jsongle.transaction).to.equal(7);
    });
  });

  describe('iqResult', () => {
    it('echoes query and transaction with the given description', () => {
      const members = [{ uid: 'a' }, { uid: 'b', dn: 'B' }];
      expect(decode(build.iqResult(TO, 'muc-join', 'tx-3', { members, rid: 'r1' })).jsongle).to.deep.equal({
        action: 'iq-result', query: 'muc-join', transaction: 'tx-3', description: { members, rid: 'r1' },
      });
    });
  });

  describe('memberEvent', () => {
    it('makes a joined session-event with the member profile and the rid', () => {
      expect(decode(build.memberEvent(TO, 'room', 'joined', { uid: 'u', dn: 'U' }, 'r1')).jsongle).to.deep.equal({
        action: 'session-event', namespace: 'room', event: 'joined', description: { member: { uid: 'u', dn: 'U' }, rid: 'r1' },
      });
    });

    it('makes a left session-event in the muc namespace', () => {
      expect(decode(build.memberEvent(TO, 'muc', 'left', { uid: 'u' }, 'm1')).jsongle).to.deep.equal({
        action: 'session-event', namespace: 'muc', event: 'left', description: { member: { uid: 'u' }, rid: 'm1' },
      });
    });
  });

  describe('callInfo', () => {
    const call: Jsongle = {
      action: 'session-propose', sid: 'sid-1', initiator: 'alice', responder: 'bob',
      description: { offer: 'sdp' }, extra: 'not copied',
    };

    it('answers trying with sid, initiator and responder copied and a tried date', () => {
      const j = decode(build.callInfo(TO, call, 'trying')).jsongle;
      const { description, ...rest } = j;
      expect(rest).to.deep.equal({ sid: 'sid-1', action: 'session-info', reason: 'trying', initiator: 'alice', responder: 'bob' });
      expect(Object.keys(description)).to.deep.equal(['tried']);
      expectIsoDate(description.tried);
    });

    it('answers unreachable with sid, initiator and responder copied and an ended date', () => {
      const j = decode(build.callInfo(TO, call, 'unreachable')).jsongle;
      const { description, ...rest } = j;
      expect(rest).to.deep.equal({ sid: 'sid-1', action: 'session-info', reason: 'unreachable', initiator: 'alice', responder: 'bob' });
      expect(Object.keys(description)).to.deep.equal(['ended']);
      expectIsoDate(description.ended);
    });

    it('copies identifiers of any JSON type as they were', () => {
      const j = decode(build.callInfo(TO, { action: 'session-propose', sid: 9, initiator: { uid: 'a' }, responder: ['b'] }, 'trying')).jsongle;
      expect(j.sid).to.equal(9);
      expect(j.initiator).to.deep.equal({ uid: 'a' });
      expect(j.responder).to.deep.equal(['b']);
    });

    it('leaves out identifiers the call did not have', () => {
      const j = decode(build.callInfo(TO, { action: 'session-propose' }, 'unreachable')).jsongle;
      expect(Object.keys(j).sort()).to.deep.equal(['action', 'description', 'reason']);
    });
  });

  describe('messageAck', () => {
    it('is a session-event ack with the namespace, an acknowledged date, the mid and type server-received', () => {
      const j = decode(build.messageAck(TO, 'chat', 'msg-7')).jsongle;
      const { description, ...rest } = j;
      expect(rest).to.deep.equal({ action: 'session-event', namespace: 'chat', event: 'ack' });
      expect(Object.keys(description).sort()).to.deep.equal(['acknowledged', 'mid', 'type']);
      expect(description.mid).to.equal('msg-7');
      expect(description.type).to.equal('server-received');
      expectIsoDate(description.acknowledged);
    });

    it('leaves out the namespace and the mid when the message had none', () => {
      const j = decode(build.messageAck(TO, undefined, undefined)).jsongle;
      expect(j).to.not.have.property('namespace');
      expect(j.description).to.not.have.property('mid');
      expect(j.description.type).to.equal('server-received');
    });
  });
});
