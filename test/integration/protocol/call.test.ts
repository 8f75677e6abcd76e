/**
 * A whole call driven the way the JSONgle client library drives it (message shapes from its
 * "Messages exchanged" page), plus a disconnect in the middle of a call: no ghost may remain.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { helloClient, type Msg, type OutEnvelope, type TestClient } from '../../helpers/client.js';
import { useTestServer } from '../../helpers/suite.js';
import { isIsoDate, rid } from '../../helpers/ids.js';
import { waitFor } from '../../helpers/wait.js';

/** A plausible SDP of about 8 KB (real offers run 8-13 KB): the frame must pass untouched. */
function fakeSdp(kind: 'offer' | 'answer'): string {
  const lines = ['v=0', `o=- 4129577743034933870 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0 1'];
  for (let pt = 96; lines.join('\r\n').length < 8000; pt++) {
    lines.push(`a=rtpmap:${pt} VP8/90000`, `a=rtcp-fb:${pt} goog-remb`, `a=rtcp-fb:${pt} transport-cc`, `a=fmtp:${pt} level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f`);
  }
  lines.push(`a=setup:${kind === 'offer' ? 'actpass' : 'active'}`);
  return `${lines.join('\r\n')}\r\n`;
}

/** One side of a call, building jsongle the way the client library does. */
class Party {
  constructor(readonly client: TestClient, readonly room: string, readonly sid: string) {}

  send(action: string, description: Record<string, unknown>, reason = ''): OutEnvelope {
    return this.client.relay(this.room, action, { sid: this.sid, action, reason, initiator: '70001', responder: '70002', description });
  }

  /** Waits for the peer's message of this action (and reason) and checks it arrived as sent. */
  async receive(sent: OutEnvelope): Promise<Msg> {
    const got = await this.client.expectMessage({ id: sent.id });
    const j = sent.jsongle as Record<string, unknown>;
    expect(got.from).to.equal(this.room);
    expect(got.to).to.equal(this.client.connectionId);
    expect(got.jsongle.action).to.equal(j.action);
    expect(got.jsongle.reason).to.equal(j.reason);
    expect(got.jsongle.sid).to.equal(this.sid);
    return got;
  }
}

async function callers(url: string, room: string): Promise<[Party, Party]> {
  const a = await helloClient(url, '70001', 'Caller');
  const b = await helloClient(url, '70002', 'Callee');
  await a.join(room);
  await b.join(room);
  await a.expectMessage({ jsongle: { event: 'joined' } });
  const sid = randomUUID();
  return [new Party(a, room, sid), new Party(b, room, sid)];
}

describe('Call: a full call as the JSONgle client library makes it', () => {
  const srv = useTestServer();

  it('carries propose → trying → ringing → proceed → initiate → accept → candidates → active → mute → terminate', async () => {
    const room = rid('call');
    const [caller, callee] = await callers(srv().url(), room);
    const { stats } = srv().server;
    const accepted = stats.callsAccepted;
    const inProgress = stats.callsInProgress;
    const now = () => new Date().toJSON();

    const propose = caller.send('session-propose', { initiated: now(), media: 'video' });
    await callee.receive(propose);
    const ringing = callee.send('session-info', { rang: now() }, 'ringing');
    // The client library drops `ringing` unless `trying` came first: check the arrival order.
    const first = await caller.client.next();
    expect(first.jsongle.action).to.equal('session-info');
    expect(first.jsongle.reason, JSON.stringify(first)).to.equal('trying');
    expect(first.jsongle.sid).to.equal(caller.sid);
    await caller.receive(ringing);

    await caller.receive(callee.send('session-proceed', { proceeded: now() }));

    const offer = { type: 'offer', sdp: fakeSdp('offer') };
    const initiate = caller.send('session-initiate', { offering: now(), offer });
    const gotOffer = await callee.receive(initiate);
    expect(gotOffer.jsongle.description.offer).to.deep.equal(offer);
    expect(isIsoDate(gotOffer.jsongle.description.relayed)).to.equal(true);

    const answer = { type: 'answer', sdp: fakeSdp('answer') };
    const gotAnswer = await caller.receive(callee.send('session-accept', { offered: now(), answer }));
    expect(gotAnswer.jsongle.description.answer).to.deep.equal(answer);
    expect(stats.callsAccepted).to.equal(accepted + 1);
    expect(stats.callsInProgress).to.equal(inProgress + 1);

    for (let i = 0; i < 6; i++) {
      const candidate = { candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 ${50000 + i} typ host generation 0`, sdpMid: String(i % 2), sdpMLineIndex: i % 2 };
      const got = await callee.receive(caller.send('transport-info', { establishing: now(), candidate }));
      expect(got.jsongle.description.candidate).to.deep.equal(candidate);
      await caller.receive(callee.send('transport-info', { establishing: now(), candidate: { ...candidate, candidate: `${candidate.candidate} remote` } }));
    }

    await callee.receive(caller.send('session-info', { actived: now() }, 'active'));
    await caller.receive(callee.send('session-info', { actived: now() }, 'active'));
    await callee.receive(caller.send('session-info', { muted: now() }, 'mute'));
    await callee.receive(caller.send('session-info', { unmuted: now() }, 'unmute'));

    await callee.receive(caller.send('session-terminate', { ended: now() }));
    expect(stats.callsInProgress).to.equal(inProgress);
    expect(stats.callsAccepted).to.equal(accepted + 1);
    // Nothing the server made was sent besides `trying` (no stray errors along the way).
    await caller.client.expectNoMessage();
    await callee.client.expectNoMessage();
  });

  it('relays a retracted call and a declined call without counting them as accepted', async () => {
    const room = rid('call');
    const [caller, callee] = await callers(srv().url(), room);
    const accepted = srv().server.stats.callsAccepted;
    await callee.receive(caller.send('session-propose', { media: 'audio' }));
    await caller.client.expectMessage({ jsongle: { reason: 'trying' } });
    await callee.receive(caller.send('session-retract', { ended: new Date().toJSON() }));
    await callee.receive(caller.send('session-propose', { media: 'audio' }));
    await caller.client.expectMessage({ jsongle: { reason: 'trying' } });
    await caller.receive(callee.send('session-decline', { ended: new Date().toJSON() }));
    expect(srv().server.stats.callsAccepted).to.equal(accepted);
  });
});

describe('Call: leaving in the middle of a call', () => {
  const srv = useTestServer();

  it('ends the call in progress when a party leaves the room without terminating', async () => {
    const room = rid('call');
    const [caller, callee] = await callers(srv().url(), room);
    const { stats } = srv().server;
    const inProgress = stats.callsInProgress;
    await callee.receive(caller.send('session-propose', { media: 'audio' }));
    await caller.receive(callee.send('session-accept', { answer: { type: 'answer', sdp: 'v=0' } }));
    expect(stats.callsInProgress).to.equal(inProgress + 1);
    await callee.client.leave(room);
    await caller.client.expectMessage({ jsongle: { event: 'left' } });
    expect(stats.callsInProgress).to.equal(inProgress);
  });
});

describe('Call: disconnect in the middle of a call', () => {
  const srv = useTestServer();

  it('tells the peer with left, frees the seat, and leaves no ghost in rooms, connections or topics', async () => {
    const server = srv().server;
    await waitFor(() => server.inspectState().connections === 0, 'no connection left from earlier tests');
    const base = server.inspectState();
    const callsBase = server.stats.callsInProgress;
    const room = rid('call');
    const topic = `room/${room}`;

    const [caller, callee] = await callers(srv().url(), room);
    expect(server.numSubscribers(topic)).to.equal(2);
    await callee.receive(caller.send('session-propose', { media: 'audio' }));
    await caller.client.expectMessage({ jsongle: { reason: 'trying' } });
    await caller.receive(callee.send('session-proceed', {}));
    await callee.receive(caller.send('session-initiate', { offer: { type: 'offer', sdp: fakeSdp('offer') } }));
    await caller.receive(callee.send('session-accept', { answer: { type: 'answer', sdp: fakeSdp('answer') } }));
    expect(server.stats.callsInProgress).to.equal(callsBase + 1);

    // The caller vanishes without a close frame (crash, network loss).
    await caller.client.terminate();
    const left = await callee.client.expectMessage({ jsongle: { action: 'session-event', event: 'left' } });
    expect(left.jsongle).to.deep.equal({ action: 'session-event', namespace: 'room', event: 'left', description: { member: { uid: '70001', dn: 'Caller' }, rid: room } });

    let s = server.inspectState();
    expect(s.connections).to.equal(base.connections + 1);
    expect(s.rooms).to.equal(base.rooms + 1);
    expect(s.memberIndex).to.equal(base.memberIndex + 1);
    expect(server.numSubscribers(topic)).to.equal(1);
    // The call ended with its room's second member: it is no longer in progress.
    await waitFor(() => server.stats.callsInProgress === callsBase, `callsInProgress back to ${callsBase}, now ${server.stats.callsInProgress}`);

    // The seat is free: a third client joins and sees only the callee.
    const third = await helloClient(srv().url(), 'third');
    const joined = await third.join(room);
    expect(joined.jsongle.description.members).to.deep.equal([{ uid: '70002', dn: 'Callee' }]);
    await callee.client.expectMessage({ jsongle: { event: 'joined', description: { member: { uid: 'third' } } } });
    s = server.inspectState();
    expect(s.connections).to.equal(base.connections + 2);
    expect(s.rooms).to.equal(base.rooms + 1);
    expect(s.memberIndex).to.equal(base.memberIndex + 2);
    expect(server.numSubscribers(topic)).to.equal(2);
    // And the new pair can talk.
    const sent = third.relay(room, 'session-text', { namespace: 'message', description: { content: 'hi' } });
    await callee.client.expectMessage({ id: sent.id });

    await third.close();
    await callee.client.close();
    await waitFor(() => {
      const now = server.inspectState();
      return now.connections === base.connections && now.rooms === base.rooms && now.memberIndex === base.memberIndex && now.helloPending === base.helloPending;
    }, `state back to ${JSON.stringify(base)}, now ${JSON.stringify(server.inspectState())}`);
    expect(server.numSubscribers(topic)).to.equal(0);
  });
});
