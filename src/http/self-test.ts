/**
 * GET /tests: a real round trip through this server, as a client sees it. Two loopback
 * WebSocket clients connect, answer hello, join a fresh P2P room, relay a session-text from one to
 * the other, leave and close. Each step is a check; the first failing step ends the run.
 */
import { randomUUID } from 'node:crypto';
import { clusterCheck } from '../observability/cluster-metrics.js';
import type { MonitoringContext } from './context.js';
import { LoopbackClient, type Message } from './loopback-client.js';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

export interface SelfTestResult {
  /** 100 when every step passed, else the share of steps that passed. */
  readonly score: number;
  readonly executionTime: number;
  readonly checks: readonly Check[];
}

const STEPS = ['cluster', 'connect', 'hello', 'join', 'relay', 'leave', 'close'] as const;

/** Where the loopback clients connect: the WebSocket port on this host, as the server listens. */
export function selfTestUrl(ctx: MonitoringContext, identityToken = ''): string {
  const host = ctx.config.wsHost;
  const target = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const query: string[] = [];
  if (ctx.config.appToken) query.push(`appToken=${encodeURIComponent(ctx.config.appToken)}`);
  if (identityToken) query.push(`token=${encodeURIComponent(identityToken)}`);
  const search = query.length > 0 ? `?${query.join('&')}` : '';
  return `${ctx.tls ? 'wss' : 'ws'}://${target}:${ctx.wsPort()}/${search}`;
}

export async function runSelfTest(ctx: MonitoringContext, timeoutMs: number): Promise<SelfTestResult> {
  const start = performance.now();
  const deadline = Date.now() + timeoutMs;
  const checks: Check[] = [];
  const clients: LoopbackClient[] = [];
  const serverId = ctx.config.id;
  const rid = `self-test-${randomUUID()}`;
  const ids = new Map<LoopbackClient, string>();

  const request = async (c: LoopbackClient, query: string, description: Record<string, unknown>): Promise<Message> => {
    const transaction = randomUUID();
    c.send({ id: randomUUID(), from: ids.get(c), to: serverId, jsongle: { action: 'iq-set', query, transaction, description } });
    const answer = await c.next((m) => m.jsongle?.transaction === transaction, deadline, query);
    if (answer.jsongle?.action !== 'iq-result') throw new Error(`${query}: answered ${describe(answer)}`);
    return answer;
  };

  const steps: Record<(typeof STEPS)[number], () => Promise<void>> = {
    // With the Redis engine, an unhealthy node fails the self-check (503) before any client connects.
    async cluster() {
      const verdict = clusterCheck(ctx.cluster());
      if (!verdict.ok) throw new Error(verdict.error);
    },
    async connect() {
      // With identity tokens each client gets its own, for the uid its hello says and this run's room only.
      const urls = await Promise.all([0, 1].map(async (i) => selfTestUrl(ctx, await ctx.tokenVerifier?.mintSelfTestToken(`self-test-${i}`, [rid]))));
      const opened = await Promise.allSettled(urls.map((url) => LoopbackClient.connect(url, deadline, false)));
      for (const o of opened) if (o.status === 'fulfilled') clients.push(o.value);
      const refused = opened.find((o) => o.status === 'rejected');
      if (refused) throw new Error(`connect: ${(refused as PromiseRejectedResult).reason?.message ?? refused}`);
    },
    async hello() {
      await Promise.all(clients.map(async (c, i) => {
        const hello = await c.next((m) => m.jsongle?.action === 'iq-get' && m.jsongle.query === 'session-hello', deadline, 'session-hello request');
        ids.set(c, String(hello.to));
        const transaction = hello.jsongle?.transaction;
        c.send({
          id: randomUUID(), from: hello.to, to: hello.from,
          jsongle: { action: 'iq-result', query: 'session-hello', transaction, description: { uid: `self-test-${i}`, dn: 'self-test' } },
        });
        const ack = await c.next((m) => m.jsongle?.action === 'ack' && m.jsongle.transaction === transaction, deadline, 'hello ack');
        if (ack.jsongle?.status !== 'success') throw new Error(`hello: ack ${String(ack.jsongle?.status)}`);
      }));
    },
    async join() {
      const [a, b] = clients;
      await request(a, 'session-join', { rid });
      await request(b, 'session-join', { rid });
      await a.next((m) => m.jsongle?.action === 'session-event' && m.jsongle.event === 'joined', deadline, 'joined event');
    },
    async relay() {
      const [a, b] = clients;
      const mid = randomUUID();
      a.send({ id: mid, from: ids.get(a), to: rid, jsongle: { action: 'session-text', namespace: 'room', description: { content: 'self-test' } } });
      const got = await b.next((m) => m.id === mid && m.jsongle?.action === 'session-text', deadline, 'relayed session-text');
      if (got.from !== rid) throw new Error(`relay: relayed from ${String(got.from)}, expected the room id`);
      await a.next((m) => m.jsongle?.event === 'ack' && (m.jsongle.description as Record<string, unknown> | undefined)?.mid === mid, deadline, 'session-text ack');
    },
    async leave() {
      const [a, b] = clients;
      await request(a, 'session-leave', { rid });
      await b.next((m) => m.jsongle?.action === 'session-event' && m.jsongle.event === 'left', deadline, 'left event');
    },
    async close() {
      await Promise.all(clients.map((c) => c.close(deadline)));
      clients.length = 0;
    },
  };

  // The cluster step exists only with the Redis engine.
  const names = ctx.cluster() === null ? STEPS.filter((n) => n !== 'cluster') : STEPS;
  try {
    for (const name of names) {
      const t0 = performance.now();
      try {
        await steps[name]();
        checks.push({ name, ok: true, ms: round(performance.now() - t0) });
      } catch (err) {
        checks.push({ name, ok: false, ms: round(performance.now() - t0), error: err instanceof Error ? err.message : String(err) });
        break;
      }
    }
  } finally {
    // On failure the server may not answer a close handshake: cut the sockets.
    for (const c of clients) c.terminate();
  }
  const passed = checks.filter((c) => c.ok).length;
  return { score: Math.floor((100 * passed) / names.length), executionTime: round(performance.now() - start), checks };
}

function describe(m: Message): string {
  const d = m.jsongle?.description as Record<string, unknown> | undefined;
  return `${String(m.jsongle?.action)}${d?.errorCode ? ` ${String(d.errorCode)} ${String(d.errorDetails)}` : ''}`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
