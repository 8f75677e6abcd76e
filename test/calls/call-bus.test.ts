/**
 * Calls spanning two nodes, without a network: what the owner tells the callee's node, what a
 * mirror forwards and how it ends, and that anything unreadable from the bus is refused, never thrown.
 */
import { expect } from 'chai';
import { createActor, setup } from 'xstate';
import type { ConnectionEvent } from '../../machines/connection.js';
import { parseCallNotice, type CallBus, type CallNotice } from '../../src/calls/call-bus.js';
import { Calls } from '../../src/calls/calls.js';
import { claimThenPropose } from '../../src/calls/propose-arbiter.js';
import { Stats } from '../../src/observability/stats.js';
import { MessageBuilder } from '../../src/protocol/build.js';
import type { Jsongle } from '../../src/protocol/types.js';
import type { Member, RoomIO } from '../../src/rooms/room.js';
import { Rooms } from '../../src/rooms/rooms.js';
import { RecordingLogger } from '../helpers/logger.js';

const noIO: RoomIO = { subscribe() {}, unsubscribe() {}, publishFrom() {}, sendToMember() {}, linkUp: () => true };
const member = (id: string, node?: string): Member => (node === undefined ? { id, profile: { uid: `u-${id}` } } : { id, profile: { uid: `u-${id}` }, node });
const propose = (sid: string): Jsongle => ({ action: 'session-propose', sid, initiator: 'i', responder: 'r' });
const act = (action: string, sid: string, reason?: string): Jsongle => ({ action, sid, reason });

/** One node (`here`) of two: the bus records what it would send; the room r1 holds a here and b on `there`. */
function node(here: 'node-a' | 'node-b', ringTimeoutMs = 0) {
  const stats = new Stats();
  const builder = new MessageBuilder({ id: 'srv', version: '3', info: '' });
  const sent: Array<[string, Record<string, unknown>]> = [];
  const remote: Array<[string, string, Record<string, unknown>]> = [];
  const told: Array<[string, CallNotice]> = [];
  const released: Array<[string, string]> = [];
  const events: Array<[string, ConnectionEvent]> = [];
  const bus: CallBus = {
    nodeId: here,
    tell: (n, notice) => { told.push([n, notice]); },
    claim: () => Promise.resolve(''),
    release: (rid, sid) => { released.push([rid, sid]); },
    onNotice: () => {},
  };
  const parent = createActor(setup({}).createMachine({})).start();
  let rooms: Rooms | undefined;
  const calls = new Calls({
    stats, builder, logger: new RecordingLogger([], 'info'), ringTimeoutMs, parent: () => parent,
    send: (to, text) => { sent.push([to, JSON.parse(text).jsongle]); return true; },
    cluster: {
      bus,
      sendToMember: (m, text) => { remote.push([m.node ?? 'here', m.id, JSON.parse(text).jsongle]); },
      tell: (id, e) => { events.push([id, e]); },
      roomOf: (rid) => rooms?.get(rid),
      holdsLocally: (rid, id) => rooms?.get(rid)?.members.get(id)?.node === undefined && rooms?.get(rid)?.members.has(id) === true,
      refuseUnavailable: () => {},
    },
  });
  rooms = new Rooms({ io: noIO, stats }, builder, 'muc/', { memberRemoved: (room, id) => calls.partyLeft(room.rid, id) });
  const there = here === 'node-a' ? 'node-b' : 'node-a';
  // On node-a, a (the caller) is here and b there; on node-b, the reverse.
  const room = rooms.add('r1', 'room', here === 'node-a' ? member('a') : member('a', there));
  rooms.add('r1', 'room', here === 'node-a' ? member('b', there) : member('b'));
  return { stats, sent, remote, told, released, events, calls, rooms, room, bus };
}

const opened: CallNotice = { t: 'o', sid: 's1', rid: 'r1', caller: 'a', callee: 'b', owner: 'node-a', initiator: 'i', responder: 'r' };

describe('parseCallNotice (what another node sent)', () => {
  it('reads the three notices', () => {
    expect(parseCallNotice(JSON.stringify(opened))).to.deep.equal(opened);
    expect(parseCallNotice('{"t":"s","sid":"s1","e":"party.accept","by":"callee"}')).to.deep.equal({ t: 's', sid: 's1', e: 'party.accept', by: 'callee' });
    expect(parseCallNotice('{"t":"e","sid":"s1"}')).to.deep.equal({ t: 'e', sid: 's1' });
  });

  it('reads the resume notices: the owner moved (w), the callee moved (n)', () => {
    expect(parseCallNotice('{"t":"w","sid":"s1","owner":"n2"}')).to.deep.equal({ t: 'w', sid: 's1', owner: 'n2' });
    expect(parseCallNotice('{"t":"n","sid":"s1","node":"n2"}')).to.deep.equal({ t: 'n', sid: 's1', node: 'n2' });
    for (const bad of ['{"t":"w","sid":"s1"}', '{"t":"w","sid":"s1","owner":""}', '{"t":"n","sid":"s1","node":7}', '{"t":"n","node":"n2"}']) {
      expect(parseCallNotice(bad), bad).to.equal(null);
    }
  });

  it('refuses anything else with null, never throwing', () => {
    for (const bad of ['', 'not json', 'null', '42', '[]', '{"t":"e"}', '{"t":"e","sid":""}', '{"t":"x","sid":"s1"}',
      '{"t":"s","sid":"s1","e":"party.gone","by":"callee"}', '{"t":"s","sid":"s1","e":"ring.timeout","by":"caller"}',
      '{"t":"s","sid":"s1","e":"party.accept","by":"server"}', '{"t":"s","sid":"s1","e":"toString","by":"caller"}',
      '{"t":"o","sid":"s1","rid":"r1","caller":"a","callee":"b"}', '{"t":"o","sid":"s1","rid":1,"caller":"a","callee":"b","owner":"n"}']) {
      expect(parseCallNotice(bad), bad).to.equal(null);
    }
  });
});

describe('Calls across two nodes (the owner and the mirror, no network)', () => {
  it('owner: tells the callee\'s node `opened` before anything else, and `ended` then frees the room when the call is over', () => {
    const { calls, room, told, released } = node('node-a');
    calls.propose('a', 'u-a', room, propose('s1'));
    expect(told).to.deep.equal([['node-b', opened]]);
    calls.step(calls.ofSid('s1'), 'a', act('session-terminate', 's1'));
    expect(told.slice(1)).to.deep.equal([['node-b', { t: 'e', sid: 's1' }]]);
    expect(released).to.deep.equal([['r1', 's1']]);
    expect(calls.size).to.equal(0);
  });

  it('owner: moves its actor with the steps the callee\'s node forwards, ignoring steps for sids it does not own', () => {
    const { calls, room, stats, bus } = node('node-a');
    calls.propose('a', 'u-a', room, propose('s1'));
    bus.onNotice({ t: 's', sid: 'nope', e: 'party.accept', by: 'callee' });
    expect(stats.callsAccepted).to.equal(0);
    bus.onNotice({ t: 's', sid: 's1', e: 'party.accept', by: 'callee' });
    expect([stats.callsInProgress, stats.callsAccepted]).to.deep.equal([1, 1]);
  });

  it('owner: sends a ring timeout to the remote callee through its node, and leaves a `gone` for it to the callee\'s node', () => {
    const a = node('node-a');
    a.calls.propose('a', 'u-a', a.room, propose('s1'));
    a.calls.retract('s1', 'callee', 'timeout');
    expect(a.remote.map(([n, id, j]) => [n, id, j.action, j.reason])).to.deep.equal([['node-b', 'b', 'session-retract', 'timeout']]);
    a.rooms.remove('r1', 'a');
    expect(a.remote).to.have.length(1);
    expect(a.sent).to.deep.equal([]);
    // The callee's node ends its mirror itself when it hears the departure: no `ended` notice.
    expect(a.told.map(([, n]) => n.t)).to.deep.equal(['o']);
    expect(a.released).to.deep.equal([['r1', 's1']]);
  });

  it('mirror: answers lookups, forwards what moves the call (never transport-info), and goes with `ended`', () => {
    const { calls, room, bus, told } = node('node-b');
    bus.onNotice(opened);
    expect(calls.ofSid('s1')).to.include({ sid: 's1', caller: 'a', callee: 'b' });
    expect(calls.forPropose('s2', room)?.sid, 'glare at the edge').to.equal('s1');
    const view = calls.ofSid('s1');
    calls.step(view, 'b', act('transport-info', 's1'));
    calls.step(view, 'b', act('session-info', 's1', 'mute'));
    expect(told).to.deep.equal([]);
    calls.step(view, 'b', act('session-info', 's1', 'ringing'));
    calls.step(view, 'b', act('session-accept', 's1'));
    expect(told).to.deep.equal([
      ['node-a', { t: 's', sid: 's1', e: 'party.ringing', by: 'callee' }],
      ['node-a', { t: 's', sid: 's1', e: 'party.accept', by: 'callee' }],
    ]);
    bus.onNotice({ t: 'e', sid: 's1' });
    expect(calls.size).to.equal(0);
  });

  it('mirror: ends the call for its callee when the caller is gone — retract before accepting, unreachable after', () => {
    for (const accepted of [false, true]) {
      const { calls, rooms, bus, sent } = node('node-b');
      bus.onNotice(opened);
      if (accepted) calls.step(calls.ofSid('s1'), 'b', act('session-accept', 's1'));
      rooms.remove('r1', 'a');
      expect(sent.map(([to, j]) => [to, j.action, j.reason, j.sid, (j.description as { condition?: string }).condition]))
        .to.deep.equal([accepted ? ['b', 'session-info', 'unreachable', 's1', 'gone'] : ['b', 'session-retract', 'gone', 's1', undefined]]);
      expect(calls.size).to.equal(0);
    }
  });

  it('mirror: goes silently when its own callee leaves (the owner hears it and ends the call)', () => {
    const { calls, rooms, bus, sent, told } = node('node-b');
    bus.onNotice(opened);
    rooms.remove('r1', 'b');
    expect([sent, told, calls.size]).to.deep.equal([[], [], 0]);
  });

  it('mirror: keeps nothing for a callee that is not (or no longer) here, or a sid it already knows', () => {
    const { calls, bus } = node('node-b');
    bus.onNotice({ ...opened, callee: 'zed' });
    bus.onNotice({ ...opened, rid: 'r9' });
    expect(calls.size).to.equal(0);
    bus.onNotice(opened);
    bus.onNotice({ ...opened, caller: 'other' });
    expect(calls.ofSid('s1')).to.include({ caller: 'a' });
    bus.onNotice({ t: 'e', sid: 'unknown' });
    expect(calls.size).to.equal(1);
  });
});

describe('claimThenPropose (the cross-node glare arbiter\'s verdict)', () => {
  const frame = { to: 'r1', jsongle: { action: 'session-propose', sid: 's1', description: {} } };
  const settle = () => new Promise((r) => setImmediate(r));
  function world(verdict: Promise<string>, owns = false) {
    const events: Array<[string, ConnectionEvent]> = [];
    const refused: string[] = [];
    const released: string[] = [];
    const roomView = { rid: 'r1', kind: 'room' as const, members: { size: 2 }, beyondReach: false, remoteMembers: 1 };
    const cluster = {
      bus: { nodeId: 'n', tell() {}, claim: () => verdict, release: (_rid: string, sid: string) => { released.push(sid); }, onNotice() {} },
      sendToMember() {}, holdsLocally: () => true,
      tell: (id: string, e: ConnectionEvent) => { events.push([id, e]); },
      roomOf: () => roomView,
      refuseUnavailable: (id: string) => { refused.push(id); },
    };
    const calls = { forPropose: () => undefined, owns: () => owns };
    return { events, refused, released, cluster, calls, roomView };
  }

  it('sends a won propose back claimed, with the room looked up again; a claim no call used is released', async () => {
    const w = world(Promise.resolve(''));
    claimThenPropose(w.cluster, w.calls, 'c1', { msg: frame, room: undefined, call: undefined });
    await settle();
    expect(w.events).to.deep.equal([['c1', { type: 'client.propose', msg: frame, room: w.roomView, call: undefined, claimed: true }]]);
    expect(w.released).to.deep.equal(['s1']);
  });

  it('keeps the claim of a call that started', async () => {
    const w = world(Promise.resolve(''), true);
    claimThenPropose(w.cluster, w.calls, 'c1', { msg: frame, room: undefined, call: undefined });
    await settle();
    expect(w.released).to.deep.equal([]);
  });

  it('sends a lost propose back with the room\'s live call (the chart answers busy)', async () => {
    const w = world(Promise.resolve('s0'));
    claimThenPropose(w.cluster, w.calls, 'c1', { msg: frame, room: undefined, call: undefined });
    await settle();
    expect(w.events[0]?.[1]).to.deep.include({ call: { sid: 's0', caller: '', callee: '' }, claimed: true });
    expect(w.released).to.deep.equal([]);
  });

  it('answers 503002 (refuseUnavailable) when the arbiter cannot be asked', async () => {
    const w = world(Promise.reject(new Error('redis did not answer')));
    claimThenPropose(w.cluster, w.calls, 'c1', { msg: frame, room: undefined, call: undefined });
    await settle();
    expect([w.events, w.refused]).to.deep.equal([[], ['c1']]);
  });
});
