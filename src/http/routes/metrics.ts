/** GET /metrics: Prometheus text exposition of this server's registry. */
import type { Route } from '../route.js';

export const metricsRoute: Route = {
  method: 'GET',
  path: '/metrics',
  // registry.metrics() is async (collectors may await): the router corks the late answer.
  handler: async (_req, { metrics }) => ({
    status: 200,
    body: await metrics.registry.metrics(),
    contentType: metrics.contentType,
  }),
};
