/**
 * POST /admin/drain[?node=<id>]: the drain SIGTERM starts (new upgrades 503, every connection
 * 503001 + close 1001), without exiting: the monitoring port keeps answering, `lifecycle` reads
 * draining then stopped, and the process waits for SIGTERM (or the orchestrator) to exit.
 * In the Redis engine `node` drains another node through its node channel.
 */
import { json, jsonError, type Route } from '../route.js';
import { adminRoute } from './admin-common.js';

export const adminDrainRoute: Route = adminRoute('POST', '/admin/drain', async (admin, req, env) => {
  const node = new URLSearchParams(req.query).get('node') ?? undefined;
  const done = await admin.drain(node === '' ? undefined : node);
  if (done === undefined) return jsonError(404, 'no such node (or it did not answer)', { node });
  env.ctx.logger.warn('drain requested through the admin API', { node: done.node });
  return json(202, done);
});
