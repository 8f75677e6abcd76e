/**
 * A MonitoringContext made by hand, so the router and routes can be tested on a bare uWS app
 * before (and independently of) the real server. Every value is a plain field the test may set.
 */
import uWS, { type TemplatedApp, type us_listen_socket } from 'uWebSockets.js';
import { loadConfig } from '../../src/config/load.js';
import type { ConfigOverrides, LogLevel } from '../../src/config/types.js';
import type { MonitoringContext } from '../../src/http/context.js';
import type { Logger } from '../../src/observability/logger.js';
import { Stats } from '../../src/observability/stats.js';

/** A Logger that records what was logged instead of writing it. */
export class RecordingLogger implements Logger {
  current: LogLevel = 'info';
  readonly lines: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
  error(message: string, meta?: Record<string, unknown>): void { this.lines.push({ level: 'error', message, meta }); }
  warn(message: string, meta?: Record<string, unknown>): void { this.lines.push({ level: 'warn', message, meta }); }
  info(message: string, meta?: Record<string, unknown>): void { this.lines.push({ level: 'info', message, meta }); }
  debug(message: string, meta?: Record<string, unknown>): void { this.lines.push({ level: 'debug', message, meta }); }
  isDebugEnabled(): boolean { return this.current === 'debug' || this.current === 'silly'; }
  level(): LogLevel { return this.current; }
  setLevel(level: LogLevel): LogLevel { const was = this.current; this.current = level; return was; }
  child(): Logger { return this; }
  close(): Promise<void> { return Promise.resolve(); }
}

export interface FakeContext extends MonitoringContext {
  readonly logger: RecordingLogger;
  connections: number;
  rooms: { p2p: number; muc: number };
  state: string;
  port: number;
}

export function fakeContext(overrides: ConfigOverrides = {}): FakeContext {
  const config = loadConfig({ env: {}, argv: [], overrides: { wsPort: 0, restPort: 0, ...overrides } });
  const ctx = {
    config,
    stats: new Stats(),
    logger: new RecordingLogger(),
    version: '3.0.0-test',
    description: 'fake context',
    started: new Date('2026-01-02T03:04:05.000Z').toJSON(),
    tls: false,
    uwsNative: true,
    connections: 0,
    rooms: { p2p: 0, muc: 0 },
    state: 'accepting',
    port: 1,
    wsPort() { return ctx.port; },
    restPort() { return 2; },
    connectionCount() { return ctx.connections; },
    roomCounts() { return { ...ctx.rooms }; },
    lifecycle() { return ctx.state; },
    cluster() { return null; },
  };
  return ctx;
}

/** A bare uWS app on an ephemeral loopback port; `close()` stops listening. */
export async function listenApp(mount: (app: TemplatedApp) => void): Promise<{ port: number; close(): void }> {
  const app = uWS.App();
  mount(app);
  const socket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('listen failed'))));
  });
  return { port: uWS.us_socket_local_port(socket), close: () => uWS.us_listen_socket_close(socket) };
}
