/**
 * Timeouts: helloTimeoutMs (408001, then close 4408) and the idle timeout (idleTimeoutSec, uWS
 * sends pings by itself): a peer that stops answering is gone within the timeout and its rooms
 * see `left`, while a quiet peer that answers pings stays.
 */
import { expect } from 'chai';
import { TestClient } from '../helpers/client.js';
import { useTestServer } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';
import { LeanClient } from '../leak/lean-client.js';

describe('Hello timeout', () => {
  const srv = useTestServer({ helloTimeoutMs: 300 });

  it('sends 408001 then closes with 4408 when no hello comes in time, counts it, and keeps nothing of the connection', async () => {
    const before = srv().server.stats.serverCloses.helloTimeout ?? 0;
    const c = await TestClient.connect(srv().url());
    await c.waitHelloRequest();
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } }, 3000);
    expect(err.jsongle.description.errorCode).to.equal(408001);
    expect((await c.expectClose(3000)).code).to.equal(4408);
    expect((srv().server.stats.serverCloses.helloTimeout ?? 0) - before).to.equal(1);
    await waitFor(() => srv().server.inspectState().connections === 0, 'the connection to be released');
    expect(srv().server.inspectState()).to.include({ helloPending: 0, rooms: 0, memberIndex: 0 });
  });

  it('is not cut off once its hello was answered in time', async () => {
    const c = await TestClient.connect(srv().url());
    await c.hello('in-time');
    await c.expectNoMessageWithin(600);
    expect(c.isOpen).to.equal(true);
  });
});

describe('Idle timeout (idleTimeoutSec 8, the uWS minimum)', function () {
  this.timeout(40_000);
  const srv = useTestServer({ idleTimeoutSec: 8 });
  const open: LeanClient[] = [];
  after(() => { for (const c of open) if (c.closed === null) c.destroy(); });

  it('drops a peer that stops answering pings within the timeout; its room sees `left`; a quiet peer answering pings stays', async () => {
    const before = srv().server.stats.serverCloses.idleTimeout ?? 0;
    const quiet = await LeanClient.open(srv().wsPort);
    const stuck = await LeanClient.open(srv().wsPort);
    open.push(quiet, stuck);
    await quiet.hello('quiet');
    await stuck.hello('stuck');
    await quiet.request('session-join', { rid: 'idle-room' }, 'q');
    await stuck.request('session-join', { rid: 'idle-room' }, 's');
    await quiet.expect((m) => m.jsongle.event === 'joined');
    // A vanished peer (crashed laptop, dead NAT mapping): it neither reads nor answers pings.
    stuck.pause();
    const started = Date.now();
    const left = await quiet.expect((m) => m.jsongle.event === 'left', 25_000);
    const seconds = (Date.now() - started) / 1000;
    expect(left.jsongle.description).to.deep.equal({ member: { uid: 'stuck' }, rid: 'idle-room' });
    expect((srv().server.stats.serverCloses.idleTimeout ?? 0) - before).to.equal(1);
    // The quiet peer sent nothing for as long, but answered the pings: it is still there.
    expect(quiet.closed).to.equal(null);
    expect(srv().server.inspectState()).to.include({ connections: 1, rooms: 1, memberIndex: 1 });
    console.log(`      idle: the stuck peer was dropped ${seconds.toFixed(1)} s after it stopped answering`);
    await quiet.close();
  });
});

describe('Idle timeout with resume on: the session is suspended, not ended', function () {
  this.timeout(40_000);
  const srv = useTestServer({ idleTimeoutSec: 8, resume: { windowSec: 2 } });
  const open: LeanClient[] = [];
  after(() => { for (const c of open) if (c.closed === null) c.destroy(); });

  it('a peer dropped by the idle timeout is suspended (its room hears nothing), and its room hears `left` only when the window has passed', async () => {
    const { stats } = srv().server;
    const suspendedBefore = stats.sessionsSuspended;
    const expiredBefore = stats.sessionsEnded.window ?? 0;
    const quiet = await LeanClient.open(srv().wsPort);
    const stuck = await LeanClient.open(srv().wsPort);
    open.push(quiet, stuck);
    await quiet.hello('quiet');
    await stuck.hello('stuck');
    await quiet.request('session-join', { rid: 'idle-resume-room' }, 'q');
    await stuck.request('session-join', { rid: 'idle-resume-room' }, 's');
    await quiet.expect((m) => m.jsongle.event === 'joined');
    // A network that went away without a word: uWS's idle timeout closes the socket (1006, no close frame).
    stuck.pause();
    await waitFor(() => stats.sessionsSuspended === suspendedBefore + 1, 'the idle socket to be suspended', 25_000);
    // Suspended: the room was told nothing, the session is still counted in it.
    expect(quiet.queue.some((m) => m.jsongle.event === 'left')).to.equal(false);
    expect(srv().server.inspectState()).to.include({ sessions: 2, memberIndex: 2 });
    // Nobody resumed it within resume.windowSec: it ends as a disconnect does.
    const left = await quiet.expect((m) => m.jsongle.event === 'left', 10_000);
    expect(left.jsongle.description).to.deep.equal({ member: { uid: 'stuck' }, rid: 'idle-resume-room' });
    expect((stats.sessionsEnded.window ?? 0) - expiredBefore).to.equal(1);
    await quiet.close();
  });
});
