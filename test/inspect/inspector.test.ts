/**
 * Inspection against a live server: what a local inspector endpoint receives when the server runs
 * with inspect.enabled, and that it receives nothing when inspection is off. The records are the
 * ones the Stately inspector UI draws (actors with their machine definition, events, snapshots).
 */
import { expect } from 'chai';
import { closeAllClients, helloClient } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rid } from '../helpers/ids.js';
import { InspectorEndpoint, type InspectionRecord } from './endpoint.js';

const SDP_MARKER = 'o=- 4611731400430051336 2 IN IP4 SECRET-SDP-MARKER';
const CANDIDATE_MARKER = 'candidate:842163049 1 udp 1677729535 SECRET-CANDIDATE-MARKER 54321 typ srflx';
const DN_MARKER = 'Alice SECRET-DISPLAY-NAME';

const isActor = (name: string) => (r: InspectionRecord) => r.type === '@xstate.actor' && r.name === name;

/** The connection chart's four relay events. */
const RELAY_EVENTS = new Set(['client.propose', 'client.callAction', 'client.message', 'client.roomEvent']);

describe('Stately inspection of a running server', function () {
  let endpoint: InspectorEndpoint;
  let srv: TestServer;

  before(async () => {
    endpoint = await InspectorEndpoint.start();
    srv = await startTestServer({ inspect: { enabled: true, url: endpoint.url } });
  });
  afterEach(closeAllClients);
  after(async () => {
    await closeAllClients();
    await srv?.stop();
    await endpoint?.close();
  });

  it('registers the supervisor actor with its machine definition', async () => {
    const sup = await endpoint.expectRecord('the supervisor actor', isActor('supervisor'));
    expect(JSON.parse(sup.definition ?? '{}')).to.include({ id: 'supervisor', initial: 'accepting' });
    await endpoint.expectRecord('the supervisor entering accepting', (r) =>
      r.type === '@xstate.snapshot' && r.sessionId === sup.sessionId && r.snapshot?.value === 'accepting');
  });

  it('shows a connection actor going from connected to helloed and inRoom with the events that moved it', async () => {
    const alice = await helloClient(srv.url(), 'alice');
    const room = rid('inspect');
    await alice.join(room);

    const sup = await endpoint.expectRecord('the supervisor actor', isActor('supervisor'));
    const opened = await endpoint.expectRecord('ws.opened at the supervisor', (r) =>
      r.type === '@xstate.event' && r.sessionId === sup.sessionId && r.event?.type === 'ws.opened' && r.event.id === alice.connectionId);
    expect(opened.event?.socket, 'the uWS socket handle').to.equal('[hidden]');

    const conn = await endpoint.expectRecord("alice's connection actor", (r) =>
      isActor('connection')(r) && r.snapshot?.context?.id === alice.connectionId);
    expect(JSON.parse(conn.definition ?? '{}')).to.include({ id: 'connection', initial: 'connected' });

    const inConn = (type: string, pred: (r: InspectionRecord) => boolean) => (r: InspectionRecord) =>
      r.type === type && r.sessionId === conn.sessionId && pred(r);
    await endpoint.expectRecord('client.hello sent to the connection', inConn('@xstate.event', (r) => r.event?.type === 'client.hello'));
    const helloed = await endpoint.expectRecord('the helloed snapshot', inConn('@xstate.snapshot', (r) => r.event?.type === 'client.hello'));
    expect(helloed.snapshot?.value).to.deep.equal({ helloed: { unregistered: 'outOfRoom' } });
    expect(helloed.snapshot?.context?.profile).to.deep.equal({ uid: 'alice' });

    const join = await endpoint.expectRecord('conn.join at the supervisor', (r) =>
      r.type === '@xstate.event' && r.sessionId === sup.sessionId && r.event?.type === 'conn.join');
    expect((join.event?.msg as { jsongle: { description: unknown } }).jsongle.description).to.deep.equal({ rid: room });

    const joined = await endpoint.expectRecord('the inRoom snapshot', inConn('@xstate.snapshot', (r) => r.event?.type === 'room.joined'));
    expect(joined.snapshot?.value).to.deep.equal({ helloed: { unregistered: 'inRoom' } });
    expect(joined.snapshot?.context?.rooms).to.deep.equal([room]);
  });

  it('hides SDP, ICE candidates, display names and socket handles from every record', async () => {
    const alice = await helloClient(srv.url(), 'alice', DN_MARKER);
    const bob = await helloClient(srv.url(), 'bob');
    const room = rid('inspect-call');
    await alice.join(room);
    await bob.join(room);
    const sid = `sid-${room}`;
    alice.relay(room, 'session-initiate', { sid, initiator: 'alice', responder: 'bob', description: { sdp: `v=0\r\n${SDP_MARKER}\r\n`, type: 'offer' } });
    alice.relay(room, 'transport-info', { sid, description: { candidate: CANDIDATE_MARKER, sdpMid: '0' } });
    await bob.expectMessage({ jsongle: { action: 'session-initiate' } });
    await bob.expectMessage({ jsongle: { action: 'transport-info' } });

    const relayOf = (action: string) => (r: InspectionRecord) =>
      r.type === '@xstate.event' && RELAY_EVENTS.has(r.event?.type ?? '') && (r.event?.msg as { jsongle: { action: string } }).jsongle.action === action;
    const initiate = await endpoint.expectRecord('the session-initiate relay', relayOf('session-initiate'));
    expect((initiate.event?.msg as { jsongle: Record<string, unknown> }).jsongle).to.include({ action: 'session-initiate', sid, description: '[hidden]' });
    // The relay rewrites from/to in place while the actor runs; the records keep the message as received.
    for (const r of endpoint.records.filter((x) => RELAY_EVENTS.has(x.event?.type ?? ''))) {
      expect((r.event?.msg as { to: unknown }).to, `${r.type} of a relay`).to.equal(room);
    }
    await endpoint.expectRecord('the transport-info relay', relayOf('transport-info'));
    // The relays' snapshots come after their events: wait for them too before scanning every frame.
    await endpoint.expectRecord('the snapshot after transport-info', (r) =>
      r.type === '@xstate.snapshot' && RELAY_EVENTS.has(r.event?.type ?? '') && (r.event?.msg as { jsongle: { action: string } }).jsongle.action === 'transport-info');

    const all = endpoint.frames.join('\n');
    expect(all).to.not.include('SECRET-SDP-MARKER');
    expect(all).to.not.include('SECRET-CANDIDATE-MARKER');
    expect(all).to.not.include('SECRET-DISPLAY-NAME');
    for (const r of endpoint.records) {
      if (r.event && 'socket' in r.event) expect(r.event.socket, `${r.type} ${r.event.type}`).to.equal('[hidden]');
    }
    expect(endpoint.frames.every((f) => !f.startsWith('(binary)'))).to.equal(true);
  });
});

describe('Stately inspection switched off (the default)', function () {
  it('sends nothing to the configured endpoint', async () => {
    const endpoint = await InspectorEndpoint.start();
    const srv = await startTestServer({ inspect: { enabled: false, url: endpoint.url } });
    try {
      const alice = await helloClient(srv.url(), 'alice');
      await alice.join(rid('quiet'));
      await alice.close();
      // A positive control instead of a wait: a second server WITH inspection, started after the
      // first one's whole session, connects to the same endpoint and sends its first record. An
      // inspector of the first server would have connected at its start, before this one.
      const control = await startTestServer({ inspect: { enabled: true, url: endpoint.url } });
      try {
        await endpoint.expectRecord('the control server\'s supervisor', (r) => r.type === '@xstate.actor');
      } finally {
        await control.stop();
      }
      expect(endpoint.connections, 'only the control server connected').to.equal(1);
      expect(endpoint.frames.every((f) => !f.includes('"quiet'))).to.equal(true);
    } finally {
      await srv.stop();
      await endpoint.close();
    }
  });
});

describe('Stately inspection with the endpoint down', function () {
  it('keeps serving clients and stops without a lingering reconnect', async () => {
    // A port that was free a moment ago: nothing listens there now.
    const gone = await InspectorEndpoint.start();
    const url = gone.url;
    await gone.close();
    const srv = await startTestServer({ inspect: { enabled: true, url } });
    try {
      const alice = await helloClient(srv.url(), 'alice');
      await alice.join(rid('down'));
      await alice.close();
    } finally {
      // If stop() left the retry timer or socket alive, mocha (run without --exit) would not exit.
      await srv.stop();
    }
  });
});
