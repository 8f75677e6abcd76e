/**
 * GET /admin/rooms?limit=&cursor= (a page), GET /admin/rooms/<rid> (members and call state),
 * DELETE /admin/rooms/<rid> (close: every member leaves it and hears `left`).
 */
import { json, jsonError, type Route } from '../route.js';
import { adminPageRoute, adminRoute, withMissing } from './admin-common.js';

export const adminRoomsRoute: Route = adminPageRoute('/admin/rooms', async (admin, q) => json(200, await admin.rooms(q.page)));

export const adminRoomRoute: Route = adminRoute('GET', '/admin/rooms/:rid', async (admin, req) => {
  const rid = req.params?.rid ?? '';
  const { found, missing } = await admin.room(rid);
  return found ? json(200, withMissing(found, missing)) : jsonError(404, 'no such room', withMissing({ rid }, missing));
});

export const adminCloseRoomRoute: Route = adminRoute('DELETE', '/admin/rooms/:rid', async (admin, req, env) => {
  const rid = req.params?.rid ?? '';
  const { removed, missing } = await admin.closeRoom(rid);
  if (removed === null) return jsonError(404, 'no such room', withMissing({ rid }, missing));
  env.ctx.logger.info('room closed by the operator', { rid, removed });
  return json(200, withMissing({ rid, closed: true, removed }, missing));
});
