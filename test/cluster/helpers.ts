/**
 * The set-up every cluster test file shares: a private redis-server, the nodes on it, clients
 * closed after each test, and everything stopped after the file (or after each test with
 * `each`). Call inside a `describe`: it registers the mocha hooks and returns an object whose
 * fields are filled when the hooks have run.
 */
import { randomUUID } from 'node:crypto';
import type { ConfigOverrides } from '../../src/config/types.js';
import type { ServerOptions } from '../../src/server.js';
import { getText, parseMetrics } from '../helpers/http.js';
import { closeAllClients } from '../helpers/client.js';
import { startInProcessNode, startNodeProcess, type InProcessNode, type NodeProcess } from './nodes.js';
import { TestRedis } from './redis-server.js';
import { TcpProxy } from './tcp-proxy.js';

export interface RedisFixture {
  redis: TestRedis;
}

export interface ClusterFixture<N> extends RedisFixture {
  nodes: N[];
}

export interface InProcessFixture extends ClusterFixture<InProcessNode> {
  /** The proxy in front of Redis of each node started `throughProxy` (undefined for the others). */
  proxies: (TcpProxy | undefined)[];
}

/** A private Redis for the describe block; clients are closed after each test. */
export function useRedis(): RedisFixture {
  return redisWithTeardown(async () => undefined);
}

/** Redis, stopped after `teardown` (the nodes go before the Redis they clean up in). */
function redisWithTeardown(teardown: () => Promise<void>): RedisFixture {
  const fx = {} as RedisFixture;
  before(async () => {
    fx.redis = await TestRedis.start();
  });
  afterEach(closeAllClients);
  after(async () => {
    await closeAllClients();
    await teardown();
    await fx.redis?.stop();
  });
  return fx;
}

/**
 * Server processes (dist/src/main.js) on one Redis: what a test that kills or freezes a node needs.
 * `each`: new processes for every test (given ids are suffixed so a reaped node never comes back).
 */
export function useNodeProcesses(ids: string[], options: { each?: boolean; env?: Record<string, string> } = {}): ClusterFixture<NodeProcess> {
  // A node killed by the test has exited already (signalCode set): nothing to stop.
  const stopAll = async () => {
    await closeAllClients();
    await Promise.all(fx.nodes.filter((n) => n.proc.signalCode === null && n.proc.exitCode === null).map((n) => n.stop()));
    fx.nodes = [];
  };
  const fx = redisWithTeardown(stopAll) as ClusterFixture<NodeProcess>;
  fx.nodes = [];
  const startAll = async () => {
    const suffix = options.each ? `-${randomUUID().slice(0, 6)}` : '';
    fx.nodes = await Promise.all(ids.map((id) => startNodeProcess(fx.redis.url, `${id}${suffix}`, options.env)));
  };
  if (options.each) {
    beforeEach(startAll);
    afterEach(stopAll);
  } else {
    before(startAll);
  }
  return fx;
}

export interface InProcessSpec {
  id: string;
  overrides?: ConfigOverrides;
  /** Reach Redis through a TcpProxy the test can cut (this node's link alone). */
  throughProxy?: boolean;
  /** Stately inspection of this node's actors (a test that follows call actors). */
  inspect?: ServerOptions['inspect'];
}

/** In-process servers on one Redis: what a test that reads a node's state (cluster(), logs) needs. */
export function useInProcessNodes(specs: InProcessSpec[]): InProcessFixture {
  const fx = redisWithTeardown(async () => {
    await Promise.all(fx.nodes.map((n) => n.server.stop()));
    await Promise.all(fx.proxies.map((p) => p?.close()));
  }) as InProcessFixture;
  fx.nodes = [];
  fx.proxies = [];
  before(async () => {
    fx.proxies = await Promise.all(specs.map((s) => (s.throughProxy ? TcpProxy.start(fx.redis.port) : undefined)));
    fx.nodes = await Promise.all(specs.map((s, i) => startInProcessNode(fx.proxies[i]?.url ?? fx.redis.url, s.id, s.overrides, { inspect: s.inspect })));
  });
  return fx;
}

/** `jsongle_cluster_healthy` as GET /metrics on the node's monitoring port reports it. */
export async function healthGauge(node: InProcessNode): Promise<number | undefined> {
  const { text } = await getText(`http://127.0.0.1:${node.restPort}/metrics`);
  return parseMetrics(text).get(`jsongle_cluster_healthy{node="${node.nodeId}"}`);
}
