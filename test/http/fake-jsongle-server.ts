/**
 * Just enough of a JSONgle server (over `ws`) to drive GET /tests step by step without the real
 * one: hello, P2P join, relay, leave. `breakAt` makes one step go unanswered, so a test can check
 * that the self-check names that step, is bounded by its timeout and still closes its sockets.
 */
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

export type Step = 'hello' | 'join' | 'relay' | 'leave';

export interface FakeJsongleServer {
  readonly port: number;
  /** Connections open right now. */
  open(): number;
  /** Query strings of every upgrade request seen (to check the appToken). */
  readonly urls: string[];
  close(): Promise<void>;
}

export async function startFakeJsongleServer(opts: { breakAt?: Step } = {}): Promise<FakeJsongleServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const urls: string[] = [];
  const rooms = new Map<string, Set<WebSocket>>();
  const ids = new Map<WebSocket, string>();
  const send = (ws: WebSocket, jsongle: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    ws.send(JSON.stringify({ id: randomUUID(), from: 'jsongle-server', to: ids.get(ws), jsongle, ...extra }));

  wss.on('connection', (ws, req) => {
    urls.push(req.url ?? '');
    const id = randomUUID();
    ids.set(ws, id);
    send(ws, { action: 'iq-get', query: 'session-hello', transaction: 'hello-tx', description: {} });
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      const j = m.jsongle;
      if (j.action === 'iq-result' && opts.breakAt !== 'hello') send(ws, { action: 'ack', status: 'success', transaction: j.transaction });
      if (j.action === 'iq-set' && j.query === 'session-join' && opts.breakAt !== 'join') {
        const room = rooms.get(j.description.rid) ?? new Set<WebSocket>();
        rooms.set(j.description.rid, room);
        for (const other of room) send(other, { action: 'session-event', namespace: 'room', event: 'joined', description: {} });
        room.add(ws);
        send(ws, { action: 'iq-result', query: j.query, transaction: j.transaction, description: { members: [] } });
      }
      if (j.action === 'session-text' && opts.breakAt !== 'relay') {
        for (const other of rooms.get(m.to) ?? []) if (other !== ws) other.send(JSON.stringify({ ...m, from: m.to, to: ids.get(other) }));
        send(ws, { action: 'session-event', namespace: 'room', event: 'ack', description: { mid: m.id } });
      }
      if (j.action === 'iq-set' && j.query === 'session-leave' && opts.breakAt !== 'leave') {
        rooms.get(j.description.rid)?.delete(ws);
        for (const other of rooms.get(j.description.rid) ?? []) send(other, { action: 'session-event', namespace: 'room', event: 'left', description: {} });
        send(ws, { action: 'iq-result', query: j.query, transaction: j.transaction, description: {} });
      }
    });
  });
  return {
    port: (wss.address() as { port: number }).port,
    open: () => wss.clients.size,
    urls,
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}
