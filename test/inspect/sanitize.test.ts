/**
 * What inspection may show of an actor event or context: routing fields stay (they are what the
 * inspector is for), what users said, negotiated or are called does not.
 */
import { expect } from 'chai';
import { sanitizeContext, sanitizeEvent } from '../../src/observability/inspect.js';

const frame = (jsongle: Record<string, unknown>) => ({ id: 'm1', from: 'spoofed', to: 'room-1', jsongle });

describe('sanitizeEvent', function () {
  it('hides the SDP of a relayed offer and keeps the routing fields', () => {
    const event = { type: 'client.relay', msg: frame({ action: 'session-initiate', sid: 's1', initiator: 'a', description: { offer: { type: 'offer', sdp: 'v=0 secret' } } }) };
    expect(sanitizeEvent(event)).to.deep.equal({
      type: 'client.relay',
      msg: { id: 'm1', to: 'room-1', jsongle: { action: 'session-initiate', query: undefined, transaction: undefined, sid: 's1', reason: undefined, namespace: undefined, event: undefined, description: '[hidden]' } },
    });
  });

  it('hides chat text, candidates and custom payloads alike', () => {
    for (const action of ['session-text', 'transport-info', 'session-custom']) {
      const out = sanitizeEvent({ type: 'client.relay', msg: frame({ action, description: { content: 'hello', candidate: 'candidate:1' } }) });
      expect((out.msg as { jsongle: { description: unknown } }).jsongle.description, action).to.equal('[hidden]');
    }
  });

  it('keeps the room id of a join or leave request', () => {
    for (const query of ['session-join', 'muc-join', 'session-leave', 'muc-leave']) {
      const out = sanitizeEvent({ type: 'client.join', msg: frame({ action: 'iq-set', query, transaction: 't', description: { rid: 'r1', extra: 'x' } }) });
      expect((out.msg as { jsongle: { description: unknown } }).jsongle.description, query).to.deep.equal({ rid: 'r1' });
    }
  });

  it('keeps the uid of a hello answer and hides the display name', () => {
    const out = sanitizeEvent({ type: 'client.hello', msg: frame({ action: 'iq-result', query: 'session-hello', transaction: 't', description: { uid: 'u1', dn: 'Jane Doe' } }) });
    expect((out.msg as { jsongle: { description: unknown } }).jsongle.description).to.deep.equal({ uid: 'u1', dn: '[hidden]' });
  });

  it('replaces a socket handle and leaves the original event untouched', () => {
    const socket = { getUserData() { return {}; } };
    const event = { type: 'ws.opened', id: 'c1', socket };
    expect(sanitizeEvent(event)).to.deep.equal({ type: 'ws.opened', id: 'c1', socket: '[hidden]' });
    expect(event.socket).to.equal(socket);
  });

  it('gives the same result when applied twice (the package applies it after us)', () => {
    const event = { type: 'client.hello', msg: frame({ action: 'iq-result', query: 'session-hello', transaction: 't', description: { uid: 'u1', dn: 'Jane' } }) };
    expect(sanitizeEvent(sanitizeEvent(event))).to.deep.equal(sanitizeEvent(event));
  });

  it('passes events without a message through as they are', () => {
    expect(sanitizeEvent({ type: 'room.joined', rid: 'r1', kind: 'room' })).to.deep.equal({ type: 'room.joined', rid: 'r1', kind: 'room' });
    expect(sanitizeEvent({ type: 'client.malformed', code: 400003 })).to.deep.equal({ type: 'client.malformed', code: 400003 });
  });
});

describe('sanitizeContext', function () {
  it('hides the display name of the hello profile and keeps the uid', () => {
    const context = { id: 'c1', helloTransaction: 't', profile: { uid: 'u1', dn: 'Jane Doe' }, rooms: new Set(['r1']) };
    expect(sanitizeContext(context)).to.deep.equal({ id: 'c1', helloTransaction: 't', profile: { uid: 'u1', dn: '[hidden]' }, rooms: ['r1'] });
    expect(context.profile.dn).to.equal('Jane Doe');
  });

  it('leaves contexts without a display name, and the supervisor empty or absent context, as they are', () => {
    const noDn = { id: 'c1', profile: { uid: 'u1' } };
    expect(sanitizeContext(noDn)).to.equal(noDn);
    expect(sanitizeContext({})).to.deep.equal({});
    expect(sanitizeContext(undefined)).to.equal(undefined);
  });
});
