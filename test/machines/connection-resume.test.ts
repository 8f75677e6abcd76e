/**
 * The connection chart's resume rows as a pure transition table: helloed → suspended on `ws.lost`
 * (rooms kept, nothing said), suspended → helloed on `ws.resumed` (in or out of room as its rooms
 * say), suspended → closed on `session.expired` (window, overflow, gap, drain), and what a
 * suspended session still hears (joins decided late, kicks, the drain). Nothing runs: the actions
 * are returned, not executed.
 */
import { expect } from 'chai';
import { transition, type StateValue } from 'xstate';
import { connectionMachine, type ConnectionContext, type ConnectionEvent } from '../../machines/connection.js';

/** Suspended as an unregistered connection (suspended.registered: test/machines/connection-users.test.ts). */
const SUSPENDED = { suspended: 'unregistered' };

const INPUT = { id: 'c1', helloTransaction: '' };

function snapshotIn(value: StateValue, rooms: string[] = []) {
  const context: ConnectionContext = { ...INPUT, profile: { uid: 'alice' }, rooms: new Set(rooms), identity: null };
  return connectionMachine.resolveState({ value, context });
}

interface Row {
  does: string;
  from: StateValue;
  rooms?: string[];
  event: ConnectionEvent;
  to: StateValue;
  actions: string[];
  roomsAfter?: string[];
}

const rows: Row[] = [
  { does: 'suspends a member whose socket vanished, keeping its rooms and saying nothing', from: { helloed: { unregistered: 'inRoom' } }, rooms: ['r1', 'r2'], event: { type: 'ws.lost' }, to: SUSPENDED, actions: [], roomsAfter: ['r1', 'r2'] },
  { does: 'suspends a helloed connection in no room', from: { helloed: { unregistered: 'outOfRoom' } }, event: { type: 'ws.lost' }, to: SUSPENDED, actions: [], roomsAfter: [] },
  { does: 'goes back in room on a resume when it holds rooms', from: SUSPENDED, rooms: ['r1'], event: { type: 'ws.resumed' }, to: { helloed: { unregistered: 'inRoom' } }, actions: [], roomsAfter: ['r1'] },
  { does: 'goes back out of room on a resume when its last room went meanwhile', from: SUSPENDED, event: { type: 'ws.resumed' }, to: { helloed: { unregistered: 'outOfRoom' } }, actions: [] },
  { does: 'ends when its window passed', from: SUSPENDED, rooms: ['r1'], event: { type: 'session.expired', reason: 'window' }, to: 'closed', actions: [] },
  { does: 'ends when its buffer overflowed', from: SUSPENDED, event: { type: 'session.expired', reason: 'overflow' }, to: 'closed', actions: [] },
  { does: 'records a join decided after its socket vanished', from: SUSPENDED, rooms: ['r1'], event: { type: 'room.joined', rid: 'r2' }, to: SUSPENDED, actions: [], roomsAfter: ['r1', 'r2'] },
  { does: 'records a removal while suspended (a kick, a remote decision)', from: SUSPENDED, rooms: ['r1', 'r2'], event: { type: 'room.left', rid: 'r1' }, to: SUSPENDED, actions: [], roomsAfter: ['r2'] },
  { does: 'ends itself on a drain (no socket to close)', from: SUSPENDED, event: { type: 'server.drain' }, to: SUSPENDED, actions: ['endSuspendedSession'] },
  { does: 'is closed by ws.closed like any connection (a release from outside)', from: SUSPENDED, event: { type: 'ws.closed' }, to: 'closed', actions: [] },
  { does: 'ignores a resume while online (an old socket still looked open)', from: { helloed: { unregistered: 'inRoom' } }, rooms: ['r1'], event: { type: 'ws.resumed' }, to: { helloed: { unregistered: 'inRoom' } }, actions: [] },
  { does: 'never suspends before the hello (nothing to resume: no token was given)', from: 'connected', event: { type: 'ws.lost' }, to: 'connected', actions: [] },
];

describe('connection machine: resume', () => {
  for (const row of rows) {
    it(`${JSON.stringify(row.from)} + ${row.event.type}: ${row.does}`, () => {
      const [next, actions] = transition(connectionMachine, snapshotIn(row.from, row.rooms), row.event);
      expect(next.value).to.deep.equal(row.to);
      expect(actions.map((a) => a.type)).to.deep.equal(row.actions);
      if (row.roomsAfter) expect([...next.context.rooms].sort()).to.deep.equal(row.roomsAfter);
    });
  }
});
