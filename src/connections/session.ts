/**
 * What outlives a socket when resume is on: one small record per connection (a few hundred bytes
 * with its token and map entries; an idle session holds no frames). The actor keeps the rest
 * (rooms, profile, calls through the call owner); this record keeps the counts the wire contract
 * needs and the frames the client has not confirmed.
 */
import type { ConnectionActor } from '../../machines/connection.js';
import type { SessionLink, Socket } from '../transport/socket-data.js';
import type { ReplayBuffer } from './replay-buffer.js';

export class Session implements SessionLink {
  /** The live socket, or null while suspended. */
  socket: Socket | null;
  actor: ConnectionActor | null;
  /** The current single-use resume token ('' until the hello is acknowledged: not resumable yet). */
  token = '';
  /** Server frames written to this session, every socket counted (the hello request is 1). */
  sent = 0;
  /** Client frames the server got, every socket counted (the hello answer is 1). */
  received = 0;
  /** Frames not yet confirmed delivered (null when there are none). */
  kept: ReplayBuffer | null = null;
  /** Number of the last frame written before the delivery ping in flight (0: none in flight). */
  pingedAt = 0;
  /** The socket vanished; the window runs. */
  suspended = false;
  /** Over its bounds while suspended: it ends on the next turn, nothing more is kept. */
  ending = false;
  /** Why the resume this fresh session follows could not be served (its hello request says so). */
  failure: string | null = null;
  /** Resume across nodes, on the new node: frames for it that reached this node directly, held until
   * the old node has forwarded what was on its way there (they follow those); null otherwise. */
  arriving: string[] | null = null;
  /** Resume across nodes, on the new node: frames the old node forwarded before the session itself came. */
  ahead: string[] | null = null;
  /** Resume across nodes: the old node said it forwards nothing more before the session came. */
  aheadDone = false;
  /** Resume across nodes, on the old node: being handed over (its window no longer runs here). */
  moving = false;

  constructor(readonly id: string, socket: Socket | null, actor: ConnectionActor | null) {
    this.socket = socket;
    this.actor = actor;
  }
}
