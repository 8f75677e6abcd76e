/**
 * `npm run docs:inspection`: what the Stately inspector receives from a live server, as a picture.
 * The stately.ai UI cannot load on an offline machine, so this starts a local inspector endpoint,
 * the real server with inspection on, and two clients that hello, join one room and place a call;
 * then it renders the records the endpoint received (actor, event, resulting state, sanitised
 * payload) as a table with Debian's Chromium → docs/images/inspector-stream.png.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import WebSocket, { WebSocketServer } from 'ws';
import { loadConfig } from '../src/config/load.js';
import { createServer } from '../src/server.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

interface Rec {
  type: string;
  sessionId: string;
  name?: string;
  event?: { type: string; [k: string]: unknown };
  snapshot?: { value?: unknown; context?: { id?: string; profile?: { uid?: string } } };
}

/** A JSONgle client reduced to what the scenario needs. */
class Client {
  id = '';
  server = '';
  private queue: Array<Record<string, any>> = [];
  private waiting: Array<{ pred: (m: Record<string, any>) => boolean; resolve: (m: Record<string, any>) => void }> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Record<string, any>;
      const w = this.waiting.findIndex((x) => x.pred(m));
      if (w >= 0) this.waiting.splice(w, 1)[0].resolve(m);
      else this.queue.push(m);
    });
  }
  static open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('error', reject);
    });
  }
  expect(pred: (m: Record<string, any>) => boolean, what: string): Promise<Record<string, any>> {
    const i = this.queue.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within 5 s`)), 5000);
      this.waiting.push({ pred, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    });
  }
  send(to: string, jsongle: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ id: crypto.randomUUID(), from: this.id, to, jsongle }));
  }
  async hello(uid: string, dn: string): Promise<void> {
    const req = await this.expect((m) => m.jsongle.query === 'session-hello', 'hello request');
    this.id = req.to;
    this.server = req.from;
    this.send(this.server, { action: 'iq-result', query: 'session-hello', transaction: req.jsongle.transaction, description: { uid, dn } });
    await this.expect((m) => m.jsongle.action === 'ack', 'hello ack');
  }
  async join(rid: string): Promise<void> {
    const transaction = crypto.randomUUID();
    this.send(this.server, { action: 'iq-set', query: 'session-join', transaction, description: { rid } });
    await this.expect((m) => m.jsongle.transaction === transaction, 'join result');
  }
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

async function scenario(wsUrl: string): Promise<void> {
  const alice = await Client.open(wsUrl);
  const bob = await Client.open(wsUrl);
  await alice.hello('alice', 'Alice A.');
  await bob.hello('bob', 'Bob B.');
  const rid = 'demo-room';
  await alice.join(rid);
  await bob.join(rid);
  const call = { sid: crypto.randomUUID(), initiator: 'alice', responder: 'bob' };
  const relay = async (from: Client, to: Client, action: string, description: Record<string, unknown>, reason?: string) => {
    from.send(rid, { action, ...call, ...(reason ? { reason } : {}), description });
    await to.expect((m) => m.jsongle.action === action, action);
  };
  await relay(alice, bob, 'session-propose', { media: 'video' });
  await relay(bob, alice, 'session-info', {}, 'ringing');
  await relay(bob, alice, 'session-proceed', {});
  await relay(alice, bob, 'session-initiate', { offer: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } });
  await relay(bob, alice, 'session-accept', { answer: { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' } });
  await relay(alice, bob, 'transport-info', { candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0' } });
  await relay(alice, bob, 'session-terminate', {}, 'success');
  await alice.close();
  await bob.close();
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const stateText = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v).replace(/[{}"]/g, '').replace(/:/g, '.'));

function detail(e: Rec['event']): string {
  if (!e) return '';
  const { type: _type, ...rest } = e;
  // For client messages the JSONgle part says it all; envelope ids only add noise to the picture.
  const msg = rest.msg as { to?: unknown; jsongle?: unknown } | undefined;
  const text = JSON.stringify(msg ? { to: msg.to, jsongle: msg.jsongle } : rest);
  return text === '{}' ? '' : text.length > 150 ? `${text.slice(0, 150)}…` : text;
}

function html(records: Rec[]): string {
  const actors = new Map<string, string>();
  for (const r of records) {
    if (r.type !== '@xstate.actor') continue;
    const uid = r.snapshot?.context?.id;
    actors.set(r.sessionId, r.name === 'connection' ? `connection ${uid ? uid.slice(0, 8) : ''}` : r.name ?? r.sessionId);
  }
  // Name connection actors by the user once their hello is known.
  for (const r of records) {
    const uid = r.snapshot?.context?.profile?.uid;
    if (uid && actors.get(r.sessionId)?.startsWith('connection ')) actors.set(r.sessionId, `connection (${uid})`);
  }
  const rows = records
    .filter((r) => r.type !== '@xstate.event')
    .map((r) => {
      const actor = actors.get(r.sessionId) ?? r.sessionId;
      const kind = r.type === '@xstate.actor' ? 'actor started' : r.event?.type ?? '';
      return `<tr class="${r.type.slice(7)}"><td>${esc(actor)}</td><td><code>${esc(kind)}</code></td><td><b>${esc(stateText(r.snapshot?.value))}</b></td><td class="d">${esc(detail(r.event))}</td></tr>`;
    });
  return `<!doctype html><meta charset="utf-8"><style>
    body{font:13px/1.35 system-ui,sans-serif;margin:14px;color:#1d2330}
    h1{font-size:16px;margin:0 0 4px} p{margin:0 0 10px;color:#556}
    table{border-collapse:collapse} td,th{border-bottom:1px solid #e3e5ee;padding:3px 8px;text-align:left;vertical-align:top}
    th{background:#eef0f7} tr.actor td{background:#f3fbf4} td.d{font-family:monospace;font-size:11px;color:#445;max-width:620px;word-break:break-all}
  </style><h1>What the Stately inspector receives from a running server</h1>
  <p>${records.length} records (${records.filter((r) => r.type === '@xstate.event').length} events not shown: each snapshot below carries its event). Two clients hello, join demo-room and place a call. Payloads are sanitised: SDP, candidates and display names read [hidden].</p>
  <table><tr><th>actor</th><th>event</th><th>state after</th><th>event payload (as sent)</th></tr>${rows.join('')}</table>`;
}

async function main(): Promise<void> {
  const records: Rec[] = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (ws) => ws.on('message', (d) => records.push(JSON.parse(d.toString()) as Rec)));
  const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
  const config = loadConfig({ env: {}, argv: [], overrides: { wsPort: 0, restPort: 0, logDefaultLevel: 'error', inspect: { enabled: true, url } } });
  const server = createServer(config);
  const { wsPort } = await server.start();
  await scenario(`ws://127.0.0.1:${wsPort}/`);
  // Inspection records trail the events by a tick: wait until both connection actors reached closed.
  const deadline = Date.now() + 5000;
  const closedCount = () => records.filter((r) => r.type === '@xstate.snapshot' && r.event?.type === 'ws.closed' && r.snapshot?.value === 'closed').length;
  while (closedCount() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await server.stop();
  for (const ws of wss.clients) ws.terminate();
  wss.close();

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 400 }, deviceScaleFactor: 1.5 });
    await page.setContent(html(records));
    const file = join(REPO_ROOT, 'docs', 'images', 'inspector-stream.png');
    await page.screenshot({ path: file, fullPage: true });
    process.stdout.write(`${records.length} inspection records; wrote ${file}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = 1;
});
