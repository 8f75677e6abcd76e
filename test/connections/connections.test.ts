/**
 * Connections, the one owner of sockets, with fake uWS sockets that record every call and throw,
 * as uWS does, when anything touches them once closed. Checked: a send never reaches a closed
 * socket, a backpressure refusal (status 2) is flagged and counted, errors answer an iq-set with
 * iq-error and anything else with session-error, and release is the one idempotent clean-up.
 */
import { expect } from 'chai';
import { createActor } from 'xstate';
import { connectionMachine } from '../../machines/connection.js';
import type { ConnectionActor } from '../../src/actors/connection.js';
import { Connections } from '../../src/connections/connections.js';
import { Stats } from '../../src/observability/stats.js';
import { MessageBuilder } from '../../src/protocol/build.js';
import { ErrorCode } from '../../src/protocol/codes.js';
import type { Envelope, Profile } from '../../src/protocol/types.js';
import { LocalPubSub } from '../../src/pubsub/local.js';
import type { PubSub } from '../../src/pubsub/pubsub.js';
import type { Socket, SocketData } from '../../src/transport/socket-data.js';
import { FakeSocket } from '../helpers/fake-socket.js';

const SERVER = { id: 'jsongle-server', version: '3.0.0', info: 'test' };

/** The local PubSub over the fake sockets, recording the frames for other nodes. */
class RecordingPubSub implements PubSub<Socket> {
  private readonly local: PubSub<Socket> = new LocalPubSub<SocketData>();
  readonly toNodes: Array<[string, string, string]> = [];
  up = true;
  subscribe(ws: Socket, topic: string): void { this.local.subscribe(ws, topic); }
  unsubscribe(ws: Socket, topic: string): void { this.local.unsubscribe(ws, topic); }
  publishFrom(ws: Socket, topic: string, text: string): void { this.local.publishFrom(ws, topic, text, false); }
  toNode(node: string, connId: string, message: string): void { this.toNodes.push([node, connId, message]); }
  linkUp(): boolean { return this.up; }
}

function setup() {
  const stats = new Stats();
  const pubsub = new RecordingPubSub();
  const departures: Array<[string, Profile | null, string | undefined]> = [];
  const connections = new Connections({
    stats,
    builder: new MessageBuilder(SERVER),
    pubsub,
    // Records the actor's status at departure: the rooms hear `left` while the actor still holds its profile.
    onDeparture: (connId, profile) => departures.push([connId, profile, connections.actorOf(connId)?.getSnapshot().status]),
  });
  const open = (id: string, actor: ConnectionActor | null = null) => {
    const ws = new FakeSocket(id, actor);
    connections.add(ws.socket);
    return ws;
  };
  return { stats, pubsub, departures, connections, open };
}

/** A real connection actor (the pure chart, its I/O stubs doing nothing) that said hello as `uid`. */
function helloedActor(id: string, uid: string): ConnectionActor {
  const machine = connectionMachine.provide({ guards: { isHelloValid: () => true } });
  const actor = createActor(machine, { input: { id, helloTransaction: 't' } }).start();
  actor.send({ type: 'client.hello', msg: { jsongle: { action: 'iq-result', description: { uid } } } });
  return actor as unknown as ConnectionActor;
}

const iqSet = (): Envelope => ({ jsongle: { action: 'iq-set', query: 'session-join', transaction: 'tx-1' } });

describe('Connections', () => {
  describe('the map of open sockets', () => {
    it('registers a socket under the id of its user data', () => {
      const { connections, open } = setup();
      expect(connections.size).to.equal(0);
      const ws = open('c1');
      open('c2');
      expect(connections.size).to.equal(2);
      expect(connections.has('c1')).to.equal(true);
      expect(connections.has('c3')).to.equal(false);
      expect([...connections.ids()]).to.deep.equal(['c1', 'c2']);
      expect(connections.sockets()).to.have.lengthOf(2);
      expect(connections.sockets()[0]).to.equal(ws.socket);
    });

    it('finds the actor and its profile through the socket, null before hello or without an actor', () => {
      const { connections, open } = setup();
      const actor = helloedActor('c1', 'alice');
      open('c1', actor);
      const fresh = createActor(connectionMachine, { input: { id: 'c2', helloTransaction: 't' } }).start() as unknown as ConnectionActor;
      open('c2', fresh);
      open('c3');
      expect(connections.actorOf('c1')).to.equal(actor);
      expect(connections.profileOf('c1')).to.deep.equal({ uid: 'alice' });
      expect(connections.profileOf('c2')).to.equal(null);
      expect(connections.actorOf('c3')).to.equal(undefined);
      expect(connections.profileOf('c3')).to.equal(null);
      expect(connections.profileOf('nobody')).to.equal(null);
    });

    it('tells an actor an event, and nobody when the connection is unknown', () => {
      const { connections, open } = setup();
      const actor = helloedActor('c1', 'alice');
      open('c1', actor);
      connections.tell('c1', { type: 'room.joined', rid: 'r1' });
      expect(actor.getSnapshot().value).to.deep.equal({ helloed: { unregistered: 'inRoom' } });
      expect(() => connections.tell('nobody', { type: 'server.drain' })).to.not.throw();
    });

    it('clear() forgets every socket', () => {
      const { connections, open } = setup();
      open('c1');
      connections.clear();
      expect(connections.size).to.equal(0);
      expect(connections.send('c1', 'x')).to.equal(false);
    });
  });

  describe('send', () => {
    it('sends a text frame uncompressed on an open socket and counts it', () => {
      const { connections, open, stats } = setup();
      const ws = open('c1');
      expect(connections.send('c1', 'hello')).to.equal(true);
      expect(ws.calls).to.deep.equal([['send', 'hello', false, false]]);
      expect(stats.framesSent).to.equal(1);
      expect(stats.bytesSent).to.equal(5);
    });

    it('never touches a closed socket (uWS would throw), and counts nothing', () => {
      const { connections, open, stats } = setup();
      const ws = open('c1');
      ws.data.closed = true;
      expect(connections.send('c1', 'hello')).to.equal(false);
      expect(ws.calls).to.deep.equal([]);
      expect(stats.framesSent).to.equal(0);
      expect(stats.bytesSent).to.equal(0);
    });

    it('sends nothing to an unknown or released connection', () => {
      const { connections, open } = setup();
      const ws = open('c1');
      connections.release('c1');
      expect(connections.send('c1', 'hello')).to.equal(false);
      expect(connections.send('nobody', 'hello')).to.equal(false);
      expect(ws.calls).to.deep.equal([]);
    });

    it('flags a backpressure refusal (status 2) on the socket and counts it', () => {
      const { connections, open, stats } = setup();
      const ws = open('c1');
      ws.sendStatus = 2;
      expect(connections.send('c1', 'hello')).to.equal(false);
      expect(ws.data.sendRefused).to.equal(true);
      expect(stats.backpressureDrops).to.equal(1);
      connections.send('c1', 'again');
      expect(stats.backpressureDrops).to.equal(2);
    });

    it('takes a buffered send (status 1, backpressure building) as sent', () => {
      const { connections, open, stats } = setup();
      const ws = open('c1');
      ws.sendStatus = 1;
      expect(connections.send('c1', 'hello')).to.equal(true);
      expect(ws.data.sendRefused).to.equal(false);
      expect(stats.backpressureDrops).to.equal(0);
    });
  });

  describe('sendError', () => {
    it('answers an iq-set with iq-error, echoing its query and transaction, and counts the code', () => {
      const { connections, open, stats } = setup();
      const ws = open('c1');
      connections.sendError('c1', iqSet(), ErrorCode.BadParameter, 'rid');
      const [sent] = ws.sent();
      expect(sent!.to).to.equal('c1');
      expect(sent!.from).to.equal('jsongle-server');
      expect(sent!.jsongle.action).to.equal('iq-error');
      expect(sent!.jsongle.query).to.equal('session-join');
      expect(sent!.jsongle.transaction).to.equal('tx-1');
      expect(sent!.jsongle.description.errorCode).to.equal(ErrorCode.BadParameter);
      expect(sent!.jsongle.description.errorDetails).to.be.a('string').and.include('rid');
      expect(stats.errorsByCode[ErrorCode.BadParameter]).to.equal(1);
    });

    it('answers any other frame with session-error', () => {
      const { connections, open } = setup();
      const ws = open('c1');
      connections.sendError('c1', { to: 'r1', jsongle: { action: 'session-text' } }, ErrorCode.NotInRoom, 'r1');
      const [sent] = ws.sent();
      expect(sent!.jsongle.action).to.equal('session-error');
      expect(sent!.jsongle.description.errorCode).to.equal(ErrorCode.NotInRoom);
      expect(sent!.jsongle).to.not.have.property('transaction');
    });

    it('answers session-error when there is no frame to answer (malformed, timeouts)', () => {
      const { connections, open } = setup();
      const ws = open('c1');
      connections.sendError('c1', undefined, ErrorCode.HelloTimeout);
      expect(ws.sent()[0]!.jsongle.action).to.equal('session-error');
      expect(ws.sent()[0]!.jsongle.description.errorCode).to.equal(ErrorCode.HelloTimeout);
    });

    it('counts the error but touches no socket once closed', () => {
      const { connections, open, stats } = setup();
      const ws = open('c1');
      ws.data.closed = true;
      connections.sendError('c1', iqSet(), ErrorCode.RoomFull, 'room');
      expect(ws.calls).to.deep.equal([]);
      expect(stats.errorsByCode[ErrorCode.RoomFull]).to.equal(1);
    });
  });

  describe('end', () => {
    it('closes with the code and reason, counting the server close when asked', () => {
      const { connections, open, stats } = setup();
      const ws = open('c1');
      connections.end('c1', 4408, 'too slow', 'helloTimeout');
      expect(ws.calls).to.deep.equal([['end', 4408, 'too slow']]);
      expect(stats.serverCloses).to.deep.equal({ helloTimeout: 1 });
    });

    it('counts nothing without a reason to count', () => {
      const { connections, open, stats } = setup();
      const ws = open('c1');
      connections.end('c1', 1001, 'bye');
      expect(ws.calls).to.deep.equal([['end', 1001, 'bye']]);
      expect(stats.serverCloses).to.deep.equal({});
    });

    it('does nothing for a closed socket or an unknown connection', () => {
      const { connections, open, stats } = setup();
      const ws = open('c1');
      ws.data.closed = true;
      connections.end('c1', 1001, 'bye', 'shutdown');
      connections.end('nobody', 1001, 'bye', 'shutdown');
      expect(ws.calls).to.deep.equal([]);
      expect(stats.serverCloses).to.deep.equal({});
    });
  });

  describe('RoomIO', () => {
    it('subscribes and unsubscribes an open socket to a topic', () => {
      const { connections, open } = setup();
      const ws = open('c1');
      connections.subscribe('c1', 'room/r1');
      connections.unsubscribe('c1', 'room/r1');
      expect(ws.calls).to.deep.equal([['subscribe', 'room/r1'], ['unsubscribe', 'room/r1']]);
    });

    it('never subscribes or unsubscribes a closed socket (uWS dropped its topics itself)', () => {
      const { connections, open } = setup();
      const ws = open('c1');
      ws.data.closed = true;
      connections.subscribe('c1', 'room/r1');
      connections.unsubscribe('c1', 'room/r1');
      connections.subscribe('nobody', 'room/r1');
      expect(ws.calls).to.deep.equal([]);
    });

    it('publishes from the sender socket, so uWS skips the sender', () => {
      const { connections, open } = setup();
      const sender = open('c1');
      const other = open('c2');
      connections.publishFrom('c1', 'room/r1', '{"x":1}', false);
      expect(sender.calls).to.deep.equal([['publish', 'room/r1', '{"x":1}', false]]);
      expect(other.calls).to.deep.equal([]);
      expect(() => connections.publishFrom('nobody', 'room/r1', 'x', false)).to.not.throw();
    });

    it('sends to a local member on its socket, and to a remote one through its node, counting both', () => {
      const { connections, open, pubsub, stats } = setup();
      const ws = open('c1');
      connections.sendToMember({ id: 'c1', profile: { uid: 'alice' } }, 'abc');
      connections.sendToMember({ id: 'c9', profile: { uid: 'zed' }, node: 'node-b' }, 'defg');
      expect(ws.calls).to.deep.equal([['send', 'abc', false, false]]);
      expect(pubsub.toNodes).to.deep.equal([['node-b', 'c9', 'defg']]);
      expect(stats.framesSent).to.equal(2);
      expect(stats.bytesSent).to.equal(7);
    });

    it('skips a local member whose socket closed', () => {
      const { connections, open, stats } = setup();
      const ws = open('c1');
      ws.data.closed = true;
      connections.sendToMember({ id: 'c1', profile: { uid: 'alice' } }, 'abc');
      expect(ws.calls).to.deep.equal([]);
      expect(stats.framesSent).to.equal(0);
    });

    it('reports the bus as the PubSub does', () => {
      const { connections, pubsub } = setup();
      expect(connections.linkUp()).to.equal(true);
      pubsub.up = false;
      expect(connections.linkUp()).to.equal(false);
    });
  });

  describe('release', () => {
    it('calls onDeparture once with the profile while the actor is still live, removes the socket, and closes the actor', () => {
      const { connections, open, departures } = setup();
      const actor = helloedActor('c1', 'alice');
      open('c1', actor);
      open('c2');
      connections.release('c1');
      expect(departures).to.deep.equal([['c1', { uid: 'alice' }, 'active']]);
      expect(connections.has('c1')).to.equal(false);
      expect(connections.size).to.equal(1);
      expect([...connections.ids()]).to.deep.equal(['c2']);
      expect(actor.getSnapshot().value).to.equal('closed');
      expect(actor.getSnapshot().status).to.equal('done');
    });

    it('is idempotent: a second release, or one of an unknown id, does nothing', () => {
      const { connections, open, departures } = setup();
      open('c1', helloedActor('c1', 'alice'));
      connections.release('c1');
      connections.release('c1');
      connections.release('nobody');
      expect(departures).to.have.lengthOf(1);
      expect(connections.size).to.equal(0);
    });

    it('releases a connection that never said hello with a null profile', () => {
      const { connections, open, departures } = setup();
      const actor = createActor(connectionMachine, { input: { id: 'c1', helloTransaction: 't' } }).start() as unknown as ConnectionActor;
      open('c1', actor);
      connections.release('c1');
      expect(departures).to.deep.equal([['c1', null, 'active']]);
      expect(actor.getSnapshot().status).to.equal('done');
    });

    it('releases a refused socket (no actor) with a null profile', () => {
      const { connections, open, departures } = setup();
      open('c1');
      connections.release('c1');
      expect(departures).to.deep.equal([['c1', null, undefined]]);
      expect(connections.size).to.equal(0);
    });

    it('touches no socket, even one already flagged closed', () => {
      const { connections, open } = setup();
      const ws = open('c1', helloedActor('c1', 'alice'));
      ws.data.closed = true;
      expect(() => connections.release('c1')).to.not.throw();
      expect(ws.calls).to.deep.equal([]);
    });
  });
});
