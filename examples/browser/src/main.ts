/**
 * The demo page: open it in two tabs with the same room, join in both, press Call in one.
 * Settings come from the form or the query string (?server=ws://127.0.0.1:8080/&room=demo&name=alice
 * &token=…&autojoin=1&autocall=1), so a test can drive two pages without clicking.
 * window.demo mirrors the page's state for tests and for curious developers in the console.
 */
import { Call, type CallPhase } from './call.js';
import { JsongleClient, type Envelope } from './jsongle.js';

export interface DemoState {
  status: 'idle' | 'connecting' | 'joined' | 'error' | 'closed';
  phase: CallPhase;
  connectionState: RTCPeerConnectionState | 'new';
  members: string[];
  log: string[];
  error?: string;
}

declare global {
  interface Window {
    demo: DemoState;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const state: DemoState = { status: 'idle', phase: 'idle', connectionState: 'new', members: [], log: [] };
window.demo = state;

function render(): void {
  $('status').textContent = state.status;
  $('phase').textContent = state.phase;
  $('pc-state').textContent = state.connectionState;
  $('members').textContent = state.members.length === 0 ? '(nobody else)' : state.members.join(', ');
  document.body.dataset.phase = state.phase;
  $<HTMLButtonElement>('call').disabled = state.status !== 'joined' || state.members.length === 0 || !['idle', 'ended', 'failed'].includes(state.phase);
  $<HTMLButtonElement>('hangup').disabled = ['idle', 'ended', 'failed'].includes(state.phase);
  $<HTMLButtonElement>('join').disabled = state.status === 'connecting' || state.status === 'joined';
}

function log(line: string): void {
  state.log.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
  const el = $('log');
  el.textContent = state.log.slice(-40).join('\n');
  el.scrollTop = el.scrollHeight;
}

function defaultServer(): string {
  return `ws://${location.hostname || '127.0.0.1'}:8080/`;
}

let call: Call | null = null;

/** Loads the socket.io-client bundle (served from node_modules next to the page), then connects
 * to the server's /socket.io/ on the same host and port as the WebSocket URL. */
async function connectSocketIO(server: string, token: string | null): Promise<JsongleClient> {
  await new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = 'vendor/socket.io.min.js';
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('cannot load vendor/socket.io.min.js'));
    document.head.appendChild(script);
  });
  const base = new URL(server.replace(/^ws/, 'http'));
  return JsongleClient.connectSocketIO(base.origin, token);
}

async function join(): Promise<void> {
  const server = $<HTMLInputElement>('server').value.trim();
  const room = $<HTMLInputElement>('room').value.trim();
  const name = $<HTMLInputElement>('name').value.trim() || 'guest';
  const token = params.get('token');
  const url = token ? `${server}${server.includes('?') ? '&' : '?'}appToken=${encodeURIComponent(token)}` : server;
  state.status = 'connecting';
  render();
  try {
    // ?transport=socketio: through the Socket.IO door, as a JSONgle-Server 2.x app connects.
    const client = params.get('transport') === 'socketio'
      ? await connectSocketIO(server, token)
      : await JsongleClient.connect(url);
    client.onClose((why) => {
      state.status = 'closed';
      log(`socket closed (${why})`);
      render();
    });
    await client.hello({ uid: name, dn: name });
    log(`hello done, connection ${client.connectionId}`);
    call = new Call(client, room, { uid: name }, {
      phase: (p, detail) => {
        state.phase = p;
        log(`call: ${p}${detail ? ` (${detail})` : ''}`);
        render();
      },
      connectionState: (s) => {
        state.connectionState = s;
        log(`peer connection: ${s}`);
        render();
      },
      localStream: (s) => { $<HTMLVideoElement>('local').srcObject = s; },
      remoteStream: (s) => { $<HTMLVideoElement>('remote').srcObject = s; },
      log,
    });
    client.onMessage((msg) => onMessage(msg, room));
    const members = await client.join(room);
    state.members = members.map((m) => m.uid);
    state.status = 'joined';
    log(`joined room ${room} with ${state.members.length} other member(s)`);
    render();
    if (params.get('autocall') === '1' && state.members.length > 0) call.propose(state.members[0]);
  } catch (err) {
    state.status = 'error';
    state.error = String(err);
    log(`error: ${String(err)}`);
    render();
  }
}

function onMessage(msg: Envelope, room: string): void {
  const j = msg.jsongle;
  if (j.action === 'session-event' && (j.event === 'joined' || j.event === 'left')) {
    const d = j.description as { member: { uid: string }; rid: string };
    if (d.rid !== room) return;
    state.members = j.event === 'joined' ? [...state.members, d.member.uid] : state.members.filter((u) => u !== d.member.uid);
    log(`${d.member.uid} ${j.event as string} the room`);
    render();
    return;
  }
  if (j.action === 'session-error') {
    log(`server error: ${JSON.stringify(j.description)}`);
    return;
  }
  void call?.handle(msg);
}

$<HTMLInputElement>('server').value = params.get('server') ?? defaultServer();
$<HTMLInputElement>('room').value = params.get('room') ?? 'demo';
$<HTMLInputElement>('name').value = params.get('name') ?? `user-${Math.random().toString(36).slice(2, 6)}`;
$('join').addEventListener('click', () => void join());
$('call').addEventListener('click', () => call?.propose(state.members[0]));
$('hangup').addEventListener('click', () => call?.hangUp());
render();
if (params.get('autojoin') === '1') void join();
