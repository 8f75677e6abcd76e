/**
 * The single defaults table. Every key keeps the original JSONgle-Server name where one existed,
 * and the environment variable of the same name overrides the file (so `wsPort=9000 npm start`
 * behaves as it did for the original's users). Units are in the key names.
 */
import convict from 'convict';
import { PACKAGE } from '../version.js';

const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

export const configSchema = {
  id: {
    doc: 'Server identifier: the `from` of server-made messages and the `to` of requests to the server.',
    format: 'nonEmptyString', default: 'jsongle-server', env: 'id', arg: 'id',
  },
  info: {
    doc: 'Free text describing the server: the session-hello info and the GET /about description (like the original, package.json\'s description by default).',
    format: String, default: PACKAGE.description, env: 'info',
  },
  wsHost: {
    doc: 'Address the WebSocket port binds to (0.0.0.0 for every interface).',
    format: 'nonEmptyString', default: '127.0.0.1', env: 'wsHost', arg: 'wsHost',
  },
  wsPort: {
    doc: 'WebSocket port (0 picks a free port).', format: 'port', default: 8080, env: 'wsPort', arg: 'wsPort',
  },
  restHost: {
    doc: 'Address the monitoring HTTP port binds to.',
    format: 'nonEmptyString', default: '127.0.0.1', env: 'restHost', arg: 'restHost',
  },
  restPort: {
    doc: 'Monitoring HTTP port (0 picks a free port).', format: 'port', default: 8081, env: 'restPort', arg: 'restPort',
  },
  appToken: {
    doc: 'Token clients must pass as the appToken query parameter. Empty: no token required (warned at start).',
    format: String, default: '', env: 'appToken', sensitive: true,
  },
  adminToken: {
    doc: 'Bearer token required by PUT /logs/levels and the /admin/ routes. Empty: PUT /logs/levels is disabled (403) and /admin/ is absent (404).',
    format: String, default: '', env: 'adminToken', sensitive: true,
  },
  corsPolicyOrigin: {
    doc: 'Allowed Origin(s), comma separated. Empty or * allows any origin.',
    format: String, default: '', env: 'corsPolicyOrigin',
  },
  maxConcurrentUsers: {
    doc: 'Most open WebSocket connections; more are answered HTTP 503. Capped by the fd limit.',
    format: 'positiveInt', default: 10000, env: 'maxConcurrentUsers',
  },
  maxMembersPerRoom: {
    doc: 'Most members of a P2P room (session-join).', format: 'positiveInt', default: 2, env: 'maxMembersPerRoom',
  },
  maxMembersPerMultiRoom: {
    doc: 'Most members of a multi-user room (muc-join).', format: 'positiveInt', default: 10, env: 'maxMembersPerMultiRoom',
  },
  maxMultiRoomPerUser: {
    doc: 'Most multi-user rooms one connection may be in.', format: 'positiveInt', default: 10, env: 'maxMultiRoomPerUser',
  },
  maxRoomsPerConnection: {
    doc: 'Most rooms of both kinds one connection may be in (403008 past it): bounds what one connection can make the server hold and announce.',
    format: 'positiveInt', default: 100, env: 'maxRoomsPerConnection',
  },
  multiRoomPrefix: {
    doc: 'Topic prefix of multi-user rooms (P2P rooms use room/).',
    format: 'topicPrefix', default: 'muc/', env: 'multiRoomPrefix',
  },
  helloTimeoutMs: {
    doc: 'Time a new connection has to answer session-hello before 408001 and close 4408.',
    format: 'positiveInt', default: 10000, env: 'helloTimeoutMs',
  },
  idleTimeoutSec: {
    doc: 'A connection silent this long (pings are sent automatically) is closed. 0 disables; else >= 8.',
    format: 'idleTimeout', default: 120, env: 'idleTimeoutSec',
  },
  maxLifetimeMin: {
    doc: 'Minutes a WebSocket may stay open at most before uWS closes it (it may resume). Bounds what no JS hook sees (a flood of empty fragments). 0: no limit.',
    format: 'nat', default: 0, env: 'maxLifetimeMin',
  },
  maxPayloadLength: {
    doc: 'Largest accepted frame in bytes; a larger one ends the connection.',
    format: 'positiveInt', default: 65536, env: 'maxPayloadLength',
  },
  maxBackpressureBytes: {
    doc: 'Bytes buffered for one slow reader before it is closed (backpressure policy: close, never buffer without bound).',
    format: 'positiveInt', default: 1048576, env: 'maxBackpressureBytes',
  },
  drainTimeoutMs: {
    doc: 'On SIGTERM/SIGINT, the longest wait for connections to close before exit.',
    format: 'nat', default: 10000, env: 'drainTimeoutMs',
  },
  rateLimit: {
    messagesPerSecond: {
      doc: 'Sustained messages per second per connection; excess is dropped with 429001.',
      format: 'positiveInt', default: 200, env: 'rateLimit_messagesPerSecond',
    },
    burst: {
      doc: 'Messages a connection may send at once above the sustained rate.',
      format: 'positiveInt', default: 500, env: 'rateLimit_burst',
    },
  },
  upgradeLimit: {
    perAddress: {
      doc: 'New WebSocket connections one remote address may open per window (a burst gets HTTP 429). 0 disables.',
      format: 'nat', default: 100, env: 'upgradeLimit_perAddress',
    },
    windowSec: {
      doc: 'Window of the per-address connection limit, in seconds.', format: 'positiveInt', default: 10, env: 'upgradeLimit_windowSec',
    },
    exemptLoopback: {
      doc: 'Do not limit loopback peers (a local reverse proxy makes every client look like 127.0.0.1).',
      format: Boolean, default: true, env: 'upgradeLimit_exemptLoopback',
    },
    maxOpenPerAddress: {
      doc: 'Open WebSocket connections one remote address (IPv6: one /64) may hold at once; more get HTTP 429. 0 disables. Loopback follows exemptLoopback.',
      format: 'nat', default: 100, env: 'upgradeLimit_maxOpenPerAddress',
    },
  },
  limits: {
    uidMaxLength: {
      doc: 'Longest hello uid, in UTF-16 code units; a longer one is refused with 400001. uid also may not hold control characters or "/".',
      format: 'positiveInt', default: 128, env: 'limits_uidMaxLength',
    },
    dnMaxLength: {
      doc: 'Longest hello dn (display name), in UTF-16 code units; a longer one is refused with 400001. No control characters.',
      format: 'positiveInt', default: 256, env: 'limits_dnMaxLength',
    },
    ridMaxLength: {
      doc: 'Longest room id in a join or leave, in UTF-16 code units; a longer one is refused with iq-error 400001. No control characters.',
      format: 'positiveInt', default: 256, env: 'limits_ridMaxLength',
    },
  },
  // --- Transport / HTTP edge hardening (docs/security.md) ---
  authFailureLimit: {
    perAddress: {
      doc: 'Upgrades with a missing or wrong appToken or identity token one address may make per window; then every upgrade from it gets HTTP 429 until it refills. Applies to loopback too. 0 disables.',
      format: 'nat', default: 20, env: 'authFailureLimit_perAddress',
    },
    windowSec: {
      doc: 'Window of the failed-authentication limit, in seconds.', format: 'positiveInt', default: 60, env: 'authFailureLimit_windowSec',
    },
  },
  trustProxy: {
    doc: 'Take the client address of WebSocket upgrades from X-Forwarded-For (last entry) or X-Real-IP. Only behind a proxy that sets them, with wsPort unreachable otherwise.',
    format: Boolean, default: false, env: 'trustProxy',
  },
  maxBackpressureTotalBytes: {
    doc: 'Bytes uWS may buffer for all slow readers together; above it the largest are closed first (checked every second). 0 disables.',
    format: 'nat', default: 268435456, env: 'maxBackpressureTotalBytes',
  },
  slowReaderTimeoutSec: {
    doc: 'A connection with unsent data buffered for this long without pause (sampled every second) is closed. 0 disables.',
    format: 'nat', default: 30, env: 'slowReaderTimeoutSec',
  },
  restAllowedHosts: {
    doc: 'Host names the monitoring port answers (comma separated) besides IP addresses, localhost and restHost; any other Host gets 421 (DNS rebinding). * allows any.',
    format: String, default: '', env: 'restAllowedHosts',
  },
  // --- end of edge hardening ---
  // --- Identity tokens (JWT) and ICE servers (TURN REST credentials): users-calls-sessions.md §1, §5 ---
  auth: {
    jwtSecret: {
      doc: 'HS256 secret of the identity tokens (at least 32 characters). Set it (or jwtPublicKeyFile) and every upgrade needs a valid token (token query parameter or Authorization: Bearer), else HTTP 401; the hello uid is then the token\'s sub. Empty with no key file: no token needed.',
      format: 'jwtSecret', default: '', env: 'auth_jwtSecret', sensitive: true,
    },
    jwtPublicKeyFile: {
      doc: 'PEM public key file of the identity tokens instead of jwtSecret: an RSA key verifies RS256, a P-256 key ES256. Read once at start.',
      format: String, default: '', env: 'auth_jwtPublicKeyFile',
    },
    jwtIssuer: {
      doc: 'Required iss claim of the identity tokens. Empty: not checked.', format: String, default: '', env: 'auth_jwtIssuer',
    },
    jwtAudience: {
      doc: 'Required aud claim of the identity tokens. Empty: not checked.', format: String, default: '', env: 'auth_jwtAudience',
    },
    jwtClockToleranceSec: {
      doc: 'Clock skew allowed when checking a token\'s exp and nbf, in seconds.', format: 'nat', default: 5, env: 'auth_jwtClockToleranceSec',
    },
  },
  turn: {
    secret: {
      doc: 'coturn static-auth-secret (use-auth-secret): with turn.uris, the hello ack and iq-set ice-servers hand out TURN credentials made with it. Empty: no TURN entry.',
      format: String, default: '', env: 'turn_secret', sensitive: true,
    },
    uris: {
      doc: 'TURN URIs the credentials are for (turn: or turns:), comma separated in the environment.',
      format: 'iceUris', default: [] as string[], env: 'turn_uris',
    },
    ttlSec: {
      doc: 'Lifetime of the TURN credentials handed out, in seconds (the username is "<unix expiry>:<uid>").',
      format: 'positiveInt', default: 86400, env: 'turn_ttlSec',
    },
  },
  stun: {
    uris: {
      doc: 'STUN URIs (stun: or stuns:) added to the ICE servers handed out, comma separated in the environment. Empty: no STUN entry.',
      format: 'iceUris', default: [] as string[], env: 'stun_uris',
    },
  },
  // --- end of identity tokens and ICE servers ---
  cluster: {
    engine: {
      doc: 'Where room membership and cross-process relays live: local (this process alone) or redis (rooms span processes and hosts).',
      format: ['local', 'redis'], default: 'local', env: 'cluster_engine',
    },
    redisUrl: {
      doc: 'Redis to use with engine redis (redis://[user:password@]host:port[/db]; rediss:// for TLS). One standalone Redis >= 6.2, not Redis Cluster.',
      format: String, default: 'redis://127.0.0.1:6379', env: 'cluster_redisUrl', sensitive: true,
    },
    nodeId: {
      doc: 'This process\'s name in the cluster (letters, digits, . _ -). Empty: generated at start, unique per process.',
      format: 'nodeId', default: '', env: 'cluster_nodeId',
    },
    keyPrefix: {
      doc: 'Prefix of every Redis key and channel, so several deployments can share one Redis.',
      format: 'nonEmptyString', default: 'jsongle:', env: 'cluster_keyPrefix',
    },
    heartbeatIntervalMs: {
      doc: 'How often a node renews its heartbeat key and looks for dead nodes to clean up.',
      format: 'positiveInt', default: 1000, env: 'cluster_heartbeatIntervalMs',
    },
    heartbeatTtlMs: {
      doc: 'Lifetime of the heartbeat key: a node silent this long is dead, and the others remove its members (within this + heartbeatIntervalMs).',
      format: 'positiveInt', default: 5000, env: 'cluster_heartbeatTtlMs',
    },
    commandTimeoutMs: {
      doc: 'How long a membership script or subscription may wait for Redis: past it a join answers 503002 and the node reports itself unhealthy until Redis answers again (a frozen Redis keeps its connections open).',
      format: 'positiveInt', default: 2000, env: 'cluster_commandTimeoutMs',
    },
    workers: {
      doc: 'Server processes on this host sharing wsPort (node:cluster; needs engine redis when > 1). Also --workers N.',
      format: 'positiveInt', default: 1, env: 'cluster_workers', arg: 'workers',
    },
  },
  logDefaultLevel: {
    doc: 'Log level of every transport at start.', format: LOG_LEVELS as unknown as string[], default: 'info',
    env: 'logDefaultLevel', arg: 'logDefaultLevel',
  },
  logPath: {
    doc: 'Folder of the rotated log files. Empty: console only.', format: String, default: '', env: 'logPath',
  },
  logFilesNumber: {
    doc: 'Rotated log files kept.', format: 'positiveInt', default: 7, env: 'logFilesNumber',
  },
  logFilePeriod: {
    doc: 'Rotation period: 1d, 1h to 24h, or 1m to 60m.',
    format: 'logPeriod', default: '1d', env: 'logFilePeriod',
  },
  logFileMaxSize: {
    doc: 'Also rotate a log file when it reaches this size (e.g. 100k, 20m, 1g). Empty: by period only.',
    format: 'logSize', default: '', env: 'logFileMaxSize',
  },
  key: {
    doc: 'TLS private key file (PEM). With cert, both ports serve TLS.', format: String, default: '', env: 'key',
  },
  cert: {
    doc: 'TLS certificate file (PEM).', format: String, default: '', env: 'cert',
  },
  inspect: {
    enabled: {
      doc: 'Send every actor event to a Stately inspector (costs 25-35% of event throughput).',
      format: Boolean, default: false, env: 'inspect_enabled',
    },
    url: {
      doc: 'WebSocket URL of the inspector endpoint.', format: String, default: 'ws://127.0.0.1:8090',
      env: 'inspect_url',
    },
  },
  // --- Socket.IO door (src/transport/socketio.ts, docs/migrating-from-2.x.md) ---
  socketio: {
    enabled: {
      doc: 'Serve Socket.IO clients (JSONgle-Server 2.x apps: socket.io-client 4, event "jsongle") on wsPort at /socket.io/, next to raw WebSocket clients. Long-polling needs sticky sessions at a load balancer; WebSocket-only clients do not.',
      format: Boolean, default: true, env: 'socketio_enabled',
    },
    pingIntervalMs: {
      doc: 'Socket.IO heartbeat: the server pings every this many milliseconds.',
      format: 'positiveInt', default: 25000, env: 'socketio_pingIntervalMs',
    },
    pingTimeoutMs: {
      doc: 'Socket.IO heartbeat: a client that has not answered a ping within this many milliseconds is disconnected (its rooms hear left).',
      format: 'positiveInt', default: 20000, env: 'socketio_pingTimeoutMs',
    },
    maxHttpBufferSize: {
      doc: 'Largest Socket.IO packet (WebSocket frame or long-polling POST body) in bytes; a larger one ends the connection. 0: maxPayloadLength.',
      format: 'nat', default: 0, env: 'socketio_maxHttpBufferSize',
    },
  },
  // --- end Socket.IO door ---
  // --- admin API and webhooks (src/admin/, src/webhooks/, docs/operations.md) ---
  admin: {
    requestsPerSecond: {
      doc: 'Requests per second the /admin/ routes accept, all clients together (a token bucket; wrong tokens count too). Past it: HTTP 429.',
      format: 'positiveInt', default: 20, env: 'admin_requestsPerSecond',
    },
    burst: {
      doc: 'Requests the /admin/ routes accept at once before requestsPerSecond applies.',
      format: 'positiveInt', default: 40, env: 'admin_burst',
    },
    clusterTimeoutMs: {
      doc: 'Redis engine: how long an /admin/ request waits for the other nodes\' answers (nodes that do not answer are listed in "missing").',
      format: 'positiveInt', default: 2000, env: 'admin_clusterTimeoutMs',
    },
  },
  webhooks: {
    urls: {
      doc: 'URLs every lifecycle event is POSTed to (a JSON array; env webhooks_urls=\'["http://…"]\'). Empty: no webhooks.',
      format: 'webhookUrls', default: [] as string[], env: 'webhooks_urls',
    },
    secret: {
      doc: 'HMAC-SHA256 key of the X-JSONgle-Signature header (sha256=<hex of the body>). Empty: events are sent unsigned (warned at start).',
      format: String, default: '', env: 'webhooks_secret', sensitive: true,
    },
    queueSize: {
      doc: 'Deliveries waiting at most (one per event and URL); a new one past it is dropped and counted.',
      format: 'positiveInt', default: 10000, env: 'webhooks_queueSize',
    },
    maxAttempts: {
      doc: 'Attempts per delivery (the first one included) before it is dropped and counted.',
      format: 'positiveInt', default: 5, env: 'webhooks_maxAttempts',
    },
    retryBaseMs: {
      doc: 'Wait before the first retry; each further retry waits twice as long (capped at 30 s).',
      format: 'positiveInt', default: 500, env: 'webhooks_retryBaseMs',
    },
    timeoutMs: {
      doc: 'How long one POST may take before it counts as failed.',
      format: 'positiveInt', default: 5000, env: 'webhooks_timeoutMs',
    },
    concurrency: {
      doc: 'POSTs in flight at once (all URLs together).',
      format: 'positiveInt', default: 4, env: 'webhooks_concurrency',
    },
  },
  // --- end of admin API and webhooks ---
  calls: {
    ringTimeoutSec: {
      doc: 'Seconds a proposed call may ring without session-proceed or session-decline before the server ends it (caller: session-info unreachable, condition timeout; callee: session-retract timeout). 0: never.',
      format: 'nat', default: 60, env: 'calls_ringTimeoutSec',
    },
  },
  // --- users: session-register and direct calls (src/users/, src/calls/direct-calls.ts) ---
  users: {
    maxDevicesPerUser: {
      doc: 'Connections one uid may have registered (session-register) at once, across the cluster; one more gets iq-error 403009. Bounds the fan-out of one message or propose to a uid.',
      format: 'positiveInt', default: 16, env: 'users_maxDevicesPerUser',
    },
    maxDirectCallsPerConnection: {
      doc: 'Direct calls (session-propose to a uid) one connection may have placed and not yet ended; one more is not relayed and the caller gets session-info unreachable, condition busy.',
      format: 'positiveInt', default: 16, env: 'users_maxDirectCallsPerConnection',
    },
  },
  // --- resume: sessions that outlive their socket (src/connections/sessions.ts) ---
  resume: {
    windowSec: {
      doc: 'Seconds a session whose socket vanished (no close frame) stays suspended, waiting for the client to resume it with its token: its rooms, calls and registration are kept and the others told nothing. Past it the session ends as a disconnect. 0 turns resume off.',
      format: 'nat', default: 20, env: 'resume_windowSec',
    },
    bufferMessages: {
      doc: 'Most server frames kept per session for a replay (frames the client has not confirmed yet). While suspended, one more ends the session at once; while connected, the oldest is dropped (a resume from before it gets resumeFailed gap).',
      format: 'positiveInt', default: 512, env: 'resume_bufferMessages',
    },
    bufferBytes: {
      doc: 'Most bytes of server frames kept per session for a replay; the same rules as resume.bufferMessages.',
      format: 'positiveInt', default: 1048576, env: 'resume_bufferBytes',
    },
    // Resume across nodes (Redis engine: src/cluster/resume-handover.ts).
    handoverTimeoutMs: {
      doc: 'Redis engine: how long a node holds a resuming upgrade open while the node named by the token hands the session over. Past it the client gets a fresh session (resumeFailed "unknown") and the metric jsongle_resume_failed_total{reason="handoverTimeout"} counts it.',
      format: 'positiveInt', default: 2000, env: 'resume_handoverTimeoutMs',
    },
    forwardSec: {
      doc: 'Redis engine: seconds the old node forwards to the new node the frames and call steps still on their way to a session that moved with a resume.',
      format: 'positiveInt', default: 5, env: 'resume_forwardSec',
    },
  },
  // --- end resume ---
};

let formatsAdded = false;
/** Custom formats are registered once per process (convict keeps them globally). */
export function addConfigFormats(): void {
  if (formatsAdded) return;
  formatsAdded = true;
  convict.addFormat({
    name: 'jwtSecret',
    validate(v: unknown) {
      // RFC 7518 §3.2: an HS256 key at least as long as the hash (256 bits); a short one is guessable offline.
      if (typeof v !== 'string' || (v.length > 0 && v.length < 32)) throw new Error('must be empty or at least 32 characters');
    },
  });
  convict.addFormat({
    name: 'webhookUrls',
    validate(v: unknown) {
      if (!Array.isArray(v) || !v.every((u) => typeof u === 'string' && /^https?:\/\/[^\s]+$/.test(u))) {
        throw new Error('must be a JSON array of http:// or https:// URLs');
      }
    },
    // The environment gives one JSON array as a string.
    coerce: (v: unknown) => {
      if (typeof v !== 'string') return v;
      try { return JSON.parse(v) as unknown; } catch { return v; }
    },
  });
  convict.addFormat({
    name: 'iceUris',
    validate(v: unknown) {
      if (!Array.isArray(v) || !v.every((u) => typeof u === 'string' && /^(turns?|stuns?):[^\s,]+$/.test(u))) {
        throw new Error('must be a list of turn:, turns:, stun: or stuns: URIs');
      }
    },
    // The environment gives one comma separated string.
    coerce: (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  });
  convict.addFormat({
    name: 'positiveInt',
    validate(v: unknown) {
      if (!Number.isInteger(v) || (v as number) < 1) throw new Error('must be a whole number >= 1');
    },
    coerce: (v: unknown) => (typeof v === 'string' ? Number(v) : v),
  });
  convict.addFormat({
    name: 'nonEmptyString',
    validate(v: unknown) {
      if (typeof v !== 'string' || v.length === 0) throw new Error('must be a non-empty string');
    },
  });
  convict.addFormat({
    name: 'nodeId',
    validate(v: unknown) {
      // Part of Redis key and channel names, and the separator of relayed frames: no spaces or newlines.
      if (typeof v !== 'string' || !/^[A-Za-z0-9._-]{0,64}$/.test(v)) throw new Error('must be up to 64 letters, digits, ".", "_" or "-"');
    },
  });
  convict.addFormat({
    name: 'topicPrefix',
    validate(v: unknown) {
      // One path segment ending in "/": then no MUC topic can equal a room/ or conn/ topic.
      if (typeof v !== 'string' || !/^[A-Za-z0-9_-]+\/$/.test(v)) throw new Error('must be letters, digits, _ or - followed by one "/" (e.g. muc/)');
      if (v === 'room/' || v === 'conn/' || v === 'server/') throw new Error('must differ from the reserved prefixes room/, conn/, server/');
    },
  });
  convict.addFormat({
    name: 'idleTimeout',
    validate(v: unknown) {
      if (!Number.isInteger(v) || ((v as number) !== 0 && ((v as number) < 8 || (v as number) > 960))) {
        throw new Error('must be 0 or a whole number of seconds from 8 to 960');
      }
    },
    coerce: (v: unknown) => (typeof v === 'string' ? Number(v) : v),
  });
  convict.addFormat({
    name: 'logSize',
    validate(v: unknown) {
      if (typeof v !== 'string' || !/^$|^[1-9]\d*[kmg]$/.test(v)) throw new Error('must be empty or look like 100k, 20m or 1g');
    },
  });
  convict.addFormat({
    name: 'logPeriod',
    validate(v: unknown) {
      // The rotation library rotates by time only up to 24h or 60m: longer periods would never rotate.
      if (typeof v !== 'string' || !/^(1d|([1-9]|1\d|2[0-4])h|([1-9]|[1-5]\d|60)m)$/.test(v)) {
        throw new Error('must be 1d, 1h to 24h, or 1m to 60m');
      }
    },
  });
}
