/** The /admin/ routes (spec §7): absent (404) while adminToken is empty, Bearer-protected otherwise. */
import type { Route } from '../route.js';
import { adminCallsRoute } from './admin-calls.js';
import { adminConnectionRoute, adminConnectionsRoute, adminKickRoute } from './admin-connections.js';
import { adminDrainRoute } from './admin-drain.js';
import { adminCloseRoomRoute, adminRoomRoute, adminRoomsRoute } from './admin-rooms.js';

export const ADMIN_ROUTES: readonly Route[] = [
  adminConnectionsRoute, adminConnectionRoute, adminKickRoute,
  adminRoomsRoute, adminRoomRoute, adminCloseRoomRoute,
  adminCallsRoute, adminDrainRoute,
];
