/**
 * The admin API across the nodes of a Redis-engine cluster: scatter/gather on the node channels.
 * The node asked by the operator publishes the request on every other registered node's channel
 * ('a' + JSON), each node answers from its own state on the asker's channel, and the asker merges
 * (admin-api.ts). Nodes that do not answer within admin.clusterTimeoutMs are named in `missing`.
 *
 * Why not read Redis: Redis holds room memberships (and the connections in a room), not the
 * connections that joined nothing, the calls, the sockets' addresses, nor the power to kick —
 * only the node holding a socket can close it, so it has to be asked anyway. Each node answering
 * a page of its own keeps any answer bounded by `limit` per node.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import type { Peers } from './admin-api.js';
import type { NodeAdmin } from './node-admin.js';
import type { AdminOp, OpResults } from './ops.js';

/** What the admin needs of the cluster engine (RedisCluster.adminBus()). */
export interface AdminBus {
  readonly nodeId: string;
  /** The registered nodes, this one included. */
  nodes(): Promise<string[]>;
  /** Publishes an admin message on a node's channel. */
  publish(node: string, payload: string): void;
  /** Set by the admin: an admin message arrived on this node's channel. */
  onMessage: ((payload: string) => void) | null;
}

type Message =
  | { q: string; from: string; req: AdminOp }
  | { r: string; from: string; v: unknown };

interface Pending {
  readonly waiting: Set<string>;
  readonly answers: unknown[];
  readonly done: () => void;
}

export class ClusterPeers implements Peers {
  readonly nodeId: string;
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly bus: AdminBus, private readonly node: NodeAdmin, private readonly timeoutMs: number, private readonly logger: Logger) {
    this.nodeId = bus.nodeId;
    bus.onMessage = (payload) => this.onMessage(payload);
  }

  async askAll<K extends AdminOp['op']>(req: Extract<AdminOp, { op: K }>): Promise<{ answers: OpResults[K][]; missing: string[] }> {
    const others = (await this.bus.nodes()).filter((n) => n !== this.nodeId);
    return this.ask(others, req);
  }

  async askOne<K extends AdminOp['op']>(node: string, req: Extract<AdminOp, { op: K }>): Promise<OpResults[K] | undefined> {
    if (!(await this.bus.nodes()).includes(node)) return undefined;
    const { answers } = await this.ask([node], req);
    return answers[0];
  }

  private ask<K extends AdminOp['op']>(nodes: string[], req: Extract<AdminOp, { op: K }>): Promise<{ answers: OpResults[K][]; missing: string[] }> {
    if (nodes.length === 0) return Promise.resolve({ answers: [], missing: [] });
    const id = randomUUID();
    return new Promise((resolve) => {
      const entry: Pending = {
        waiting: new Set(nodes),
        answers: [],
        done: () => {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve({ answers: entry.answers as OpResults[K][], missing: [...entry.waiting] });
        },
      };
      const timer = setTimeout(entry.done, this.timeoutMs);
      this.pending.set(id, entry);
      const text = JSON.stringify({ q: id, from: this.nodeId, req } satisfies Message);
      for (const n of nodes) this.bus.publish(n, text);
    });
  }

  private onMessage(payload: string): void {
    let m: Message;
    try {
      m = JSON.parse(payload) as Message;
    } catch {
      this.logger.error('unreadable admin message', { message: payload.slice(0, 200) });
      return;
    }
    if ('q' in m) {
      void this.answer(m);
      return;
    }
    const entry = this.pending.get(m.r);
    if (entry === undefined || !entry.waiting.delete(m.from)) return;
    entry.answers.push(m.v);
    if (entry.waiting.size === 0) entry.done();
  }

  private async answer(m: Extract<Message, { q: string }>): Promise<void> {
    try {
      const v = await this.node.answer(m.req);
      this.bus.publish(m.from, JSON.stringify({ r: m.q, from: this.nodeId, v } satisfies Message));
    } catch (err) {
      // No answer: the asker lists this node as missing rather than trusting a wrong one.
      this.logger.error('admin request failed on this node', { op: m.req?.op, error: String((err as Error)?.message ?? err) });
    }
  }
}
