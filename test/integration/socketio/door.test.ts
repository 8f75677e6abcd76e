/**
 * The Socket.IO door with the real socket.io-client 4, connected as a JSONgle-Server 2.x app
 * connects (`io(url, { auth: { appToken } })`, event "jsongle", objects both ways): both transport
 * set-ups, the protocol over it, and rooms shared with raw WebSocket clients in both directions.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { helloClient, TestClient } from '../../helpers/client.js';
import { isIsoDate, rid } from '../../helpers/ids.js';
import { SioTestClient, type SioConnectOptions } from '../../helpers/sio-client.js';
import { useTestServer } from '../../helpers/suite.js';
import { waitFor } from '../../helpers/wait.js';

const TOKEN = 'sio-door-token';

describe('Socket.IO door: an unchanged 2.x app connects', () => {
  const srv = useTestServer({ appToken: TOKEN });
  const base = () => `http://127.0.0.1:${srv().wsPort}`;
  const sio = async (uid: string, options: SioConnectOptions = {}) => {
    const c = await SioTestClient.connectSio(base(), { appToken: TOKEN, ...options });
    await c.hello(uid);
    return c;
  };

  it('with the default transports: long-polling first, then the upgrade to WebSocket, hello on the way', async () => {
    const c = await SioTestClient.connectSio(base(), { appToken: TOKEN });
    const hello = await c.waitHelloRequest();
    expect(hello.to).to.match(/^[0-9a-f-]{36}$/);
    expect(hello.from).to.equal(srv().serverId);
    expect(isIsoDate(hello.jsongle.description.connected)).to.equal(true);
    await c.hello('poll-user');
    await c.upgraded();
    expect(c.transport).to.equal('websocket');
    // The protocol goes on over the upgraded transport.
    const joined = await c.join(rid('sio'));
    expect(joined.jsongle.action).to.equal('iq-result');
  });

  it('WebSocket-only (transports: ["websocket"]) gets Socket.IO frames, not raw JSON', async () => {
    const c = await sio('ws-only', { transports: ['websocket'] });
    expect(c.transport).to.equal('websocket');
    expect((await c.join(rid('sio'))).jsongle.action).to.equal('iq-result');
  });

  it('takes the token from the query too', async () => {
    const c = await SioTestClient.connectSio(base(), { query: { appToken: TOKEN } });
    await c.hello('query-token');
  });

  it('counts the connections by door in the metrics', async () => {
    const before = srv().server.stats.socketIOOpened;
    await sio('metric-user', { transports: ['websocket'] });
    expect(srv().server.stats.socketIOOpened).to.equal(before + 1);
    const text = await (await fetch(`${srv().restUrl}/metrics`)).text();
    expect(text).to.match(/jsongle_connections\{door="socketio"\} [1-9]/);
    expect(text).to.match(/jsongle_connections_opened_total\{door="socketio"\} [1-9]/);
  });

  it('answers a P2P call between two Socket.IO clients end to end: propose … terminate, text with ack, leave, unreachable', async () => {
    const room = rid('sio-call');
    const a = await sio('70001');
    const b = await sio('70002', { transports: ['websocket'] });
    await a.join(room);
    await b.join(room);
    await a.expectMessage({ jsongle: { action: 'session-event', event: 'joined', description: { member: { uid: '70002' } } } });
    const sid = randomUUID();
    const call = (from: TestClient, action: string, description: Record<string, unknown>, reason = '') =>
      from.relay(room, action, { sid, reason, initiator: '70001', responder: '70002', description });

    const propose = call(a, 'session-propose', { media: 'video' });
    const got = await b.expectMessage({ id: propose.id });
    expect(got.from).to.equal(room);
    expect(got.to).to.equal(b.connectionId);
    expect((await a.next()).jsongle.reason).to.equal('trying');
    await a.expectMessage({ id: call(b, 'session-info', {}, 'ringing').id });
    await a.expectMessage({ id: call(b, 'session-proceed', {}).id });
    const offer = { type: 'offer', sdp: 'v=0\r\n'.repeat(2000) };
    const initiate = await b.expectMessage({ id: call(a, 'session-initiate', { offer }).id });
    expect(initiate.jsongle.description.offer).to.deep.equal(offer);
    await a.expectMessage({ id: call(b, 'session-accept', { answer: { type: 'answer', sdp: 'v=0' } }).id });
    await b.expectMessage({ id: call(a, 'transport-info', { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host' } }).id });
    await b.expectMessage({ id: call(a, 'session-terminate', {}).id });

    // session-text: relayed, and acknowledged by the server to the sender.
    const text = a.relay(room, 'session-text', { namespace: 'message', description: { content: 'hello' } });
    const relayed = await b.expectMessage({ id: text.id });
    expect(relayed.jsongle.description.content).to.equal('hello');
    const ack = await a.expectMessage({ jsongle: { action: 'session-event', event: 'ack' } });
    expect(ack.jsongle.description.mid).to.equal(text.id);

    await b.leave(room);
    await a.expectMessage({ jsongle: { event: 'left', description: { member: { uid: '70002' } } } });
    // Alone in the room: a propose is answered unreachable.
    a.relay(room, 'session-propose', { sid: randomUUID(), initiator: '70001', responder: '70002', description: {} });
    await a.expectMessage({ jsongle: { action: 'session-info', reason: 'unreachable' } });
    await a.expectNoMessage();
    await b.expectNoMessage();
  });

  it('puts a Socket.IO member and a raw WebSocket member in one P2P room, both directions', async () => {
    const room = rid('mixed');
    const s = await sio('sio-side');
    const w = await helloClient(srv().url(TOKEN), 'ws-side');
    await s.join(room);
    await w.join(room);
    await s.expectMessage({ jsongle: { event: 'joined', description: { member: { uid: 'ws-side' } } } });

    const toRaw = s.relay(room, 'session-text', { namespace: 'message', description: { content: 'from sio' } });
    const gotRaw = await w.expectMessage({ id: toRaw.id });
    expect(gotRaw.to).to.equal(w.connectionId);
    expect(gotRaw.from).to.equal(room);
    const toSio = w.relay(room, 'session-text', { namespace: 'message', description: { content: 'from ws' } });
    const gotSio = await s.expectMessage({ id: toSio.id });
    expect(gotSio.to).to.equal(s.connectionId);
    expect(gotSio.jsongle.description.content).to.equal('from ws');
    // Each hears its relay once, and never its own.
    await s.expectMessage({ jsongle: { action: 'session-event', event: 'ack', description: { mid: toRaw.id } } });
    await w.expectMessage({ jsongle: { action: 'session-event', event: 'ack', description: { mid: toSio.id } } });
    await s.expectNoMessage();
    await w.expectNoMessage();
  });

  it('puts Socket.IO and raw members in one multi-user room: one relay reaches every other member once', async () => {
    const room = rid('mixed-muc');
    const s1 = await sio('s1');
    const s2 = await sio('s2', { transports: ['websocket'] });
    const w1 = await helloClient(srv().url(TOKEN), 'w1');
    for (const c of [s1, s2, w1]) await c.join(room, 'muc');
    const fromRaw = w1.relay(room, 'session-event', { event: 'reaction', namespace: 'muc', description: { reaction: '+1' } });
    for (const c of [s1, s2]) expect((await c.expectMessage({ id: fromRaw.id })).from).to.equal(`${room}/w1`);
    const fromSio = s1.relay(room, 'session-event', { event: 'reaction', namespace: 'muc', description: { reaction: '+2' } });
    for (const c of [s2, w1]) expect((await c.expectMessage({ id: fromSio.id })).sender).to.equal(s1.connectionId);
    for (const c of [s1, s2, w1]) {
      await c.expectNoMessage((m) => m.jsongle.action === 'session-event' && m.jsongle.event === 'reaction');
    }
  });

  it('tells the room `left` when a Socket.IO member disconnects or vanishes, and forgets it', async () => {
    const server = srv().server;
    const room = rid('gone');
    const w = await helloClient(srv().url(TOKEN), 'stays');
    const s = await sio('goes');
    const t = await sio('vanishes', { transports: ['websocket'] });
    await w.join(room, 'muc');
    await s.join(room, 'muc');
    await t.join(room, 'muc');
    const open = server.inspectState().connections;
    await s.close(); // socket.disconnect(): a deliberate close
    await w.expectMessage({ jsongle: { event: 'left', description: { member: { uid: 'goes' } } } });
    await t.terminate(); // the transport drops without a Socket.IO disconnect
    await w.expectMessage({ jsongle: { event: 'left', description: { member: { uid: 'vanishes' } } } });
    await waitFor(() => server.inspectState().connections === open - 2, 'both Socket.IO connections released');
    // The raw member is alone now; its relays still go out (through the uWS topic only).
    const alone = w.relay(room, 'session-text', { namespace: 'message', description: { content: 'anyone?' } });
    await w.expectMessage({ jsongle: { action: 'session-event', event: 'ack', description: { mid: alone.id } } });
    await w.expectNoMessage((m) => m.jsongle.action === 'session-error');
  });
});

describe('Socket.IO door: bad input gets protocol errors, never a crash', () => {
  const srv = useTestServer();
  const base = () => `http://127.0.0.1:${srv().wsPort}`;

  it('answers a non-object, a string that is not JSON, an envelope without jsongle, and too deep a nesting', async () => {
    const c = await SioTestClient.connectSio(base(), { transports: ['websocket'] });
    await c.hello('bad-input');
    c.sendRaw('not json');
    expect((await c.expectMessage({ jsongle: { action: 'session-error' } })).jsongle.description.errorCode).to.equal(400003);
    c.send([1, 2, 3]);
    expect((await c.expectMessage({ jsongle: { action: 'session-error' } })).jsongle.description.errorCode).to.equal(400003);
    c.send({ id: 'x', to: 'jsongle-server' });
    expect((await c.expectMessage({ jsongle: { action: 'session-error' } })).jsongle.description.errorCode).to.equal(400002);
    let deep: unknown = {};
    for (let i = 0; i < 100; i++) deep = { d: deep };
    c.send({ id: 'y', to: 'jsongle-server', jsongle: { action: 'session-text', description: deep } });
    expect((await c.expectMessage({ jsongle: { action: 'session-error' } })).jsongle.description.errorCode).to.equal(400003);
    // A JSON string is taken as the raw door takes a frame.
    c.sendRaw(JSON.stringify({ id: 'z', from: c.connectionId, to: 'jsongle-server', jsongle: { action: 'iq-set', query: 'session-join', transaction: 't1', description: { rid: rid('str') } } }));
    expect((await c.expectMessage({ jsongle: { transaction: 't1' } })).jsongle.action).to.equal('iq-result');
    expect(c.isOpen).to.equal(true);
  });

  it('answers an event other than "jsongle" with 400003', async () => {
    const c = await SioTestClient.connectSio(base());
    await c.hello('other-event');
    c.emitOther('message', { hello: 'world' });
    expect((await c.expectMessage({ jsongle: { action: 'session-error' } })).jsongle.description.errorCode).to.equal(400003);
  });

  it('refuses requests before hello with 403002, as on the raw door', async () => {
    const c = await SioTestClient.connectSio(base());
    await c.waitHelloRequest();
    const reply = await c.request('session-join', { rid: rid('early') });
    expect(reply.jsongle.action).to.equal('iq-error');
    expect(reply.jsongle.description.errorCode).to.equal(403002);
  });
});
