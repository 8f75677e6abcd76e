/**
 * One fuzz lane: a fuzzed connection F and its partner P in a P2P room. F sends generated frames,
 * each followed by a marker request whose answer (an iq-error carrying the marker's transaction)
 * closes the frame's answer window: everything F receives between two markers is the answer to
 * one frame, compared with what the model predicts. Relays are checked at P, field by field.
 * Frames are pipelined (PIPELINE frames in flight) so the server, not the round trip, sets the pace.
 */
import fc from 'fast-check';
import { RawWebSocket } from '../leak/raw-ws.js';
import { frameArb, type FuzzFrame, type LaneContext } from './frames.js';
import { isPlainObject, jsonEqual, nestingDepth, preview } from './json.js';
import { LaneModel, type Outcome } from './model.js';
import { MAX_NESTING, NESTING_REFUSAL_CODES, SPEC_ERROR_CODES } from './spec.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Msg = { id?: any; from?: any; to?: any; jsongle: { action: string; [k: string]: any }; [k: string]: any };

export interface LaneJob {
  port: number;
  serverId: string;
  seed: number;
  frames: number;
  lane: number;
  batch: number;
  fullRid: string;
  otherIds: string[];
  maxBytes: number;
  /** F says hello and joins the pair room before fuzzing (otherwise it starts unhelloed). */
  helloFirst: boolean;
  /** How F and P leave at the end: politely or by vanishing. */
  abruptEnd: boolean;
}

export interface LaneResult {
  frames: number;
  answers: number;
  relays: number;
  kinds: Record<string, number>;
  outcomes: Record<string, number>;
  connIds: string[];
  rids: string[];
  failures: string[];
}

const PIPELINE = 64;
const CHUNK = 64;
const ANSWER_TIMEOUT_MS = 15_000;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MARKER_PREFIX = '\u0001fuzz-marker-';
/** WebSocket text is decoded as WHATWG "UTF-8 decode" does (a leading BOM is dropped), as the server does. */
const utf8 = new TextDecoder();

/** A connection whose messages are read in order by whoever waits for them. */
class Conn {
  readonly inbox: Msg[] = [];
  readonly bad: string[] = [];
  closedWith: number | null = null;
  private wake: (() => void) | null = null;

  private constructor(readonly ws: RawWebSocket) {}

  static async open(port: number): Promise<Conn> {
    let conn: Conn | null = null;
    await RawWebSocket.open(port, {}, (ws) => {
      const c = new Conn(ws);
      conn = c;
      ws.onText = (text) => c.push(text);
      ws.onBinary = () => c.bad.push('binary frame from the server');
      ws.onClose = (code) => { c.closedWith = code; c.notify(); };
    });
    return conn as unknown as Conn;
  }

  private push(text: string): void {
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      this.bad.push(`non-JSON frame from the server: ${preview(text)}`);
      return;
    }
    if (!isPlainObject(m) || !isPlainObject(m.jsongle)) {
      this.bad.push(`frame from the server without a jsongle object: ${preview(text)}`);
      return;
    }
    this.inbox.push(m as Msg);
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** The next message, waiting for it up to the deadline. */
  async next(what: string, timeoutMs = ANSWER_TIMEOUT_MS): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (this.closedWith !== null) throw new Error(`connection closed (${this.closedWith}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(t); resolve(); };
      });
    }
    return this.inbox.shift() as Msg;
  }

  send(obj: unknown): void {
    this.ws.sendText(JSON.stringify(obj));
  }

  async end(abrupt: boolean): Promise<void> {
    const done = this.ws.closed();
    if (abrupt) this.ws.destroy();
    else this.ws.close();
    await done;
  }
}

async function helloed(c: Conn, uid: string): Promise<{ id: string; server: string }> {
  const req = await c.next('the session-hello request');
  c.send({ to: req.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: req.jsongle.transaction, description: { uid } } });
  const ack = await c.next('the hello ack');
  if (ack.jsongle.status !== 'success') throw new Error(`setup hello failed: ${JSON.stringify(ack)}`);
  return { id: String(req.to), server: String(req.from) };
}

async function join(c: Conn, serverId: string, rid: string): Promise<void> {
  c.send({ to: serverId, jsongle: { action: 'iq-set', query: 'session-join', transaction: 'setup', description: { rid } } });
  const r = await c.next('the setup join result');
  if (r.jsongle.action !== 'iq-result') throw new Error(`setup join failed: ${JSON.stringify(r)}`);
}

export async function runLane(job: LaneJob): Promise<LaneResult> {
  const result: LaneResult = { frames: 0, answers: 0, relays: 0, kinds: {}, outcomes: {}, connIds: [], rids: [], failures: [] };
  const pairRid = `fz${job.batch}-${job.lane}`;
  const laneTag = `lane${job.batch}.${job.lane}`;
  const peerUid = `partner-${job.lane}`;

  const p = await Conn.open(job.port);
  const pInfo = await helloed(p, peerUid);
  await join(p, job.serverId, pairRid);
  const f = await Conn.open(job.port);
  const fReq = await f.next('the session-hello request');
  const fId = String(fReq.to);
  const helloTransaction = String(fReq.jsongle.transaction);
  result.connIds.push(pInfo.id, fId);

  const model = new LaneModel(job.serverId, helloTransaction);
  model.rooms.set(pairRid, { kind: 'room', members: new Set(['P']) });
  model.rooms.set(job.fullRid, { kind: 'room', members: new Set(['X1', 'X2']) });
  let profile: Record<string, unknown> = { uid: `fuzz-${job.lane}` };
  const pExpected: Array<{ kind: 'event'; event: 'joined' | 'left'; member: unknown } | { kind: 'relay'; expected: Msg; frame: string } | { kind: 'retract'; sid: string }> = [];

  if (job.helloFirst) {
    f.send({ to: job.serverId, jsongle: { action: 'iq-result', query: 'session-hello', transaction: helloTransaction, description: profile } });
    const ack = await f.next('the hello ack');
    if (ack.jsongle.status !== 'success') throw new Error('setup hello of F failed');
    model.apply({ t: 'hello-ok' });
    await join(f, job.serverId, pairRid);
    model.apply({ t: 'join', rid: pairRid, kind: 'room', already: false });
    pExpected.push({ kind: 'event', event: 'joined', member: profile });
  }

  const ctx: LaneContext = {
    serverId: job.serverId, selfId: fId, peerId: pInfo.id, helloTransaction, pairRid, laneTag,
    fullRid: job.fullRid, otherIds: job.otherIds, maxBytes: job.maxBytes, prototypeRids: job.lane === 0,
    preHello: !job.helloFirst,
  };
  // Generated a chunk at a time, just ahead of sending, so generation overlaps the server's work;
  // each chunk has its own seed derived from the lane's, so a run is reproducible.
  const arb = frameArb(ctx);
  const frames: Array<FuzzFrame | null> = [];
  const wire: Array<Buffer | null> = [];
  const frameAt = (k: number): FuzzFrame => {
    while (frames.length <= k) {
      const chunk = frames.length / CHUNK;
      for (const fr of fc.sample(arb, { seed: (job.seed * 7919 + chunk) | 0, numRuns: CHUNK })) {
        frames.push(fr);
        wire.push(fr.binary ? Buffer.from(fr.bytes) : Buffer.from(fr.text));
      }
    }
    return frames[k] as FuzzFrame;
  };

  const fail = (k: number, why: string) => {
    const fr = frames[k];
    const bytes = wire[k];
    const shown = !fr || !bytes ? '(frame released)' : fr.binary ? `binary ${bytes.toString('hex').slice(0, 80)}` : preview(bytes.toString());
    result.failures.push(`lane ${job.lane} (seed ${job.seed}, chunk seed ${(job.seed * 7919 + Math.floor(k / CHUNK)) | 0}) frame #${k} [${fr?.kind}] ${shown}\n        → ${why}`);
  };

  let sent = 0;
  const sendUpTo = (limit: number) => {
    for (; sent < limit && sent < job.frames; sent++) {
      const fr = frameAt(sent);
      if (fr.binary) f.ws.sendBinary(wire[sent] as Buffer);
      else f.ws.sendTextBytes(wire[sent] as Buffer);
      f.send({ to: job.serverId, jsongle: { action: 'iq-set', query: 'fuzz-marker', transaction: MARKER_PREFIX + sent } });
      result.kinds[fr.kind] = (result.kinds[fr.kind] ?? 0) + 1;
    }
  };

  try {
    sendUpTo(PIPELINE);
    for (let k = 0; k < job.frames; k++) {
      const window: Msg[] = [];
      for (;;) {
        const m = await f.next(`the answers to frame #${k}`);
        if (m.jsongle.action === 'iq-error' && m.jsongle.transaction === MARKER_PREFIX + k) break;
        window.push(m);
      }
      result.frames++;
      result.answers += window.length;
      sendUpTo(k + 1 + PIPELINE);
      const fr = frames[k] as FuzzFrame;
      const text = fr.binary ? '' : utf8.decode(wire[k] as Buffer);
      // Frames already checked are released (a run holds only what is in flight).
      if (k > 0) { frames[k - 1] = null; wire[k - 1] = null; }
      let value: unknown;
      let parsed = false;
      if (!fr.binary) {
        try { value = JSON.parse(text); parsed = true; } catch { parsed = false; }
      }
      const outcome = fr.binary ? model.predict({ binary: true }) : model.predict({ binary: false, value, parsed });
      result.outcomes[outcome.t === 'error' ? String(outcome.code) : outcome.t] = (result.outcomes[outcome.t === 'error' ? String(outcome.code) : outcome.t] ?? 0) + 1;
      const problem = checkWindow(window, outcome, value as Msg, { serverId: job.serverId, fId, peerProfile: { uid: peerUid }, model, pairRid });
      if (problem && !fr.binary && nestingDepth(text) > MAX_NESTING && isNestingRefusal(window)) {
        // Too deep to relay: refused as a whole, nothing happened (and the connection lives on).
        result.outcomes.refusedDeep = (result.outcomes.refusedDeep ?? 0) + 1;
        continue;
      }
      if (problem) {
        fail(k, `${problem}\n        expected ${JSON.stringify(outcome)}, got ${window.map((m) => preview(JSON.stringify(m), 400)).join(' | ') || '(nothing)'}`);
        break;
      }
      // What P must see because of this frame.
      if (outcome.t === 'hello-ok') {
        const d = (value as Msg).jsongle.description as Record<string, unknown>;
        profile = d.dn === undefined ? { uid: d.uid } : { uid: d.uid, dn: d.dn };
      } else if (outcome.t === 'join' && !outcome.already && outcome.rid === pairRid) {
        pExpected.push({ kind: 'event', event: 'joined', member: profile });
      } else if (outcome.t === 'leave' && outcome.rid === pairRid) {
        // F's call there ends as `gone` when F leaves: P (the ringing callee) is told first.
        if (model.call?.rid === pairRid) pExpected.push({ kind: 'retract', sid: model.call.sid });
        pExpected.push({ kind: 'event', event: 'left', member: profile });
      } else if (outcome.t === 'relay' && outcome.toPeer) {
        pExpected.push({ kind: 'relay', expected: JSON.parse(text) as Msg, frame: preview(text) });
      }
      model.apply(outcome);
    }
  } catch (err) {
    fail(Math.min(result.frames, job.frames - 1), `lane stopped: ${(err as Error).message}`);
  }

  // P's side: every relay and membership event, in the order of the frames that caused them
  // (uWS keeps publish order per subscriber across the conn/ and room/ topics).
  if (result.failures.length === 0) {
    for (const exp of pExpected) {
      let m: Msg;
      try {
        m = await p.next(exp.kind === 'relay' ? `the relay of ${exp.frame}` : exp.kind === 'retract' ? 'the session-retract gone' : `the ${exp.event} event`);
      } catch (err) {
        result.failures.push(`lane ${job.lane} (seed ${job.seed}): partner: ${(err as Error).message}`);
        break;
      }
      const problem = exp.kind === 'relay'
        ? checkRelay(m, exp.expected, pairRid, pInfo.id)
        : exp.kind === 'retract'
          ? (m.from === job.serverId && m.to === pInfo.id && m.jsongle.action === 'session-retract' && m.jsongle.reason === 'gone' && m.jsongle.sid === exp.sid ? null : 'expected session-retract gone for the call of the fuzzed connection')
          : checkMemberEvent(m, exp.event, exp.member, pairRid, pInfo.id, job.serverId);
      if (problem) {
        result.failures.push(`lane ${job.lane} (seed ${job.seed}): partner: ${problem}; got ${preview(JSON.stringify(m), 400)}`);
        break;
      }
      if (exp.kind === 'relay') result.relays++;
    }
    if (p.inbox.length > 0) result.failures.push(`lane ${job.lane}: partner got unexpected ${preview(JSON.stringify(p.inbox[0]), 300)}`);
  }
  for (const c of [f, p]) if (c.bad.length > 0) result.failures.push(`lane ${job.lane}: ${c.bad[0]}`);
  result.rids = [pairRid, ...model.rooms.keys()].filter((r) => r !== job.fullRid);

  await Promise.all([f.closedWith === null ? f.end(job.abruptEnd) : null, p.closedWith === null ? p.end(!job.abruptEnd) : null]);
  return result;
}

interface WindowContext {
  serverId: string;
  fId: string;
  peerProfile: Record<string, unknown>;
  model: LaneModel;
  pairRid: string;
}

/** null when the window is exactly what the outcome requires; else what is wrong. */
function checkWindow(window: Msg[], o: Outcome, msg: Msg, c: WindowContext): string | null {
  for (const m of window) {
    if (m.from !== c.serverId) return `a message not from the server (from ${JSON.stringify(m.from)})`;
    if (m.to !== c.fId) return `a message not addressed to the connection (to ${JSON.stringify(m.to)})`;
    if (typeof m.id !== 'string' || m.id.length === 0) return 'a message without an id';
    const j = m.jsongle;
    if ((j.action === 'session-error' || j.action === 'iq-error')) {
      if (!SPEC_ERROR_CODES.has(j.description?.errorCode)) return `error code ${j.description?.errorCode} is not in the spec table`;
      if (typeof j.description.errorDetails !== 'string' || j.description.errorDetails.length === 0) return 'an error without errorDetails';
    }
  }
  const j = msg?.jsongle;
  const one = (ok: (m: Msg) => boolean, what: string): string | null =>
    window.length === 1 && ok(window[0]) ? null : `expected exactly one ${what}`;
  const echoes = (m: Msg) => echoOk(m.jsongle.query, j.query) && echoOk(m.jsongle.transaction, j.transaction);
  const code = (m: Msg, n: number) => m.jsongle.description?.errorCode === n;
  switch (o.t) {
    case 'error':
      return o.iq
        ? one((m) => m.jsongle.action === 'iq-error' && code(m, o.code) && echoes(m), `iq-error ${o.code} echoing query and transaction`)
        : one((m) => m.jsongle.action === 'session-error' && code(m, o.code), `session-error ${o.code}`);
    case 'hello-ok':
      return one((m) => m.jsongle.action === 'ack' && m.jsongle.status === 'success' && m.jsongle.transaction === j.transaction, 'ack success');
    case 'hello-bad':
    case 'second-hello': {
      const errCode = o.t === 'hello-bad' ? 400001 : 405001;
      const ackOk = window.length === 2 && window[0].jsongle.action === 'ack' && window[0].jsongle.status === 'failed' &&
        (typeof j.transaction === 'string' ? window[0].jsongle.transaction === j.transaction : !('transaction' in window[0].jsongle));
      return ackOk && window[1].jsongle.action === 'session-error' && code(window[1], errCode) ? null : `expected ack failed then session-error ${errCode}`;
    }
    case 'join': {
      const room = c.model.rooms.get(o.rid);
      const others = room ? [...room.members].filter((w) => w !== 'F').map(() => c.peerProfile) : [];
      return one((m) => m.jsongle.action === 'iq-result' && echoes(m) && m.jsongle.description?.rid === o.rid &&
        jsonEqual(m.jsongle.description.members, others), `iq-result for ${o.rid} listing ${JSON.stringify(others)}`);
    }
    case 'leave':
      return one((m) => m.jsongle.action === 'iq-result' && echoes(m) && jsonEqual(m.jsongle.description, { rid: o.rid }), `iq-result {rid: ${o.rid}}`);
    case 'unreachable':
      return one((m) => isCallInfo(m, j, 'unreachable', 'ended'), 'session-info unreachable');
    case 'busy':
      return one((m) => isCallInfo(m, j, 'unreachable', 'ended') && m.jsongle.description.condition === 'busy', 'session-info unreachable busy (glare)');
    case 'relay':
      if (o.extra === 'trying') return one((m) => isCallInfo(m, j, 'trying', 'tried'), 'session-info trying');
      if (o.extra === 'ack') {
        return one((m) => m.jsongle.action === 'session-event' && m.jsongle.event === 'ack' && echoOk(m.jsongle.namespace, j.namespace) &&
          m.jsongle.description?.type === 'server-received' && echoOk(m.jsongle.description.mid, msg.id) && ISO.test(m.jsongle.description.acknowledged), 'session-event ack');
      }
      return window.length === 0 ? null : 'expected no answer to a relayed frame';
    case 'none':
      return window.length === 0 ? null : 'expected no answer to session-metrics';
  }
}

function isNestingRefusal(window: Msg[]): boolean {
  const j = window.length === 1 ? window[0].jsongle : null;
  return !!j && (j.action === 'session-error' || j.action === 'iq-error') && NESTING_REFUSAL_CODES.has(j.description?.errorCode);
}

/**
 * An echoed client identifier (query, transaction, sid, initiator, responder, namespace, message
 * id) is right when it is the value as sent, or, for a value that is not a string or a finite
 * number, when it is left out: protocol.md only shows string identifiers (JSONgle clients send
 * strings), and a server may refuse to re-encode a client's structures.
 */
function echoOk(got: unknown, sent: unknown): boolean {
  if (jsonEqual(got, sent)) return true;
  const scalar = typeof sent === 'string' || (typeof sent === 'number' && Number.isFinite(sent));
  return !scalar && got === undefined;
}

function isCallInfo(m: Msg, j: Msg['jsongle'], reason: string, stamp: string): boolean {
  const mj = m.jsongle;
  return mj.action === 'session-info' && mj.reason === reason && echoOk(mj.sid, j.sid) && echoOk(mj.initiator, j.initiator) &&
    echoOk(mj.responder, j.responder) && isPlainObject(mj.description) && ISO.test(mj.description[stamp] as string);
}

/** The relayed copy: every field kept, from/to rewritten, description stamped (protocol.md § Relay). */
function checkRelay(m: Msg, expected: Msg, rid: string, peerId: string): string | null {
  const e = expected;
  e.from = rid;
  e.to = peerId;
  const j = e.jsongle;
  if (j.description === undefined) j.description = {};
  const d = j.description as Record<string, unknown>;
  const got = isPlainObject(m.jsongle.description) ? m.jsongle.description : {};
  if (j.action !== 'session-propose') {
    if (!ISO.test(got.relayed as string)) return 'description.relayed is not an ISO date';
    if (d.sent === undefined) {
      if (!ISO.test(got.sent as string)) return 'description.sent was not added';
      d.sent = got.sent;
    }
    d.relayed = got.relayed;
  }
  return jsonEqual(m, e) ? null : 'the relayed copy differs from the frame sent (beyond from/to/stamps)';
}

function checkMemberEvent(m: Msg, event: string, member: unknown, rid: string, peerId: string, serverId: string): string | null {
  const j = m.jsongle;
  return m.from === serverId && m.to === peerId && j.action === 'session-event' && j.event === event && j.namespace === 'room' &&
    jsonEqual(j.description, { member, rid }) ? null : `expected session-event ${event} about the fuzzed connection`;
}

