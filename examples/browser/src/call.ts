/**
 * One WebRTC call in a P2P room, signalled with JSONgle the way the JSONgle client library does it:
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
 * The demo's callee picks up at once (ringing, then proceed).
 */
import type { Envelope, JsongleClient, Profile } from './jsongle.js';

export type CallPhase = 'idle' | 'proposing' | 'ringing' | 'negotiating' | 'connected' | 'ended' | 'failed';

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

  constructor(
    private readonly client: JsongleClient,
    private readonly rid: string,
    private readonly self: Profile,
    private readonly observer: CallObserver,
    /** The ICE servers the server handed out in the hello ack (and, with relayOnly, no direct path). */
    private readonly rtcConfig: RTCConfiguration = { iceServers: [] },
  ) {}

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

  /** Caller side: propose a call to whoever else is in the room. */
  propose(peerUid: string): void {
    if (this.phase !== 'idle' && this.phase !== 'ended' && this.phase !== 'failed') return;
    this.sid = crypto.randomUUID();
    this.initiator = this.self.uid;
    this.responder = peerUid;
    this.setPhase('proposing');
    this.send('session-propose', { initiated: now(), media: 'video' });
  }

  hangUp(): void {
    if (!this.sid || this.phase === 'ended') return;
    this.send('session-terminate', { ended: now() }, 'success');
    this.end('hung up');
  }

  /** Feed every relayed message of the room here. */
  async handle(msg: Envelope): Promise<void> {
    const j = msg.jsongle;
    if (j.action !== 'session-propose' && j.sid !== this.sid) return;
    const d = (j.description ?? {}) as Record<string, unknown>;
    try {
      switch (j.action) {
        case 'session-propose':
          return this.onPropose(j.sid as string, j.initiator as string, j.responder as string);
        case 'session-info':
          return this.onInfo(String(j.reason ?? ''));
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
          return this.end(`peer sent ${j.action}`);
        default:
          return;
      }
    } catch (err) {
      this.observer.log(`error on ${j.action}: ${String(err)}`);
      this.setPhase('failed', String(err));
    }
  }

  private onPropose(sid: string, initiator: string, responder: string): void {
    if (this.phase !== 'idle' && this.phase !== 'ended' && this.phase !== 'failed') return;
    this.sid = sid;
    this.initiator = initiator;
    this.responder = responder || this.self.uid;
    this.setPhase('ringing');
    this.send('session-info', { rang: now() }, 'ringing');
    // The demo answers at once; a real app would wait for the user here.
    this.send('session-proceed', { proceeded: now() });
    this.setPhase('negotiating');
  }

  private onInfo(reason: string): void {
    if (reason === 'trying') this.observer.log('server: trying');
    else if (reason === 'ringing') this.setPhase('ringing');
    else if (reason === 'active') this.observer.log('peer: active');
    else if (reason === 'unreachable') this.setPhase('failed', 'nobody to call in the room');
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
  }

  private async onAccept(answer: RTCSessionDescriptionInit): Promise<void> {
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

  private end(why: string): void {
    this.observer.log(`call ended: ${why}`);
    this.pc?.close();
    this.pc = null;
    this.early = [];
    this.setPhase('ended', why);
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
    this.client.relay(this.rid, reason === undefined ? jsongle : { ...jsongle, reason });
  }
}
