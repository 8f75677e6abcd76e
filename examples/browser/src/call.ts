/**
 * One WebRTC call, in a P2P room or directly to a user, signalled with JSONgle the way the JSONgle
 * client library does it:
 *
 *   caller                         callee
 *   session-propose  ───────────▶                 (server answers the caller: session-info trying)
 *                    ◀─────────── session-info ringing
 *                    ◀─────────── session-proceed
 *   session-initiate ───────────▶                 (description.offer: the SDP offer)
 *                    ◀─────────── session-accept  (description.answer: the SDP answer)
 *   transport-info   ◀──────────▶ transport-info  (description.candidate: ICE candidates, both ways)
 *   session-info active ◀───────▶ session-info active   (each side, once its connection is up)
 *   session-terminate ──────────▶                 (either side hangs up)
 *
 * The demo's callee picks up at once (ringing, then proceed), or with autoAnswer off waits for
 * answer() / decline().
 *
 * A room call's actions go `to: <rid>` and arrive `from: <rid>`. A direct call (docs/protocol.md,
 * "Calling a user") goes `to: <callee uid>`: the server rings every registered device of that uid,
 * the first proceed/decline pins the call to its device and the others get `session-retract`
 * `answered-elsewhere` / `declined-elsewhere`. Its copies arrive `from: <the other party's uid>`, so
 * the callee answers to the propose's `from` either way, and the server routes by `sid` to the one
 * device in the call. Nothing else differs: both kinds ring and are answered the same way.
 */
import type { Envelope, JsongleClient, Profile } from './jsongle.js';

export type CallPhase = 'idle' | 'proposing' | 'ringing' | 'negotiating' | 'connected' | 'ended' | 'failed';

/** What the server says in `session-retract`'s `reason` and `session-info unreachable`'s
 * `description.condition`, in words for the log. */
const WHY: Record<string, string> = {
  'answered-elsewhere': 'answered on another device',
  'declined-elsewhere': 'declined on another device',
  gone: 'the other party is gone',
  timeout: 'nobody answered in time',
  busy: 'busy',
};

export interface CallObserver {
  phase(phase: CallPhase, detail?: string): void;
  connectionState(state: RTCPeerConnectionState): void;
  localStream(stream: MediaStream): void;
  remoteStream(stream: MediaStream): void;
  log(line: string): void;
}

const now = () => new Date().toJSON();

/** The candidate types of the pair ICE selected ('host', 'srflx', 'prflx' or 'relay'). */
export interface CandidateTypes {
  local: string;
  remote: string;
}

export class Call {
  phase: CallPhase = 'idle';
  private sid = '';
  private initiator = '';
  private responder = '';
  private pc: RTCPeerConnection | null = null;
  private local: MediaStream | null = null;
  /** Candidates that arrived before the remote description: addIceCandidate would reject them. */
  private early: RTCIceCandidateInit[] = [];
  private announcedActive = false;
  /** Where this call's actions go: the room, or for a direct call the other party's uid. */
  private to: string;
  private role: 'caller' | 'callee' = 'caller';
  /** Callee: sent session-proceed (a decline is no longer possible). */
  private proceeded = false;
  /** session-accept sent or received: the call is active on the server, only a terminate ends it. */
  private accepted = false;

  constructor(
    private readonly client: JsongleClient,
    /** The room of room calls ('' when the page joined none: direct calls only). */
    private readonly rid: string,
    private readonly self: Profile,
    private readonly observer: CallObserver,
    /** The ICE servers the server handed out in the hello ack (and, with relayOnly, no direct path). */
    private readonly rtcConfig: RTCConfiguration = { iceServers: [] },
    /** Pick up an incoming call at once (the demo's default); false: wait for answer() or decline(). */
    private readonly autoAnswer = true,
  ) {
    this.to = rid;
  }

  /** The room's rid, or the uid of a direct call's other party. */
  get peer(): string {
    return this.to;
  }

  /** What ICE selected, read from getStats (null before a pair is selected). */
  async selectedCandidateTypes(): Promise<CandidateTypes | null> {
    if (!this.pc) return null;
    const stats = await this.pc.getStats();
    const entries = [...stats.values()] as Array<Record<string, unknown>>;
    const transport = entries.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string');
    const pair = entries.find((s) => s.type === 'candidate-pair' && (transport ? s.id === transport.selectedCandidatePairId : s.nominated === true && s.state === 'succeeded'));
    if (!pair) return null;
    const local = entries.find((s) => s.id === pair.localCandidateId);
    const remote = entries.find((s) => s.id === pair.remoteCandidateId);
    return local && remote ? { local: String(local.candidateType), remote: String(remote.candidateType) } : null;
  }

  /** Caller side: propose a call to whoever else is in the room, or with `direct` to that uid on
   * every device it registered (the server forks the propose). */
  propose(peerUid: string, direct = false): void {
    if (!this.idle) return;
    this.to = direct ? peerUid : this.rid;
    this.sid = crypto.randomUUID();
    this.initiator = this.self.uid;
    this.responder = peerUid;
    this.role = 'caller';
    this.proceeded = false;
    this.accepted = false;
    this.setPhase('proposing');
    this.send('session-propose', { initiated: now(), media: 'video' });
  }

  /** Callee side, with autoAnswer off: take the ringing call. */
  answer(): void {
    if (this.role !== 'callee' || this.phase !== 'ringing' || this.proceeded) return;
    this.proceeded = true;
    this.send('session-proceed', { proceeded: now() });
    this.setPhase('negotiating');
  }

  /** Callee side: refuse the ringing call (on a direct call, the caller's other devices stop ringing). */
  decline(): void {
    if (this.role !== 'callee' || this.phase !== 'ringing' || this.proceeded) return;
    this.send('session-decline', { ended: now() }, 'decline');
    this.end('declined');
  }

  /**
   * Ends the call with the message the other party's library accepts in its state: once accepted a
   * terminate; before that, the caller retracts and a ringing callee declines.
   */
  hangUp(): void {
    if (!this.sid || this.idle) return;
    if (this.accepted) this.send('session-terminate', { ended: now() }, 'success');
    else if (this.role === 'caller') this.send('session-retract', { ended: now() }, 'cancel');
    else if (!this.proceeded) this.send('session-decline', { ended: now() }, 'decline');
    else this.send('session-terminate', { ended: now() }, 'success');
    this.end('hung up');
  }

  /** An incoming call waits for answer() or decline() (autoAnswer off). */
  get canAnswer(): boolean {
    return this.role === 'callee' && this.phase === 'ringing' && !this.proceeded;
  }

  /** No call under way: a propose may start one. */
  get idle(): boolean {
    return this.phase === 'idle' || this.phase === 'ended' || this.phase === 'failed';
  }

  /** Feed every relayed message of the room here. */
  async handle(msg: Envelope): Promise<void> {
    const j = msg.jsongle;
    if (j.action !== 'session-propose' && j.sid !== this.sid) return;
    if (this.idle && j.action !== 'session-propose') return;
    const d = (j.description ?? {}) as Record<string, unknown>;
    try {
      switch (j.action) {
        case 'session-propose':
          return this.onPropose(j.sid as string, j.initiator as string, j.responder as string, msg.from);
        case 'session-info':
          return this.onInfo(String(j.reason ?? ''), String(d.condition ?? ''));
        case 'session-proceed':
          return await this.onProceed();
        case 'session-initiate':
          return await this.onInitiate(d.offer as RTCSessionDescriptionInit);
        case 'session-accept':
          return await this.onAccept(d.answer as RTCSessionDescriptionInit);
        case 'transport-info':
          return await this.onCandidate(d.candidate as RTCIceCandidateInit);
        case 'session-terminate':
        case 'session-retract':
        case 'session-decline':
          // A server-made retract says why: answered-elsewhere, declined-elsewhere, gone, timeout.
          return this.end(`${j.action}${j.reason ? ` ${String(j.reason)}` : ''}${WHY[String(j.reason)] ? `: ${WHY[String(j.reason)]}` : ''}`);
        default:
          return;
      }
    } catch (err) {
      this.observer.log(`error on ${j.action}: ${String(err)}`);
      this.setPhase('failed', String(err));
    }
  }

  /** `from`: the room (a room call) or the caller's uid (a direct call): where the answers go. */
  private onPropose(sid: string, initiator: string, responder: string, from: string): void {
    // Busy: no answer at all. A decline would pin a direct call to this device and stop the
    // caller's call ringing on the user's other devices (declined-elsewhere).
    if (!this.idle) return;
    this.to = from;
    this.sid = sid;
    this.initiator = initiator;
    this.responder = responder || this.self.uid;
    this.role = 'callee';
    this.proceeded = false;
    this.accepted = false;
    this.setPhase('ringing', from === this.rid ? `call in room ${from}` : `call from ${from}`);
    this.send('session-info', { rang: now() }, 'ringing');
    if (this.autoAnswer) this.answer();
  }

  private onInfo(reason: string, condition: string): void {
    if (reason === 'trying') this.observer.log('server: trying');
    else if (reason === 'ringing') this.setPhase('ringing');
    else if (reason === 'active') this.observer.log('peer: active');
    else if (reason === 'unreachable') {
      // Nobody reached (alone in the room, or no registered device of the uid), or the server ended
      // the call: condition gone, timeout or busy.
      const why = condition ? WHY[condition] ?? condition : this.to === this.rid ? 'nobody to call in the room' : `${this.to} is not reachable`;
      this.end(why, 'failed');
    }
  }

  private async onProceed(): Promise<void> {
    this.setPhase('negotiating');
    const pc = await this.createPeerConnection();
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.send('session-initiate', { offering: now(), offer: { type: offer.type, sdp: offer.sdp } });
  }

  private async onInitiate(offer: RTCSessionDescriptionInit): Promise<void> {
    const pc = await this.createPeerConnection();
    await pc.setRemoteDescription(offer);
    await this.flushEarlyCandidates();
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    this.send('session-accept', { offered: now(), answer: { type: answer.type, sdp: answer.sdp } });
    this.accepted = true;
  }

  private async onAccept(answer: RTCSessionDescriptionInit): Promise<void> {
    this.accepted = true;
    if (!this.pc) return;
    await this.pc.setRemoteDescription(answer);
    await this.flushEarlyCandidates();
  }

  private async onCandidate(candidate: RTCIceCandidateInit | undefined): Promise<void> {
    if (!candidate) return;
    if (this.pc?.remoteDescription) await this.pc.addIceCandidate(candidate);
    else this.early.push(candidate);
  }

  private async flushEarlyCandidates(): Promise<void> {
    for (const c of this.early.splice(0)) await this.pc?.addIceCandidate(c);
  }

  private async createPeerConnection(): Promise<RTCPeerConnection> {
    const pc = new RTCPeerConnection(this.rtcConfig);
    this.pc = pc;
    this.announcedActive = false;
    pc.addEventListener('icecandidate', (e) => {
      if (e.candidate) this.send('transport-info', { establishing: now(), candidate: e.candidate.toJSON() });
    });
    pc.addEventListener('track', (e) => {
      const stream = e.streams[0] ?? new MediaStream([e.track]);
      this.observer.remoteStream(stream);
    });
    pc.addEventListener('connectionstatechange', () => {
      this.observer.connectionState(pc.connectionState);
      if (pc.connectionState === 'connected') {
        this.setPhase('connected');
        if (!this.announcedActive) {
          this.announcedActive = true;
          this.send('session-info', { actived: now() }, 'active');
        }
      } else if (pc.connectionState === 'failed') {
        this.setPhase('failed', 'ICE failed');
        this.send('session-metrics', { error: 'ice-failed' });
      }
    });
    this.local ??= await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    this.observer.localStream(this.local);
    for (const track of this.local.getTracks()) pc.addTrack(track, this.local);
    return pc;
  }

  private end(why: string, phase: 'ended' | 'failed' = 'ended'): void {
    this.observer.log(`call ended: ${why}`);
    if (this.pc) {
      this.pc.close();
      // close() fires no connectionstatechange: without this the page would show the ended call's
      // peer connection as still connected.
      this.observer.connectionState('closed');
    }
    this.pc = null;
    this.early = [];
    this.setPhase(phase, why);
  }

  private setPhase(phase: CallPhase, detail?: string): void {
    this.phase = phase;
    this.observer.phase(phase, detail);
  }

  private send(action: string, description: Record<string, unknown>, reason?: string): void {
    if (action === 'session-metrics') {
      // Metrics go to the server (p2p_failed_total), not to the room.
      this.client.notifyServer({ action, description });
      return;
    }
    const jsongle = { action, sid: this.sid, initiator: this.initiator, responder: this.responder, description };
    this.client.relay(this.to, reason === undefined ? jsongle : { ...jsongle, reason });
  }
}
