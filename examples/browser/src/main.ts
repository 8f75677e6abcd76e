/**
 * The demo page: open it in two tabs with the same room, join in both, press Call in one. Or call a
 * user: every page registers at its name after hello (session-register), so "Call user" with
 * another page's name rings every page (device) registered at that name; the first to answer takes
 * the call and the others stop ringing (docs/protocol.md, "Calling a user").
 * Settings come from the form or the query string (?server=ws://127.0.0.1:8080/&room=demo&name=alice
 * &token=…&jwt=…&relay=1&autojoin=1&autocall=1&callto=bob&answer=manual), so a test can drive pages
 * without clicking: `token` is the server's appToken, `jwt` an identity token, `relay=1` allows only
 * TURN-relayed paths (iceTransportPolicy "relay"), `callto=<uid>` calls that user once connected,
 * `answer=manual` lets incoming calls ring until Answer or Decline. An empty room joins none (direct
 * calls only). The ICE servers come from the server's hello ack.
 * window.demo mirrors the page's state for tests and for curious developers in the console.
 */
import { Call, type CallPhase, type CandidateTypes } from './call.js';
import { JsongleClient, JsongleError, type Envelope } from './jsongle.js';

export interface DemoState {
  /** `online`: helloed (and registered) without a room; `joined`: in the room too. */
  status: 'idle' | 'connecting' | 'online' | 'joined' | 'error' | 'closed';
  phase: CallPhase;
  /** Reachable at `uid` (session-register answered), with `devices` registered at it, this page included. */
  registered: boolean;
  devices: number;
  uid: string;
  /** The room's rid, or the other party's uid in a direct call ('' before any call). */
  peer: string;
  connectionState: RTCPeerConnectionState | 'new';
  members: string[];
  /** The ICE servers the server handed out. */
  iceServers: RTCIceServer[];
  /** The candidate types of the selected pair, once connected. */
  candidateTypes: CandidateTypes | null;
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
const state: DemoState = {
  status: 'idle', phase: 'idle', registered: false, devices: 0, uid: '', peer: '',
  connectionState: 'new', members: [], iceServers: [], candidateTypes: null, log: [],
};
window.demo = state;

function render(): void {
  $('status').textContent = state.status;
  $('phase').textContent = state.phase;
  $('pc-state').textContent = state.connectionState;
  $('members').textContent = state.members.length === 0 ? '(nobody else)' : state.members.join(', ');
  $('registered').textContent = state.registered ? `${state.uid} (${state.devices} device${state.devices === 1 ? '' : 's'})` : 'no';
  document.body.dataset.phase = state.phase;
  const idle = ['idle', 'ended', 'failed'].includes(state.phase);
  $<HTMLButtonElement>('call').disabled = state.status !== 'joined' || state.members.length === 0 || !idle;
  $<HTMLButtonElement>('call-user').disabled = !state.registered || (state.status !== 'joined' && state.status !== 'online') || !idle;
  $<HTMLButtonElement>('answer').disabled = !call?.canAnswer;
  $<HTMLButtonElement>('decline').disabled = !call?.canAnswer;
  $<HTMLButtonElement>('hangup').disabled = idle;
  $<HTMLButtonElement>('join').disabled = state.status === 'connecting' || state.status === 'joined' || state.status === 'online';
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
  const query: string[] = [];
  const token = params.get('token');
  if (token) query.push(`appToken=${encodeURIComponent(token)}`);
  const jwt = params.get('jwt');
  if (jwt) query.push(`token=${encodeURIComponent(jwt)}`);
  const url = query.length === 0 ? server : `${server}${server.includes('?') ? '&' : '?'}${query.join('&')}`;
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
    // Resume: a network blip is bridged by the client (reconnect, resend); these only report it.
    client.onResume((replayed) => log(`network blip bridged: session resumed, ${replayed} missed message(s) replayed`));
    client.onSessionLost((reason) => log(`session could not be resumed (${reason}): join again`));
    state.iceServers = await client.hello({ uid: name, dn: name });
    log(`hello done, connection ${client.connectionId}, ${state.iceServers.length} ICE server(s)`);
    const rtcConfig: RTCConfiguration = { iceServers: state.iceServers, iceTransportPolicy: params.get('relay') === '1' ? 'relay' : 'all' };
    call = new Call(client, room, { uid: name }, {
      phase: (p, detail) => {
        state.phase = p;
        state.peer = call?.peer ?? '';
        log(`call: ${p}${detail ? ` (${detail})` : ''}`);
        render();
      },
      connectionState: (s) => {
        state.connectionState = s;
        log(`peer connection: ${s}`);
        render();
        if (s === 'connected') {
          void call?.selectedCandidateTypes().then((t) => {
            state.candidateTypes = t;
            if (t) log(`selected candidate pair: ${t.local} / ${t.remote}`);
          });
        }
      },
      localStream: (s) => { $<HTMLVideoElement>('local').srcObject = s; },
      remoteStream: (s) => { $<HTMLVideoElement>('remote').srcObject = s; },
      log,
    }, rtcConfig, params.get('answer') !== 'manual');
    client.onMessage((msg) => onMessage(msg, room));
    await register(client, name);
    if (room) {
      const members = await client.join(room);
      state.members = members.map((m) => m.uid);
      state.status = 'joined';
      log(`joined room ${room} with ${state.members.length} other member(s)`);
    } else {
      state.status = 'online';
      log('no room joined: direct calls only');
    }
    render();
    const callto = params.get('callto');
    if (callto) callUser(callto);
    else if (params.get('autocall') === '1' && state.members.length > 0) call.propose(state.members[0]);
  } catch (err) {
    state.status = 'error';
    state.error = String(err);
    log(`error: ${String(err)}`);
    render();
  }
}

/**
 * Reachable at the hello's uid: a call to it rings this page and every other page with this name.
 * A server without users (404001) leaves the page as it was: room calls only.
 */
async function register(client: JsongleClient, uid: string): Promise<void> {
  state.uid = uid;
  try {
    state.devices = await client.register();
    state.registered = true;
    log(`registered as ${uid} (${state.devices} device(s) with this name)`);
  } catch (err) {
    log(`not registered (${err instanceof JsongleError ? err.message : String(err)}): room calls only`);
  }
  render();
}

/** A direct call: `session-propose` with `to: <uid>`, ringing every device registered at it. */
function callUser(uid: string): void {
  if (!call || !state.registered) return;
  log(`calling user ${uid}`);
  call.propose(uid, true);
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
    // e.g. 409001: this device answered a direct call another device had already taken.
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
$<HTMLInputElement>('callee').value = params.get('callto') ?? '';
$('call-user').addEventListener('click', () => {
  const uid = $<HTMLInputElement>('callee').value.trim();
  if (uid) callUser(uid);
});
$('answer').addEventListener('click', () => call?.answer());
$('decline').addEventListener('click', () => call?.decline());
$('hangup').addEventListener('click', () => call?.hangUp());
render();
if (params.get('autojoin') === '1') void join();
