/** GET /about: who is running, with which ports and TLS, for operators and status pages. */
import type { MonitoringContext } from '../context.js';
import { json, type Route } from '../route.js';



export const aboutRoute: Route = {
  method: 'GET',
  path: '/about',
  handler: (_req, { ctx }) =>
    json(200, {
      name: 'jsongle-server',
      version: ctx.version,
      description: ctx.description,
      started: ctx.started,
      configuration: { wsPort: ctx.wsPort(), restPort: ctx.restPort(), useSSL: ctx.tls },
      uwsNative: ctx.uwsNative,
      node: process.version,
      lifecycle: ctx.lifecycle(),
    }),
};
