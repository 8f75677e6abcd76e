/**
 * Listening on a port shared by the workers of one host. uWS without LIBUS_LISTEN_EXCLUSIVE_PORT
 * sets SO_REUSEPORT, and the kernel spreads new connections over every process listening on the
 * port: that is how `--workers N` processes serve one wsPort. (A single-process server keeps the
 * exclusive listen of transport/uws.ts: there a second server on the port must fail, not share.)
 */
import type uWS from 'uWebSockets.js';
import { StartupError } from '../transport/uws.js';

export function listenShared(app: uWS.TemplatedApp, host: string, port: number): Promise<uWS.us_listen_socket> {
  return new Promise((resolve, reject) => {
    (app as unknown as { listen(h: string, p: number, o: number, cb: (s: uWS.us_listen_socket | false) => void): void })
      .listen(host, port, 0, (socket) => {
        if (socket) resolve(socket);
        else reject(new StartupError(`cannot listen on ${host}:${port} (not permitted, or held exclusively by another process)`));
      });
  });
}
