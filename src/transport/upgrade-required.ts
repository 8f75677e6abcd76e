/**
 * The WebSocket port's answer to plain HTTP: `426 Upgrade Required` with a JSON body, instead of
 * a socket closed without a word (uWS's default when no HTTP route matches). A developer who opens
 * wsPort in a browser or with curl learns what the port is for.
 *
 * Registered as the catch-all `app.any('/*')`: uWS tries more specific patterns first, so a later
 * `app.any('/socket.io/*')` on the same app still takes its own requests, and the `app.ws('/*')`
 * route keeps every real upgrade (it yields non-upgrade GETs to the next route, which is this one).
 */
import type { TemplatedApp } from 'uWebSockets.js';
import type { Stats } from '../observability/stats.js';

const BODY = JSON.stringify({
  error: 'this port only accepts WebSocket connections (Upgrade: websocket)',
  status: 426,
});

export function attachUpgradeRequired(app: TemplatedApp, stats: Stats): void {
  app.any('/*', (res, req) => {
    stats.notWebSocketRequests++;
    const head = req.getMethod() === 'head';
    res.cork(() => {
      res.writeStatus('426 Upgrade Required')
        .writeHeader('Upgrade', 'websocket')
        .writeHeader('Content-Type', 'application/json')
        .writeHeader('Cache-Control', 'no-store');
      // closeConnection: a client that is not speaking WebSocket gets nothing more from this port,
      // and cannot keep the socket open with keep-alive requests. HEAD gets an empty body: uWS
      // 20.30's endWithoutBody(length, true) neither ends the response nor closes (measured).
      res.end(head ? '' : BODY, true);
    });
  });
}
