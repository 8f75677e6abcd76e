/**
 * Loads uWebSockets.js and refuses to run on its slow JavaScript fallback: the package falls back
 * silently when its native binary does not load, and a signaling server that quietly runs 10×
 * slower is worse than one that does not start.
 */
import { createRequire } from 'node:module';
import { accessSync, constants } from 'node:fs';
import uWS from 'uWebSockets.js';
import type { Config } from '../config/types.js';

const require = createRequire(import.meta.url);

export class StartupError extends Error {
  override name = 'StartupError';
}

export function isNativeUws(): boolean {
  return Object.keys(require.cache).some((path) => /uws_[^/\\]+\.node$/.test(path)) && typeof uWS.SSLApp === 'function';
}

export function assertNativeUws(): void {
  if (!isNativeUws()) {
    throw new StartupError(
      `uWebSockets.js native binary did not load for Node ${process.version} (ABI ${process.versions.modules}, ` +
        `${process.platform}-${process.arch}); refusing to run on the slow JavaScript fallback. ` +
        'Use Node 20 on linux-x64 with "uWebSockets.js": "npm:@trufflesuite/uws-js-unofficial@20.30.0-unofficial.0".',
    );
  }
}

/** A plain or TLS app. Missing or unreadable key/cert files stop start-up: never a silent plain fallback. */
export function createApp(config: Pick<Config, 'key' | 'cert'>): uWS.TemplatedApp {
  if (!config.key && !config.cert) return uWS.App();
  if (!config.key || !config.cert) throw new StartupError('TLS needs both key and cert (only one is set)');
  for (const [name, file] of [['key', config.key], ['cert', config.cert]] as const) {
    try {
      accessSync(file, constants.R_OK);
    } catch {
      throw new StartupError(`TLS ${name} file ${file} is missing or unreadable`);
    }
  }
  return uWS.SSLApp({ key_file_name: config.key, cert_file_name: config.cert });
}

/** uWS.LIBUS_LISTEN_EXCLUSIVE_PORT exists in 20.30.0 but not in its type definitions. A second
 * server on the same port must fail rather than silently take half of the connections. */
const EXCLUSIVE_PORT = ((uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1);

export function listen(app: uWS.TemplatedApp, host: string, port: number): Promise<uWS.us_listen_socket> {
  return new Promise((resolve, reject) => {
    (app as unknown as { listen(h: string, p: number, o: number, cb: (s: uWS.us_listen_socket | false) => void): void })
      .listen(host, port, EXCLUSIVE_PORT, (socket) => {
        if (socket) resolve(socket);
        else reject(new StartupError(`cannot listen on ${host}:${port} (in use or not permitted)`));
      });
  });
}

export function localPort(socket: uWS.us_listen_socket): number {
  return uWS.us_socket_local_port(socket as unknown as uWS.us_socket);
}

export function closeListenSocket(socket: uWS.us_listen_socket): void {
  uWS.us_listen_socket_close(socket);
}

/** File descriptors kept free for listen sockets, log files, monitoring clients, Redis and the inspector. */
export const FD_RESERVE = 200;
/**
 * Share of the open-file limit kept for TCP connections to wsPort that have not upgraded (yet):
 * uWS gives JavaScript no hook on them (20.30 has no App.filter), so they cannot be counted or
 * capped here. uWS closes a silent or slow-headers one after its fixed HTTP idle timeout
 * (HTTP_IDLE_TIMEOUT_S = 10 s on a 4 s timer tick: 8 to 12 s), so this reserve holds what
 * arrives in about 10 s; a flood faster than that needs a higher `ulimit -n` or a proxy in front.
 */
export const UNUPGRADED_FD_SHARE = 0.2;

/** Most WebSocket connections the open-file limit allows (Infinity when it is unknown). */
export function connectionCeiling(fdLimit: number | null): number {
  if (fdLimit === null) return Infinity;
  return Math.max(1, fdLimit - FD_RESERVE - Math.ceil(fdLimit * UNUPGRADED_FD_SHARE));
}

/** The soft limit of open files (Max open files in /proc/self/limits), or null when unknown. */
export function openFileLimit(readLimits: () => string): number | null {
  try {
    const line = readLimits().split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    const n = Number(soft);
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export { uWS };
