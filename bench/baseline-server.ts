/**
 * The bare-uWS baseline: the physical limit of this machine for the same protocol shape, so one
 * generator drives both servers. Per relayed message it does what any JSONgle relay must do at
 * minimum (one JSON.parse, rewrite from/to and stamp, one JSON.stringify, one ws.publish) and
 * nothing else: no validation, no actor, no metrics.
 *   node dist/bench/baseline-server.js <wsPort>   (or wsPort=… in the environment)
 */
import { randomUUID } from 'node:crypto';
import uWS from 'uWebSockets.js';

interface Peer { id: string; uid: string; rooms: Map<string, 'room' | 'muc'> }
const port = Number(process.argv[2] ?? process.env.wsPort ?? 8080);
const SERVER_ID = 'jsongle-server';
const decoder = new TextDecoder();
const members = new Map<string, string[]>(); // rid → connection ids (P2P: `to` is the other one)
const EXCLUSIVE_PORT = (uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1;
const send = (ws: uWS.WebSocket<Peer>, to: string, jsongle: object): void => {
  ws.send(JSON.stringify({ id: randomUUID(), from: SERVER_ID, to, jsongle }));
};

const app = uWS.App().ws<Peer>('/*', {
  compression: uWS.DISABLED, maxPayloadLength: 64 * 1024, idleTimeout: 120, sendPingsAutomatically: true,
  maxBackpressure: 1024 * 1024, closeOnBackpressureLimit: true as unknown as number,
  upgrade: (res, req, ctx) => res.upgrade<Peer>({ id: randomUUID(), uid: '', rooms: new Map() },
    req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), ctx),
  open: (ws) => send(ws, ws.getUserData().id, {
    action: 'iq-get', query: 'session-hello', transaction: randomUUID(), description: { version: '0', sn: SERVER_ID, connected: new Date().toJSON() },
  }),
  message(ws, buffer) {
    const peer = ws.getUserData();
    const msg = JSON.parse(decoder.decode(buffer));
    const j = msg.jsongle;
    if (j.action === 'iq-result' && j.query === 'session-hello') {
      peer.uid = j.description.uid;
      send(ws, peer.id, { action: 'ack', status: 'success', transaction: j.transaction });
    } else if (j.action === 'iq-set' && (j.query === 'session-join' || j.query === 'muc-join')) {
      const rid: string = j.description.rid;
      peer.rooms.set(rid, j.query === 'muc-join' ? 'muc' : 'room');
      members.set(rid, [...(members.get(rid) ?? []), peer.id]);
      ws.subscribe(`room/${rid}`);
      send(ws, peer.id, { action: 'iq-result', query: j.query, transaction: j.transaction, description: { members: [], rid } });
    } else {
      const rid: string = msg.to;
      const kind = peer.rooms.get(rid);
      if (kind === undefined) return;
      const now = new Date().toJSON();
      msg.from = kind === 'muc' ? `${rid}/${peer.uid}` : rid;
      msg.to = kind === 'muc' ? rid : members.get(rid)!.find((id) => id !== peer.id) ?? rid;
      j.description ??= {};
      j.description.sent ??= now;
      j.description.relayed = now;
      ws.publish(`room/${rid}`, JSON.stringify(msg), false);
    }
  },
  close(ws) {
    const peer = ws.getUserData();
    for (const rid of peer.rooms.keys()) {
      const left = members.get(rid)!.filter((id) => id !== peer.id);
      if (left.length === 0) members.delete(rid);
      else members.set(rid, left);
    }
  },
});

(app as unknown as { listen(h: string, p: number, o: number, cb: (s: unknown) => void): void })
  .listen('127.0.0.1', port, EXCLUSIVE_PORT, (socket) => {
    if (!socket) {
      console.error(`baseline: cannot listen on 127.0.0.1:${port}`);
      process.exit(1);
    }
    console.log(`baseline listening on 127.0.0.1:${port}`);
  });
process.on('SIGTERM', () => process.exit(0));
