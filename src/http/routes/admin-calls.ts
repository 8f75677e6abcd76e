/** GET /admin/calls?limit=&cursor=: the calls accepted and not ended (a page, ordered by sid). */
import { json, type Route } from '../route.js';
import { adminOf, isReply, pageQuery } from './admin-common.js';

export const adminCallsRoute: Route = {
  method: 'GET',
  path: '/admin/calls',
  admin: true,
  hiddenWithoutToken: true,
  async handler(req, env) {
    const admin = adminOf(req, env);
    if (isReply(admin)) return admin;
    const q = pageQuery(req);
    if (isReply(q)) return q;
    return json(200, await admin.calls(q.page));
  },
};
