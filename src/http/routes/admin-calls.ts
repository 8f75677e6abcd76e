/** GET /admin/calls?limit=&cursor=: the calls accepted and not ended (a page, ordered by sid). */
import { json, type Route } from '../route.js';
import { adminPageRoute } from './admin-common.js';

export const adminCallsRoute: Route = adminPageRoute('/admin/calls', async (admin, q) => json(200, await admin.calls(q.page)));
