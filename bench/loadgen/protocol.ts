/** What the bench runner and its forked generator workers say to each other over IPC. */

export type ScenarioKind = 'relay' | 'openloop' | 'storm' | 'hold' | 'calls' | 'directCalls';

export interface WorkerJob {
  kind: ScenarioKind;
  workerId: number;
  host: string;
  /** Server ports; room r goes to ports[r % ports.length] (several server processes when holding > fd limit). */
  ports: number[];
  /** Upgrade path and query (e.g. `/?appToken=…`). */
  path: string;
  /** Client source addresses (127.0.0.x), rotated per connection: one address runs out of ports at ~28k.
   * Empty: let the kernel choose (127.0.0.1). */
  localAddresses: string[];
  /** Rooms this worker opens at set-up (hold opens more on demand). A room never spans workers. */
  rooms: number;
  roomSize: number;
  roomKind: 'room' | 'muc';
  /** Messages in flight per connection (closed loop). */
  window: number;
  payloadBytes: number;
  /** The relayed action (transport-info, session-initiate, session-event…). */
  action: string;
  /** Open loop: this worker's send rate, messages per second. */
  ratePerSecond: number;
  /** Closed loop: one message in this many carries a send time. */
  sampleEvery: number;
  /** Storm: connection attempts in flight; others: connections being set up at once. */
  concurrency: number;
  setupTimeoutMs: number;
  /** Makes room ids unique to one run. */
  runTag: string;
  /** The worker exits by itself after this long, whatever happens. */
  hardDeadlineMs: number;
}

export type ParentMessage =
  | { cmd: 'setup'; job: WorkerJob }
  | { cmd: 'open'; rooms: number }
  | { cmd: 'run'; warmupMs: number; durationMs: number }
  | { cmd: 'exit' };

export interface SetupReport {
  connections: number;
  failures: number;
  errors: string[];
  elapsedMs: number;
}

export interface WorkerResult {
  /** Messages sent and generator-made frames received during the measured window. */
  sent: number;
  delivered: number;
  /** Storm: connections that completed hello + join; calls: complete call sequences. */
  completed: number;
  failures: number;
  elapsedMs: number;
  /** Latency histogram counts (Histogram layout), µs. */
  histogram: number[];
  /** Server-made frames seen in the steady state, by "action[:detail]". */
  serverFrames: Record<string, number>;
  /** Open loop: messages skipped because the generator fell behind its schedule. */
  behind: number;
  /** Connections that closed while the scenario ran. */
  closedDuringRun: number;
  errors: string[];
}

export type WorkerMessage =
  | { evt: 'ready'; report: SetupReport }
  | { evt: 'opened'; report: SetupReport }
  | { evt: 'result'; result: WorkerResult }
  | { evt: 'fatal'; error: string };
