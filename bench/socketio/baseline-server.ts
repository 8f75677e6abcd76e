/**
 * The plain Socket.IO baseline: what a Socket.IO signaling server does per relayed message at
 * minimum (as JSONgle-Server 2.x did, without its checks): the "jsongle" event's object, `from`/`to`
 * rewritten, one `socket.to(room).emit`. Hello and join answered just enough for the load.
 * Socket.IO on Node's HTTP server, as 2.x ran it.
 *   node dist/bench/socketio/baseline-server.js <wsPort>
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2] ?? 8080);
const SERVER_ID = 'jsongle-server';
const http = createServer();
const io = new Server(http, { serveClient: false, perMessageDeflate: false, httpCompression: false });

io.on('connection', (socket) => {
  const id = randomUUID();
  const answer = (jsongle: object) => socket.emit('jsongle', { id: randomUUID(), from: SERVER_ID, to: id, jsongle });
  answer({ action: 'iq-get', query: 'session-hello', transaction: randomUUID(), description: { version: '0', sn: SERVER_ID } });
  socket.on('jsongle', (msg: { to: string; from: string; jsongle: Record<string, any> }) => {
    const j = msg.jsongle;
    if (j.action === 'iq-result' && j.query === 'session-hello') answer({ action: 'ack', status: 'success', transaction: j.transaction });
    else if (j.action === 'iq-set' && j.query === 'session-join') {
      void socket.join(j.description.rid);
      answer({ action: 'iq-result', query: j.query, transaction: j.transaction, description: { rid: j.description.rid, members: [] } });
    } else if (msg.to !== SERVER_ID) {
      msg.from = msg.to;
      socket.to(msg.to).emit('jsongle', msg);
    }
  });
});
http.listen(port, '127.0.0.1');
process.on('SIGTERM', () => { io.close(); http.close(); process.exit(0); });
