/**
 * The call owner without a network: which proposes start a call actor and which do not, how party
 * actions become chart events, that a party leaving ends its calls with the right message to the
 * other, and that an ended call leaves nothing in any index.
 */
import { expect } from 'chai';
import { createActor, setup } from 'xstate';
import { Calls } from '../../src/calls/calls.js';
import { Stats } from '../../src/observability/stats.js';
import { MessageBuilder } from '../../src/protocol/build.js';
import type { Jsongle } from '../../src/protocol/types.js';
import type { Member, RoomIO } from '../../src/rooms/room.js';
import { Rooms } from '../../src/rooms/rooms.js';
import { RecordingLogger } from '../helpers/logger.js';

const noIO: RoomIO = { subscribe() {}, unsubscribe() {}, publishFrom() {}, sendToMember() {}, linkUp: () => true };
const member = (id: string, node?: string): Member => (node === undefined ? { id, profile: { uid: `u-${id}` } } : { id, profile: { uid: `u-${id}` }, node });
const propose = (sid: unknown): Jsongle => ({ action: 'session-propose', sid, initiator: 'i', responder: 'r' });
const act = (action: string, sid: string, reason?: string): Jsongle => ({ action, sid, reason });

function world(ringTimeoutMs = 0, failSends = false) {
  const stats = new Stats();
  const logger = new RecordingLogger([], 'info');
  const sent: Array<[string, Record<string, unknown>]> = [];
  // Like the supervisor, the parent takes its call actors' failures as events (else it fails too).
  const parent = createActor(setup({}).createMachine({ on: { 'xstate.error.actor.*': {} } })).start();
  const calls = new Calls({
    stats, logger, builder: new MessageBuilder({ id: 'srv', version: '3', info: '' }), ringTimeoutMs,
    send: (to, text) => {
      if (failSends) throw new Error('a bug in a send');
      sent.push([to, JSON.parse(text).jsongle]);
      return true;
    },
    parent: () => parent,
  });
  const rooms = new Rooms({ io: noIO, stats }, new MessageBuilder({ id: 'srv', version: '3', info: '' }), 'muc/', {
    memberRemoved: (room, connId) => calls.partyLeft(room.rid, connId),
  });
  const room = rooms.add('r1', 'room', member('a'));
  rooms.add('r1', 'room', member('b'));
  return { stats, logger, sent, calls, rooms, room };
}

describe('Calls (the owner of call actors)', () => {
  it('starts a call on a propose with a string sid, and only one per sid', () => {
    const { calls, room } = world();
    calls.propose('a', 'u-a', room, propose('s1'));
    calls.propose('a', 'u-a', room, propose('s1'));
    expect(calls.size).to.equal(1);
    expect(calls.ofSid('s1')).to.include({ sid: 's1', caller: 'a', callee: 'b' });
    expect(calls.forPropose('s2', room)?.sid, 'the room is busy with s1').to.equal('s1');
    expect(calls.forPropose('s1', room)?.sid).to.equal('s1');
    expect(calls.forPropose('s2', { rid: 'm1', kind: 'muc', members: { size: 2 }, beyondReach: false })).to.equal(undefined);
  });

  it('starts nothing for a propose without a string sid, or whose callee sits on another node', () => {
    const { calls, room, rooms } = world();
    calls.propose('a', 'u-a', room, propose(undefined));
    calls.propose('a', 'u-a', room, propose(42));
    const remote = rooms.add('r2', 'room', member('a'));
    rooms.add('r2', 'room', member('z', 'node-b'));
    calls.propose('a', 'u-a', remote, propose('s9'));
    expect(calls.size).to.equal(0);
    expect(calls.ofSid(42)).to.equal(undefined);
  });

  it('moves a call with the parties’ actions and forgets it at the end, metrics and log line included', () => {
    const { calls, room, stats, logger, sent } = world();
    calls.propose('a', 'u-a', room, propose('s1'));
    const call = calls.ofSid('s1');
    calls.step(call, 'b', act('session-info', 's1', 'ringing'));
    calls.step(call, 'b', act('session-info', 's1', 'mute'));
    calls.step(call, 'a', act('transport-info', 's1'));
    calls.step(call, 'b', act('session-proceed', 's1'));
    calls.step(call, 'a', act('session-initiate', 's1'));
    calls.step(call, 'b', act('session-accept', 's1'));
    expect([stats.callsInProgress, stats.callsAccepted, stats.callSetupSeconds.count]).to.deep.equal([1, 1, 1]);
    calls.step(call, 'b', act('session-terminate', 's1'));
    calls.step(undefined, 'b', act('session-terminate', 's1'));
    expect([stats.callsInProgress, stats.callDurationSeconds.count, stats.callsEnded.terminate]).to.deep.equal([0, 1, 1]);
    expect(calls.size).to.equal(0);
    expect(calls.forPropose('s2', room)).to.equal(undefined);
    expect(sent).to.deep.equal([]);
    expect(logger.lines.filter((l) => l.message === 'call ended').map((l) => l.meta)).to.deep.equal([{
      sid: 's1', rid: 'r1', callerUid: 'u-a', calleeUid: 'u-b', setupMs: (logger.lines[0]!.meta as { setupMs: number }).setupMs,
      durationSec: (logger.lines[0]!.meta as { durationSec: number }).durationSec, reason: 'terminate', endedBy: 'callee',
    }]);
  });

  it('ends a call when a party leaves the room: a ringing callee gets session-retract gone', () => {
    const { calls, room, rooms, sent, stats } = world();
    calls.propose('a', 'u-a', room, propose('s1'));
    rooms.remove('r1', 'a');
    expect(sent).to.have.lengthOf(1);
    const [to, j] = sent[0]!;
    expect(to).to.equal('b');
    expect(j).to.deep.include({ sid: 's1', action: 'session-retract', reason: 'gone', initiator: 'i', responder: 'r' });
    expect((j.description as { ended: string }).ended).to.match(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(stats.callsEnded.gone).to.equal(1);
    expect(calls.size).to.equal(0);
  });

  it('ends an active call when the callee leaves: the caller gets session-info unreachable, condition gone', () => {
    const { calls, room, rooms, sent } = world();
    calls.propose('a', 'u-a', room, propose('s1'));
    calls.step(calls.ofSid('s1'), 'b', act('session-accept', 's1'));
    rooms.remove('r1', 'b');
    expect(sent.map(([to, j]) => [to, j.action, j.reason, (j.description as { condition: string }).condition])).to.deep.equal([['a', 'session-info', 'unreachable', 'gone']]);
    expect(calls.size).to.equal(0);
  });

  it('ignores a departure from another room and of a connection in no call', () => {
    const { calls, room, rooms } = world();
    calls.propose('a', 'u-a', room, propose('s1'));
    rooms.add('r3', 'room', member('a'));
    rooms.remove('r3', 'a');
    calls.partyLeft('r1', 'nobody');
    expect(calls.size).to.equal(1);
  });

  it('counts a refused glare propose as ended by glare', () => {
    const { calls, stats } = world();
    calls.refusedBusy();
    expect(stats.callsEnded.glare).to.equal(1);
  });

  it('forgets a call whose actor failed (a bug in an action), and only that one', () => {
    const { calls, room, logger } = world(0, true);
    calls.propose('a', 'u-a', room, propose('s1'));
    calls.partyLeft('r1', 'b');
    expect(calls.size, 'the failed call is still held').to.equal(1);
    calls.forgetFailed();
    expect(calls.size).to.equal(0);
    expect(logger.lines.some((l) => l.message === 'call actor failed' && l.meta?.sid === 's1')).to.equal(true);
  });

  it('a direct call: a rung device whose session ended is in no index once the call is over', () => {
    const { calls, stats } = world();
    const msg = (action: string) => ({ id: 'm', from: 'a', to: 'u-b', jsongle: { action, sid: 'd1', initiator: 'i', responder: 'r', description: {} } });
    calls.proposeDirect('a', 'u-a', { uid: 'u-b', devices: [{ id: 'b1' }, { id: 'b2' }] }, msg('session-propose') as never);
    expect(calls.size).to.equal(1);
    calls.connectionGone('b1');
    calls.stepDirect(calls.ofSid('d1'), 'a', msg('session-retract') as never);
    expect([calls.size, stats.callsInProgress]).to.deep.equal([0, 0]);
    expect(calls.partyIndexSize, 'connections still indexed as parties').to.equal(0);
  });

  it('forgets every call on stop()', () => {
    const { calls, room } = world(60_000);
    calls.start();
    calls.propose('a', 'u-a', room, propose('s1'));
    calls.stop();
    expect(calls.size).to.equal(0);
    expect(calls.forPropose('s2', room)).to.equal(undefined);
  });
});
