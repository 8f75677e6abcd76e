/**
 * GET /admin/connections?uid=&rid=&limit=&cursor= (a page), GET /admin/connections/<id> (one),
 * DELETE /admin/connections/<id> (kick: session-error 403007, close 4403, the rooms hear `left`).
 */
import { json, jsonError, type Route } from '../route.js';
import { adminPageRoute, adminRoute, withMissing } from './admin-common.js';

export const adminConnectionsRoute: Route = adminPageRoute('/admin/connections', async (admin, q) => {
  const uid = q.params.get('uid');
  const rid = q.params.get('rid');
  return json(200, await admin.connections({
    ...q.page, ...(uid !== null && uid !== '' ? { uid } : {}), ...(rid !== null && rid !== '' ? { rid } : {}),
  }));
});

export const adminConnectionRoute: Route = adminRoute('GET', '/admin/connections/:id', async (admin, req) => {
  const id = req.params?.id ?? '';
  const { found, missing } = await admin.connection(id);
  return found ? json(200, found) : jsonError(404, 'no such connection', withMissing({ id }, missing));
});

export const adminKickRoute: Route = adminRoute('DELETE', '/admin/connections/:id', async (admin, req, env) => {
  const id = req.params?.id ?? '';
  const { kicked, missing } = await admin.kick(id);
  if (kicked) env.ctx.logger.info('connection kicked by the operator', { connectionId: id });
  return kicked ? json(200, { id, kicked: true }) : jsonError(404, 'no such connection', withMissing({ id }, missing));
});
