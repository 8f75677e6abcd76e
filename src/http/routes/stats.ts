/** GET /stats: the business metrics as one JSON object (name → number), the original's format. */
import { businessStats } from '../../observability/metrics.js';
import { json, type Route } from '../route.js';

export const statsRoute: Route = {
  method: 'GET',
  path: '/stats',
  handler: (_req, { ctx }) => json(200, businessStats(ctx)),
};
