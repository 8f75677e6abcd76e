/**
 * fast-check arbitraries for fuzzed frames, built for one lane (one fuzzed connection and its
 * partner): random JSON values, random envelopes, and every valid message type mutated (fields
 * removed, wrong types, huge strings, deep nesting, unicode, __proto__/constructor keys, spoofed
 * `from`, room ids that look like topics), plus binary frames and broken JSON text.
 *
 * Room ids are drawn from a pool that is unique to the lane (or refers to a room whose state the
 * oracle knows), so the oracle can predict each answer exactly.
 */
import fc from 'fast-check';
import { RELAY_ACTIONS } from './spec.js';

export interface LaneContext {
  serverId: string;
  selfId: string;
  peerId: string;
  helloTransaction: string;
  /** The P2P room the partner is always in. */
  pairRid: string;
  /** Prefix of every other room id this lane may create. */
  laneTag: string;
  /** The bystanders' full P2P room (known state: two members, not this lane's). */
  fullRid: string;
  /** Connection ids of the bystanders (spoofed `from` values). */
  otherIds: readonly string[];
  /** Frames stay at most this many bytes (larger ones end the connection: tested apart). */
  maxBytes: number;
  /** Rids shared with nobody but meaningful to JavaScript objects (only one lane per batch gets them). */
  prototypeRids: boolean;
  /** The lane fuzzes the state before hello: its hello answers mostly carry a wrong transaction,
   * so it stays unhelloed for a while. */
  preHello: boolean;
}

export type FuzzFrame = { binary: false; text: string; kind: string } | { binary: true; bytes: Uint8Array; kind: string };

/** A placeholder string the text builder replaces with a raw, deeply nested JSON value. */
const DEEP = '\u0000deep\u0000';
const DEEP_JSON = JSON.stringify(DEEP);

const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', 'toJSON'];

const unicode = fc.string({ unit: 'binary', maxLength: 24 });
const graphemes = fc.string({ unit: 'grapheme', maxLength: 24 });

/** A huge string: a repeated character (1 to 4 UTF-8 bytes) of up to `maxBytes / 5` bytes. */
function hugeString(maxBytes: number): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom('x', 'é', '日', '😀', '\u2028', '"', '\\'), fc.integer({ min: 1000, max: Math.floor(maxBytes / 5) }))
    .map(([ch, bytes]) => ch.repeat(Math.max(1, Math.floor(bytes / Buffer.byteLength(ch)))));
}

/** Values of the wrong type (or odd values of the right one) for any field. */
function oddValue(maxBytes: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, '', ' ', [], {}, '0', 'null', 'undefined', '[object Object]') },
    { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean()) },
    { weight: 3, arbitrary: fc.oneof(unicode, graphemes) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: hugeString(maxBytes) },
    { weight: 1, arbitrary: fc.constant(DEEP) },
    { weight: 1, arbitrary: fc.constantFrom(...DANGEROUS_KEYS).map((k) => ({ [k]: { polluted: true } })) },
  );
}

function ridPool(ctx: LaneContext): string[] {
  const pool = [
    `conn/${ctx.peerId}`, `conn/${ctx.selfId}`, `room/${ctx.pairRid}`, `muc/${ctx.pairRid}`,
    `${ctx.laneTag}-p1`, `${ctx.laneTag}-p2`, `${ctx.laneTag}-m1`, `${ctx.laneTag}-m2`, `${ctx.laneTag}-m3`,
    ctx.serverId, '', ctx.fullRid, `${ctx.laneTag}-${'x'.repeat(260)}`, `${ctx.laneTag}-${'é'.repeat(200)}`,
  ];
  if (ctx.prototypeRids) pool.push('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype');
  return pool;
}

function ridArb(ctx: LaneContext): fc.Arbitrary<unknown> {
  const pool = ridPool(ctx);
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(ctx.pairRid) },
    { weight: 6, arbitrary: fc.constantFrom(...pool) },
    { weight: 2, arbitrary: fc.oneof(unicode, graphemes).map((s) => `${ctx.laneTag}~${s}`) },
    { weight: 1, arbitrary: oddValue(ctx.maxBytes) },
  );
}

function idArb(ctx: LaneContext): fc.Arbitrary<unknown> {
  return fc.oneof(fc.uuid(), fc.constantFrom(ctx.selfId, ctx.peerId, ctx.serverId, ...ctx.otherIds), unicode);
}

/** Valid messages of every type the protocol knows, for this lane. */
function templateArb(ctx: LaneContext): fc.Arbitrary<Record<string, unknown>> {
  const env = (to: unknown, jsongle: Record<string, unknown>, id: unknown, from: unknown) => ({ id, from, to, jsongle });
  const tx = fc.oneof(fc.uuid(), unicode);
  const description = fc.dictionary(fc.oneof(fc.constantFrom('sdp', 'candidate', 'text', 'sent', 'relayed', 'reason', 'tried'), unicode), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
  const helloTx = fc.oneof(
    { weight: 1, arbitrary: fc.constant(ctx.helloTransaction) },
    { weight: ctx.preHello ? 40 : 1, arbitrary: fc.oneof(fc.uuid(), fc.constant(ctx.helloTransaction.toUpperCase()), fc.constant(`${ctx.helloTransaction} `)) },
  );
  const hello = fc.record({
    uid: fc.oneof(fc.constantFrom('alice', 'bob'), unicode), dn: fc.option(fc.oneof(graphemes, unicode), { nil: undefined }), transaction: helloTx,
  }).map(({ uid, dn, transaction }) => ({
    action: 'iq-result', query: 'session-hello', transaction,
    description: dn === undefined ? { uid } : { uid, dn },
  }));
  const join = fc.tuple(fc.constantFrom('session-join', 'muc-join'), tx, ridArb(ctx))
    .map(([query, transaction, rid]) => ({ action: 'iq-set', query, transaction, description: { rid } }));
  const leave = fc.tuple(fc.constantFrom('session-leave', 'muc-leave'), tx, ridArb(ctx))
    .map(([query, transaction, rid]) => ({ action: 'iq-set', query, transaction, description: { rid } }));
  const unknownQuery = fc.tuple(fc.oneof(fc.constantFrom('session-hello', 'muc-list', 'constructor', '__proto__', 'toString'), unicode), tx)
    .map(([query, transaction]) => ({ action: 'iq-set', query, transaction, description: {} }));
  const relay = fc.tuple(fc.constantFrom(...RELAY_ACTIONS), fc.uuid(), description, fc.constantFrom('chat', 'reaction', 'muc'))
    .map(([action, sid, d, namespace]) => ({ action, sid, initiator: '70001', responder: '70002', namespace, reason: 'ringing', description: d }));
  const metrics = fc.record({ duration: fc.oneof(fc.nat(7200), fc.double()), error: fc.constantFrom('ice-failed', 'none') })
    .map((d) => ({ action: 'session-metrics', description: d }));
  const other = fc.constantFrom('iq-get', 'iq-error', 'ack', 'session-error', 'session-hello', 'join', 'relay', '')
    .map((action) => ({ action, description: {} }));
  const jsongle = fc.oneof(
    { weight: 2, arbitrary: hello },
    { weight: 3, arbitrary: join },
    { weight: 2, arbitrary: leave },
    { weight: 1, arbitrary: unknownQuery },
    { weight: 8, arbitrary: relay },
    { weight: 1, arbitrary: metrics },
    { weight: 1, arbitrary: other },
  );
  return fc.tuple(jsongle, idArb(ctx), fc.oneof({ weight: 4, arbitrary: fc.constant(ctx.selfId) }, idArb(ctx)), ridArb(ctx))
    .map(([j, id, from, rid]) => env(RELAY_ACTIONS.includes(j.action as string) ? rid : ctx.serverId, j, id, from));
}

type Mutation = { op: 'delete' | 'set' | 'dangerous' | 'to' | 'from'; at: number; value: unknown; key: string };

function mutationArb(ctx: LaneContext): fc.Arbitrary<Mutation> {
  return fc.record({
    op: fc.constantFrom('delete', 'set', 'set', 'dangerous', 'to', 'from'),
    at: fc.nat(),
    value: oddValue(ctx.maxBytes),
    key: fc.constantFrom(...DANGEROUS_KEYS),
  }) as fc.Arbitrary<Mutation>;
}

/** Every (parent, key) pair of an object tree, depth first. */
function slots(root: Record<string, unknown>): Array<[Record<string, unknown> | unknown[], string | number]> {
  const out: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      node.forEach((v, i) => { out.push([node, i]); stack.push(v); });
    } else if (node && typeof node === 'object') {
      for (const k of Object.keys(node)) { out.push([node as Record<string, unknown>, k]); stack.push((node as Record<string, unknown>)[k]); }
    }
  }
  return out;
}

function objectsOf(root: Record<string, unknown>): Array<Record<string, unknown>> {
  return [root, ...slots(root).map(([p, k]) => (p as Record<string | number, unknown>)[k]).filter((v): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v))];
}

function mutate(msg: Record<string, unknown>, muts: Mutation[], rid: unknown, from: unknown): Record<string, unknown> {
  for (const m of muts) {
    const all = slots(msg);
    if (m.op === 'to') { msg.to = rid; continue; }
    if (m.op === 'from') { msg.from = from; continue; }
    if (m.op === 'dangerous') {
      const objs = objectsOf(msg);
      // defineProperty: a plain assignment of "__proto__" would change the prototype instead.
      Object.defineProperty(objs[m.at % objs.length], m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    if (all.length === 0) continue;
    const [parent, key] = all[m.at % all.length];
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else {
      (parent as Record<string | number, unknown>)[key] = m.value;
    }
  }
  return msg;
}

/**
 * Keeps joins inside the lane: a join for a room id that is neither in the lane's pool nor
 * tagged with the lane gets the lane tag, so two lanes never meet in a room their models
 * do not know (any other field may hold any string). A string call sid gets the lane tag too:
 * calls are known server-wide by sid, and a lane's model knows only its own.
 */
function confine(msg: unknown, ctx: LaneContext, pool: ReadonlySet<string>): unknown {
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return msg;
  const j = (msg as Record<string, unknown>).jsongle;
  if (!j || typeof j !== 'object' || Array.isArray(j)) return msg;
  const jj = j as Record<string, unknown>;
  if (typeof jj.sid === 'string' && !jj.sid.startsWith(ctx.laneTag)) jj.sid = `${ctx.laneTag}~${jj.sid}`;
  const d = jj.description;
  if (jj.action !== 'iq-set' || !d || typeof d !== 'object' || Array.isArray(d)) return msg;
  const rid = (d as Record<string, unknown>).rid;
  if (typeof rid === 'string' && rid !== '' && !pool.has(rid) && !rid.startsWith(ctx.laneTag)) {
    (d as Record<string, unknown>).rid = `${ctx.laneTag}~${rid}`;
  }
  return msg;
}

/** A deeply nested JSON value as text (arrays or objects), without building it in memory. */
function deepText(depth: number, objects: boolean): string {
  return objects ? '{"a":'.repeat(depth) + '0' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth);
}

function encode(value: unknown, depth: number, objects: boolean): string {
  const text = JSON.stringify(value);
  return text.includes(DEEP_JSON) ? text.split(DEEP_JSON).join(deepText(depth, objects)) : text;
}

/** Keeps a frame under maxBytes (UTF-8) by cutting it; the cut frame is usually broken JSON. */
function fit(text: string, maxBytes: number): string {
  let t = text;
  while (Buffer.byteLength(t) > maxBytes) t = t.slice(0, Math.floor(t.length * 0.8));
  return t;
}

export function frameArb(ctx: LaneContext): fc.Arbitrary<FuzzFrame> {
  const pool = new Set([...ridPool(ctx), ctx.pairRid]);
  const depth = fc.constantFrom(8, 60, 64, 65, 100, 1_000, 5_000, 20_000);
  const text = (kind: string) => (t: string): FuzzFrame => ({ binary: false, text: fit(t, ctx.maxBytes), kind });

  const mutated = fc.tuple(templateArb(ctx), fc.array(mutationArb(ctx), { minLength: 0, maxLength: 3 }), ridArb(ctx), idArb(ctx), depth, fc.boolean())
    .map(([msg, muts, rid, from, d, objects]) => text(muts.length === 0 ? 'valid' : 'mutated')(encode(confine(mutate(msg, muts, rid, from), ctx, pool), d, objects)));
  const randomJson = fc.jsonValue({ maxDepth: 4 }).map((v) => text('json')(JSON.stringify(v)));
  const randomEnvelope = fc.tuple(
    fc.dictionary(fc.oneof(unicode, fc.constantFrom('id', 'from', 'to', ...DANGEROUS_KEYS)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    fc.dictionary(fc.oneof(unicode, fc.constantFrom('action', 'query', 'transaction', 'description', ...DANGEROUS_KEYS)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
    fc.oneof(fc.constantFrom(...RELAY_ACTIONS, 'iq-set', 'iq-result', 'session-metrics'), unicode, fc.jsonValue({ maxDepth: 1 })),
    ridArb(ctx),
  ).map(([top, j, action, to]) => text('envelope')(encode(confine({ ...top, to, jsongle: { ...j, action } }, ctx, pool), 10, false)));
  const brokenText = fc.oneof(
    templateArb(ctx).chain((m) => fc.nat().map((n) => { const t = JSON.stringify(m); return t.slice(0, n % Math.max(1, t.length)); })),
    fc.oneof(unicode, graphemes),
    fc.constantFrom('', ' ', 'null', 'true', '[]', '"jsongle"', '{', '{"jsongle":', '{"jsongle":{"action":"session-text"}', '\uFEFF{"jsongle":{}}', '{"jsongle":{}} x', 'NaN', '1e400', '{"jsongle":{},}'),
  ).map(text('broken'));
  const deep = fc.tuple(depth, fc.boolean(), fc.constantFrom('description', 'jsongle', 'sid', 'transaction', 'top'), ridArb(ctx), fc.constantFrom(...RELAY_ACTIONS, 'iq-set'))
    .map(([d, objects, where, rid, action]) => {
      const msg: Record<string, unknown> = { id: 'deep', to: action === 'iq-set' ? ctx.serverId : rid, jsongle: { action, query: 'session-join', transaction: 't', sid: 's', description: { rid } } };
      const j = msg.jsongle as Record<string, unknown>;
      if (where === 'description') (j.description as Record<string, unknown>).x = DEEP;
      else if (where === 'jsongle') msg.jsongle = DEEP;
      else if (where === 'top') msg.extra = DEEP;
      else j[where] = DEEP;
      return text('deep')(encode(confine(msg, ctx, pool), d, objects));
    });
  const huge = fc.tuple(hugeString(ctx.maxBytes * 5 - 5000), ridArb(ctx), fc.constantFrom('session-text', 'session-custom', 'transport-info'))
    .map(([s, rid, action]) => text('huge')(JSON.stringify({ id: 'huge', to: rid, jsongle: { action, namespace: 'chat', description: { content: s } } })));
  const binary = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    templateArb(ctx).map((m) => new Uint8Array(Buffer.from(JSON.stringify(m)))),
  ).map((bytes): FuzzFrame => ({ binary: true, bytes, kind: 'binary' }));

  return fc.oneof(
    { weight: 50, arbitrary: mutated },
    { weight: 8, arbitrary: randomJson },
    { weight: 10, arbitrary: randomEnvelope },
    { weight: 8, arbitrary: brokenText },
    { weight: 4, arbitrary: deep },
    { weight: 2, arbitrary: huge },
    { weight: 4, arbitrary: binary },
  );
}
