/**
 * The admin API as the routes see it: this node's answer, merged with the other nodes' answers
 * when there are other nodes (the Redis engine's `Peers`). Lists are cursor pages merged by key,
 * a connection or a kick is answered by the one node that holds the socket, a room by every node
 * that holds some of its members. Nodes that did not answer in time are named in `missing`:
 * the answer is then partial, and says so.
 */
import type { NodeAdmin } from './node-admin.js';
import type { AdminOp, CallInfo, ConnectionInfo, OpResults, RoomDetail, RoomSummary } from './ops.js';
import { mergePages, type PageQuery } from './pagination.js';

/** The other nodes of a cluster (src/admin/cluster-peers.ts). */
export interface Peers {
  readonly nodeId: string;
  /** Asks every other node; resolves with the answers that came within the timeout. */
  askAll<K extends AdminOp['op']>(req: Extract<AdminOp, { op: K }>): Promise<{ answers: OpResults[K][]; missing: string[] }>;
  /** Asks one node; undefined when it did not answer in time (or is not a node). */
  askOne<K extends AdminOp['op']>(node: string, req: Extract<AdminOp, { op: K }>): Promise<OpResults[K] | undefined>;
}

export interface Page<T> {
  items: T[];
  next: string | null;
  /** Nodes that did not answer (Redis engine): the page lacks their items. */
  missing?: string[];
}

export class AdminApi {
  constructor(private readonly node: NodeAdmin, private readonly peers: Peers | null = null) {}

  connections(q: PageQuery & { uid?: string; rid?: string }): Promise<Page<ConnectionInfo>> {
    return this.page({ op: 'connections', ...q }, (c) => c.id, q.limit);
  }

  async connection(id: string): Promise<{ found: ConnectionInfo | null; missing: string[] }> {
    const { answers, missing } = await this.everywhere({ op: 'connection', id });
    return { found: answers.find((a) => a !== null) ?? null, missing };
  }

  async kick(id: string): Promise<{ kicked: boolean; missing: string[] }> {
    const { answers, missing } = await this.everywhere({ op: 'kick', id });
    return { kicked: answers.some(Boolean), missing };
  }

  rooms(q: PageQuery): Promise<Page<RoomSummary>> {
    return this.page({ op: 'rooms', ...q }, (r) => r.rid, q.limit, (a, b) => ({
      ...a,
      members: a.members + b.members,
      createdAt: a.createdAt < b.createdAt ? a.createdAt : b.createdAt,
      call: a.call === 'active' || b.call === 'active' ? 'active' : (a.call ?? b.call),
    }));
  }

  async room(rid: string): Promise<{ found: RoomDetail | null; missing: string[] }> {
    const { answers, missing } = await this.everywhere({ op: 'room', rid });
    let found: RoomDetail | null = null;
    for (const a of answers) {
      if (a === null) continue;
      if (found === null) found = { ...a, members: [...a.members], calls: [...a.calls] };
      else {
        found.members.push(...a.members);
        found.calls.push(...a.calls);
        if (a.createdAt < found.createdAt) found.createdAt = a.createdAt;
      }
    }
    return { found, missing };
  }

  async closeRoom(rid: string): Promise<{ removed: number | null; missing: string[] }> {
    const { answers, missing } = await this.everywhere({ op: 'closeRoom', rid });
    const held = answers.filter((a): a is number => a !== null);
    return { removed: held.length === 0 ? null : held.reduce((x, y) => x + y, 0), missing };
  }

  calls(q: PageQuery): Promise<Page<CallInfo>> {
    return this.page({ op: 'calls', ...q }, (c) => c.sid, q.limit);
  }

  /** Drains this node, or another one by its id (Redis engine); undefined: no such node answered. */
  async drain(node?: string): Promise<{ node: string | null; lifecycle: string } | undefined> {
    if (node === undefined || this.peers === null || node === this.peers.nodeId) {
      const r = await this.node.answer({ op: 'drain' });
      return { node: this.peers?.nodeId ?? null, lifecycle: r.lifecycle };
    }
    const r = await this.peers.askOne(node, { op: 'drain' });
    return r === undefined ? undefined : { node, lifecycle: r.lifecycle };
  }

  /** Is `node` a node this API can reach (this one, or one of the cluster)? */
  get clustered(): boolean {
    return this.peers !== null;
  }

  private async everywhere<K extends AdminOp['op']>(req: Extract<AdminOp, { op: K }>): Promise<{ answers: OpResults[K][]; missing: string[] }> {
    const [own, others] = await Promise.all([
      this.node.answer(req) as OpResults[K] | Promise<OpResults[K]>,
      this.peers?.askAll(req) ?? { answers: [] as OpResults[K][], missing: [] },
    ]);
    return { answers: [own, ...others.answers], missing: others.missing };
  }

  private async page<T, K extends 'connections' | 'rooms' | 'calls'>(
    req: Extract<AdminOp, { op: K }>, keyOf: (item: T) => string, limit: number, combine?: (a: T, b: T) => T,
  ): Promise<Page<T>> {
    const { answers, missing } = await this.everywhere<K>(req);
    const merged = mergePages(answers as unknown as { items: T[]; more: boolean }[], keyOf, limit, combine);
    return missing.length > 0 ? { ...merged, missing } : merged;
  }
}
