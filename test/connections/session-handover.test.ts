/**
 * Resume across nodes, the session's side (src/connections/sessions.ts): the old node reserves and
 * hands out a session (frames after lastSeen, counts, token), the new node holds what reaches it
 * before the hand-over is complete and numbers everything in the order the protocol guarantees:
 * handed-over frames, then those the old node forwarded, then those held here. No network: two
 * Sessions owners and fake sockets.
 */
import { expect } from 'chai';
import type { ConnectionActor, ConnectionEvent } from '../../machines/connection.js';
import { nodeOfToken } from '../../src/connections/resume-token.js';
import { Sessions } from '../../src/connections/sessions.js';
import { Stats } from '../../src/observability/stats.js';
import { MessageBuilder } from '../../src/protocol/build.js';
import type { Socket } from '../../src/transport/socket-data.js';
import { FakeSocket } from '../helpers/fake-socket.js';

const config = { windowSec: 20, bufferMessages: 64, bufferBytes: 1 << 20, handoverTimeoutMs: 2000, forwardSec: 5 };

function owner(nodeId: string) {
  const stats = new Stats();
  const written: string[] = [];
  const sessions = new Sessions({
    config, stats, builder: new MessageBuilder({ id: 'srv', version: '0', info: '' }), nodeId,
    write: (ws, text) => { ws.send(text, false, false); written.push(text); return true; },
    release: () => undefined, reattach: () => undefined, detach: () => undefined, subOf: () => undefined,
  });
  return { sessions, stats, written };
}

function actor(): ConnectionActor & { events: ConnectionEvent[] } {
  const events: ConnectionEvent[] = [];
  return { events, send: (e: ConnectionEvent) => events.push(e) } as unknown as ConnectionActor & { events: ConnectionEvent[] };
}

/** A session on the old node with `n` frames written, its socket open. */
function sessionWithFrames(sessions: Sessions, id: string, n: number): FakeSocket {
  const ws = new FakeSocket(id, actor());
  sessions.open(ws.socket);
  sessions.grant(id);
  for (let i = 1; i <= n; i++) sessions.deliver(id, `f${i}`);
  return ws;
}

describe('Sessions: resume across nodes', () => {
  it('issues tokens that name their node (a token without one names none)', () => {
    const { sessions } = owner('node-a.1');
    sessionWithFrames(sessions, 'c1', 0);
    const token = sessions.grant('c1')?.token as string;
    expect(nodeOfToken(token)).to.equal('node-a.1');
    expect(token).to.match(/^[A-Za-z0-9_-]{24}\.node-a\.1$/);
    expect(nodeOfToken('AAAAAAAAAAAAAAAAAAAAAAAA')).to.equal('');
  });

  it('old node: reserves (closing a socket that still looks open with 4409) and hands out the frames after lastSeen, keeping nothing', () => {
    const a = owner('a');
    const ws = sessionWithFrames(a.sessions, 'c1', 5);
    expect(a.sessions.reserve('c1')).to.equal(true);
    expect(ws.calls.find((c) => c[0] === 'end')?.[1]).to.equal(4409);
    expect(ws.data.replaced).to.equal(true);
    expect((ws.data.actor as unknown as { events: ConnectionEvent[] }).events, 'its actor is suspended').to.deep.equal([{ type: 'ws.lost' }]);
    expect(a.sessions.reserve('c1'), 'already moving').to.equal(false);
    const token = ws.data.session === null ? '' : (ws.data.session as unknown as { token: string }).token;
    expect(token).to.have.length.greaterThan(24);
    expect(a.sessions.claim(token, '5'), 'a second resume while it moves').to.deep.equal({ claim: { failed: 'unknown' } });
    expect(a.sessions.reserve('nobody')).to.equal(false);
    const h = a.sessions.handOut('c1', 3);
    expect(h).to.deep.include({ id: 'c1', lastSeen: 3, frames: ['f4', 'f5'] });
    expect(a.sessions.has('c1')).to.equal(false);
    expect(a.sessions.sizes).to.deep.equal({ sessions: 0, tokens: 0, unconfirmed: 0, suspended: 0 });
    expect(a.sessions.handOut('c1', 3)).to.equal(null);
  });

  it('old node: a failed move puts the session back, suspended with a fresh window', () => {
    const a = owner('a');
    sessionWithFrames(a.sessions, 'c1', 1);
    a.sessions.reserve('c1');
    a.sessions.unreserve('c1');
    expect(a.sessions.isSuspended('c1')).to.equal(true);
    expect(a.sessions.suspendedCount).to.equal(1);
    a.sessions.unreserve('nobody');
  });

  it('new node: numbers handed-over, then forwarded, then held frames, and replays them in that order on the resume', () => {
    const a = owner('a');
    sessionWithFrames(a.sessions, 'c1', 5);
    a.sessions.reserve('c1');
    const h = a.sessions.handOut('c1', 3);
    if (h === null) throw new Error('no session handed out');

    const b = owner('b');
    b.sessions.expectArrival('c1');
    expect(b.sessions.deliver('c1', 'held1')).to.equal(true);
    b.sessions.note('c1', 'held2');
    expect(b.sessions.isArriving('c1')).to.equal(true);
    const moved = actor();
    b.sessions.adopt(h, moved);
    b.sessions.deliverAhead('c1', 'ahead1');
    expect(b.sessions.isArriving('c1'), 'held until the old node is done').to.equal(true);
    b.sessions.releaseHeld('c1');
    expect(b.sessions.isArriving('c1')).to.equal(false);
    expect(b.sessions.isSuspended('c1')).to.equal(true);

    const claimed = b.sessions.claim(h.token, '3');
    expect(claimed).to.deep.include({ id: 'c1' });
    const ws = new FakeSocket('c1');
    ws.data.resume = (claimed as { claim: { token: string; lastSeen: number } }).claim;
    expect(b.sessions.attach(ws.socket as Socket)).to.equal(true);
    const [resumed, ...replay] = b.written;
    expect(JSON.parse(resumed).jsongle.description).to.include({ id: 'c1', replayed: 5 });
    expect(replay).to.deep.equal(['f4', 'f5', 'ahead1', 'held1', 'held2']);
    expect(moved.events).to.deep.equal([{ type: 'ws.resumed' }]);
  });

  it('new node: an `S` before the session itself releases the held frames once it comes', () => {
    const b = owner('b');
    b.sessions.expectArrival('c1');
    b.sessions.deliver('c1', 'held1');
    b.sessions.deliverAhead('c1', 'ahead1');
    b.sessions.releaseHeld('c1');
    b.sessions.adopt({ id: 'c1', token: 't.a', lastSeen: 2, received: 1, frames: [] }, actor());
    expect(b.sessions.isArriving('c1')).to.equal(false);
    expect(b.sessions.claim('t.a', '2')).to.deep.include({ id: 'c1' });
  });

  it('new node: a hand-over that never came leaves nothing behind; an adopted session is not cancelled', () => {
    const b = owner('b');
    b.sessions.expectArrival('c1');
    b.sessions.deliver('c1', 'x');
    b.sessions.cancelArrival('c1');
    expect(b.sessions.has('c1')).to.equal(false);
    expect(b.sessions.deliverAhead('c1', 'y')).to.equal(false);
    b.sessions.adopt({ id: 'c2', token: 't2.a', lastSeen: 0, received: 0, frames: [] }, actor());
    b.sessions.cancelArrival('c2');
    expect(b.sessions.has('c2')).to.equal(true);
  });
});
