/** The validated, frozen configuration handed to createServer(). Keys mirror schema.ts. */
export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly';

export interface Config {
  readonly id: string;
  readonly info: string;
  readonly wsHost: string;
  readonly wsPort: number;
  readonly restHost: string;
  readonly restPort: number;
  readonly appToken: string;
  readonly adminToken: string;
  readonly corsPolicyOrigin: string;
  readonly maxConcurrentUsers: number;
  readonly maxMembersPerRoom: number;
  readonly maxMembersPerMultiRoom: number;
  readonly maxMultiRoomPerUser: number;
  readonly maxRoomsPerConnection: number;
  readonly multiRoomPrefix: string;
  readonly helloTimeoutMs: number;
  readonly idleTimeoutSec: number;
  readonly maxPayloadLength: number;
  readonly maxLifetimeMin: number;
  readonly maxBackpressureBytes: number;
  readonly drainTimeoutMs: number;
  readonly rateLimit: { readonly messagesPerSecond: number; readonly burst: number };
  readonly upgradeLimit: { readonly perAddress: number; readonly windowSec: number; readonly exemptLoopback: boolean; readonly maxOpenPerAddress: number };
  // Transport / HTTP edge hardening (docs/security.md)
  readonly authFailureLimit: { readonly perAddress: number; readonly windowSec: number };
  readonly trustProxy: boolean;
  readonly maxBackpressureTotalBytes: number;
  readonly slowReaderTimeoutSec: number;
  readonly restAllowedHosts: string;
  /** Lengths of uid, dn and rid (src/protocol/identifiers.ts). */
  readonly limits: { readonly uidMaxLength: number; readonly dnMaxLength: number; readonly ridMaxLength: number };
  /** Identity tokens (JWT) checked at the upgrade. */
  readonly auth: AuthConfig;
  /** TURN REST credentials and STUN URIs handed out as ICE servers. */
  readonly turn: { readonly secret: string; readonly uris: readonly string[]; readonly ttlSec: number };
  readonly stun: { readonly uris: readonly string[] };
  readonly cluster: ClusterConfig;
  readonly logDefaultLevel: LogLevel;
  readonly logPath: string;
  readonly logFilesNumber: number;
  readonly logFilePeriod: string;
  readonly logFileMaxSize: string;
  readonly key: string;
  readonly cert: string;
  readonly inspect: { readonly enabled: boolean; readonly url: string };
  readonly calls: { readonly ringTimeoutSec: number };
  readonly users: { readonly maxDevicesPerUser: number; readonly maxDirectCallsPerConnection: number };
  readonly resume: ResumeConfig;
  readonly socketio: SocketIOConfig;
  /** The /admin/ routes (src/admin/). */
  readonly admin: { readonly requestsPerSecond: number; readonly burst: number; readonly clusterTimeoutMs: number };
  /** Signed lifecycle events (src/webhooks/). */
  readonly webhooks: WebhooksConfig;
}

/** The Socket.IO door (src/transport/socketio.ts). */
export interface SocketIOConfig {
  readonly enabled: boolean;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  /** 0: maxPayloadLength. */
  readonly maxHttpBufferSize: number;
}

/** Sessions that outlive their socket (docs/protocol.md, Resume). windowSec 0: off. */
export interface ResumeConfig {
  readonly windowSec: number;
  readonly bufferMessages: number;
  readonly bufferBytes: number;
  /** Redis engine: how long a resuming upgrade waits for the session's node to hand it over. */
  readonly handoverTimeoutMs: number;
  /** Redis engine: seconds the old node forwards what was still on its way to a session that moved. */
  readonly forwardSec: number;
}

export interface WebhooksConfig {
  readonly urls: readonly string[];
  readonly secret: string;
  readonly queueSize: number;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly timeoutMs: number;
  readonly concurrency: number;
}

export interface AuthConfig {
  readonly jwtSecret: string;
  readonly jwtPublicKeyFile: string;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly jwtClockToleranceSec: number;
}

export interface ClusterConfig {
  readonly engine: 'local' | 'redis';
  readonly redisUrl: string;
  /** Empty: generated at start. */
  readonly nodeId: string;
  readonly keyPrefix: string;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTtlMs: number;
  readonly commandTimeoutMs: number;
  readonly workers: number;
}

/** Partial config for tests and embedding: nested groups may be given in part. */
export type ConfigOverrides = Partial<Omit<Config, 'rateLimit' | 'inspect' | 'upgradeLimit' | 'cluster' | 'limits' | 'authFailureLimit' | 'calls' | 'users' | 'auth' | 'turn' | 'stun' | 'resume' | 'socketio' | 'admin' | 'webhooks'>> & {
  admin?: Partial<Config['admin']>;
  webhooks?: Partial<Config['webhooks']>;
  socketio?: Partial<Config['socketio']>;
  limits?: Partial<Config['limits']>;
  authFailureLimit?: Partial<Config['authFailureLimit']>;
  calls?: Partial<Config['calls']>;
  users?: Partial<Config['users']>;
  resume?: Partial<Config['resume']>;
  rateLimit?: Partial<Config['rateLimit']>;
  upgradeLimit?: Partial<Config['upgradeLimit']>;
  inspect?: Partial<Config['inspect']>;
  cluster?: Partial<Config['cluster']>;
  auth?: Partial<Config['auth']>;
  turn?: Partial<Config['turn']>;
  stun?: Partial<Config['stun']>;
};
