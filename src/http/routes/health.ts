/** GET /ping and GET /health: liveness for load balancers, as the original answered them. */
import { json, type Route } from '../route.js';

const ok = () => json(200, { status: 'OK' });

export const pingRoute: Route = { method: 'GET', path: '/ping', handler: ok };
export const healthRoute: Route = { method: 'GET', path: '/health', handler: ok };
