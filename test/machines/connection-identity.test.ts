/**
 * The connection chart's identity rows (users-calls-sessions.md §1, §5) as a pure transition table:
 * the token's claims are in the context (input.identity), and the guards that read them are pure.
 * isHelloValid is src's and fixed true here; assign effects are read from the resulting context.
 */
import { expect } from 'chai';
import { initialTransition, transition, type StateValue } from 'xstate';
import { connectionMachine, isRoomGranted, type ConnectionEvent, type TokenIdentity } from '../../machines/connection.js';

const machine = connectionMachine.provide({ guards: { isHelloValid: () => true } });
const HELLOED_OUT: StateValue = { helloed: { unregistered: 'outOfRoom' } };

function start(identity: TokenIdentity | null) {
  const [s] = initialTransition(machine, { id: 'c1', helloTransaction: 't1', identity });
  return s;
}
const hello = (description: Record<string, unknown>): ConnectionEvent => ({
  type: 'client.hello', msg: { to: 'jsongle-server', jsongle: { action: 'iq-result', query: 'session-hello', transaction: 't1', description } },
});
const join = (rid: unknown): ConnectionEvent => ({ type: 'client.join', kind: 'room', msg: { to: 'jsongle-server', jsongle: { action: 'iq-set', query: 'session-join', description: { rid } } } });
const iceServers = (): ConnectionEvent => ({ type: 'client.iceServers', msg: { to: 'jsongle-server', jsongle: { action: 'iq-set', query: 'ice-servers' } } });
const types = (actions: ReadonlyArray<{ type: string }>) => actions.map((a) => a.type);

function helloed(identity: TokenIdentity | null) {
  const [s] = transition(machine, start(identity), hello({ uid: identity?.sub ?? 'alice' }));
  expect(s.value).to.deep.equal(HELLOED_OUT);
  return s;
}

describe('Connection chart: identity token rows', () => {
  it('starts with the identity of its input (null when absent)', () => {
    expect(start({ sub: 'alice' }).context.identity).to.deep.equal({ sub: 'alice' });
    expect(initialTransition(machine, { id: 'c1', helloTransaction: 't1' })[0].context.identity).to.equal(null);
  });

  it('hello with another uid than the token\'s sub → rejectHelloForIdentity, stays connected', () => {
    const [s, actions] = transition(machine, start({ sub: 'alice' }), hello({ uid: 'mallory' }));
    expect(s.value).to.equal('connected');
    expect(types(actions)).to.deep.equal(['rejectHelloForIdentity']);
    expect(s.context.profile).to.equal(null);
  });

  it('hello with the sub, or without uid → helloed with uid = sub, dn = hello dn else the token name', () => {
    const id = { sub: 'alice', name: 'Alice A.' };
    let [s, actions] = transition(machine, start(id), hello({}));
    expect(s.value).to.deep.equal(HELLOED_OUT);
    expect(types(actions)).to.include('acknowledgeHello');
    expect(s.context.profile).to.deep.equal({ uid: 'alice', dn: 'Alice A.' });
    [s] = transition(machine, start(id), hello({ uid: 'alice', dn: 'Al' }));
    expect(s.context.profile).to.deep.equal({ uid: 'alice', dn: 'Al' });
  });

  it('without a token any uid is the profile (today\'s behaviour)', () => {
    const [s, actions] = transition(machine, start(null), hello({ uid: 'anyone', dn: 'Any' }));
    expect(types(actions)).to.not.include('rejectHelloForIdentity');
    expect(s.context.profile).to.deep.equal({ uid: 'anyone', dn: 'Any' });
  });

  it('join outside the rooms claim → replyNotGranted; inside, or without the claim → askSupervisorToJoin', () => {
    const granted = helloed({ sub: 'alice', rooms: ['team-*', 'lobby'] });
    expect(types(transition(machine, granted, join('elsewhere'))[1])).to.deep.equal(['replyNotGranted']);
    expect(types(transition(machine, granted, join('team-7'))[1])).to.deep.equal(['askSupervisorToJoin']);
    expect(types(transition(machine, granted, join('lobby'))[1])).to.deep.equal(['askSupervisorToJoin']);
    // Not a string: the supervisor's 400001, not a grant question.
    expect(types(transition(machine, granted, join(42))[1])).to.deep.equal(['askSupervisorToJoin']);
    expect(types(transition(machine, helloed({ sub: 'alice' }), join('anywhere'))[1])).to.deep.equal(['askSupervisorToJoin']);
    expect(types(transition(machine, helloed(null), join('anywhere'))[1])).to.deep.equal(['askSupervisorToJoin']);
  });

  it('ice-servers → replyHelloRequired before hello, replyIceServers after', () => {
    expect(types(transition(machine, start(null), iceServers())[1])).to.deep.equal(['replyHelloRequired']);
    expect(types(transition(machine, helloed(null), iceServers())[1])).to.deep.equal(['replyIceServers']);
  });
});

describe('isRoomGranted', () => {
  it('grants by exact name or by a prefix entry ending in *', () => {
    expect(isRoomGranted(['lobby'], 'lobby')).to.equal(true);
    expect(isRoomGranted(['lobby'], 'lobby2')).to.equal(false);
    expect(isRoomGranted(['team-*'], 'team-')).to.equal(true);
    expect(isRoomGranted(['team-*'], 'team-a/b')).to.equal(true);
    expect(isRoomGranted(['team-*'], 'team')).to.equal(false);
    expect(isRoomGranted(['*'], 'anything')).to.equal(true);
    expect(isRoomGranted([], 'anything')).to.equal(false);
  });
});
