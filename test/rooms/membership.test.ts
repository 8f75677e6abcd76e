/**
 * LocalMembership: the in-process authority decides and applies in one step, in the spec's order
 * (kind conflict → already a member → full → too many MUCs), and keeps no ghost call or room.
 */
import { expect } from 'chai';
import { LocalMembership, type JoinRequest } from '../../src/actors/membership.js';
import { RoomRegistry } from '../../src/actors/rooms.js';
import { Stats } from '../../src/observability/stats.js';
import { roomTopicFactory } from '../../src/pubsub/topics.js';

function setup() {
  const stats = new Stats();
  const registry = new RoomRegistry(roomTopicFactory('muc/'));
  return { stats, registry, membership: new LocalMembership(registry, stats) };
}

const req = (connId: string, rid: string, over: Partial<JoinRequest> = {}): JoinRequest => ({
  connId, rid, kind: 'room', profile: { uid: connId }, capacity: 2, maxMultiRooms: 2, ...over,
});

describe('LocalMembership', () => {
  it('creates the room with the first joiner and adds it to the mirror before answering', () => {
    const { membership, registry } = setup();
    expect(membership.join(req('a', 'r'))).to.equal('joined');
    expect(registry.get('r')?.kind).to.equal('room');
    expect([...registry.get('r')!.members.keys()]).to.deep.equal(['a']);
  });

  it('answers kindConflict before alreadyMember, even for a member', () => {
    const { membership } = setup();
    membership.join(req('a', 'r'));
    expect(membership.join(req('a', 'r', { kind: 'muc' }))).to.equal('kindConflict');
  });

  it('answers alreadyMember before full (an idempotent rejoin of a full room)', () => {
    const { membership } = setup();
    membership.join(req('a', 'r'));
    membership.join(req('b', 'r'));
    expect(membership.join(req('a', 'r'))).to.equal('alreadyMember');
    expect(membership.join(req('c', 'r'))).to.equal('full');
  });

  it('lets exactly capacity joiners win a race for the seats', () => {
    const { membership, registry } = setup();
    const verdicts = ['a', 'b', 'c', 'd', 'e'].map((id) => membership.join(req(id, 'r')));
    expect(verdicts.filter((v) => v === 'joined')).to.have.lengthOf(2);
    expect(verdicts.filter((v) => v === 'full')).to.have.lengthOf(3);
    expect(registry.get('r')!.members.size).to.equal(2);
  });

  it('answers tooManyMultiRooms past maxMultiRooms MUCs, counting only MUCs', () => {
    const { membership } = setup();
    membership.join(req('a', 'p2p'));
    membership.join(req('a', 'm1', { kind: 'muc' }));
    membership.join(req('a', 'm2', { kind: 'muc' }));
    expect(membership.join(req('a', 'm3', { kind: 'muc', capacity: 10 }))).to.equal('tooManyMultiRooms');
  });

  it('leaves with the room kind, and answers notMember for a room it is not in', () => {
    const { membership } = setup();
    membership.join(req('a', 'm', { kind: 'muc' }));
    expect(membership.leave('a', 'm')).to.deep.equal({ verdict: 'left', kind: 'muc' });
    expect(membership.leave('a', 'm')).to.deep.equal({ verdict: 'notMember' });
    expect(membership.leave('a', 'nowhere')).to.deep.equal({ verdict: 'notMember' });
  });

  it('ends a call in progress when a member leaves, so p2p_count keeps no ghost', () => {
    const { membership, registry, stats } = setup();
    membership.join(req('a', 'r'));
    membership.join(req('b', 'r'));
    registry.get('r')!.inCall = true;
    stats.callsInProgress = 1;
    membership.leaveAll('b');
    expect(stats.callsInProgress).to.equal(0);
    expect(registry.get('r')!.inCall).to.equal(false);
  });

  it('drops every room of a departed connection and the emptied rooms with it', () => {
    const { membership, registry } = setup();
    membership.join(req('a', 'r1'));
    membership.join(req('a', 'm1', { kind: 'muc' }));
    membership.join(req('b', 'm1', { kind: 'muc' }));
    membership.leaveAll('a');
    expect(registry.get('r1')).to.equal(undefined);
    expect([...registry.get('m1')!.members.keys()]).to.deep.equal(['b']);
    expect(registry.ridsOf('a').size).to.equal(0);
  });

  it('forgets everything on clear()', () => {
    const { membership, registry, stats } = setup();
    membership.join(req('a', 'r1'));
    stats.callsInProgress = 3;
    membership.clear();
    expect(registry.size).to.equal(0);
    expect(registry.memberIndexSize).to.equal(0);
    expect(stats.callsInProgress).to.equal(0);
  });
});
