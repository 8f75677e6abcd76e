/** GET /about: who is running, with which ports and TLS, for operators and status pages. */
import { json, type Route } from '../route.js';

export const aboutRoute: Route = {
  method: 'GET',
  path: '/about',
  handler: (_req, { ctx }) =>
    json(200, {
      name: 'jsongle-server',
      version: ctx.version,
      // The session-hello's info too (config info, package.json's description by default).
      description: ctx.description,
      started: ctx.started,
      configuration: { wsPort: ctx.wsPort(), restPort: ctx.restPort(), useSSL: ctx.tls },
      uwsNative: ctx.uwsNative,
      node: process.version,
      lifecycle: ctx.lifecycle(),
    }),
};
