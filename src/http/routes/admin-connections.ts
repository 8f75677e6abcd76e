/**
 * GET /admin/connections?uid=&rid=&limit=&cursor= (a page), GET /admin/connections/<id> (one),
 * DELETE /admin/connections/<id> (kick: session-error 403007, close 4403, the rooms hear `left`).
 */
import { json, jsonError, type Route } from '../route.js';
import { adminOf, isReply, pageQuery, withMissing } from './admin-common.js';

export const adminConnectionsRoute: Route = {
  method: 'GET',
  path: '/admin/connections',
  admin: true,
  hiddenWithoutToken: true,
  async handler(req, env) {
    const admin = adminOf(req, env);
    if (isReply(admin)) return admin;
    const q = pageQuery(req);
    if (isReply(q)) return q;
    const uid = q.params.get('uid');
    const rid = q.params.get('rid');
    const page = await admin.connections({
      ...q.page, ...(uid !== null && uid !== '' ? { uid } : {}), ...(rid !== null && rid !== '' ? { rid } : {}),
    });
    return json(200, page);
  },
};

export const adminConnectionRoute: Route = {
  method: 'GET',
  path: '/admin/connections/:id',
  admin: true,
  hiddenWithoutToken: true,
  async handler(req, env) {
    const admin = adminOf(req, env);
    if (isReply(admin)) return admin;
    const id = req.params?.id ?? '';
    const { found, missing } = await admin.connection(id);
    return found ? json(200, found) : jsonError(404, 'no such connection', withMissing({ id }, missing));
  },
};

export const adminKickRoute: Route = {
  method: 'DELETE',
  path: '/admin/connections/:id',
  admin: true,
  hiddenWithoutToken: true,
  async handler(req, env) {
    const admin = adminOf(req, env);
    if (isReply(admin)) return admin;
    const id = req.params?.id ?? '';
    const { kicked, missing } = await admin.kick(id);
    if (kicked) env.ctx.logger.info('connection kicked by the operator', { connectionId: id });
    return kicked ? json(200, { id, kicked: true }) : jsonError(404, 'no such connection', withMissing({ id }, missing));
  },
};
