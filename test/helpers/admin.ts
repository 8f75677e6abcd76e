/** Requests to the /admin/ routes of a test server, and a full call between two clients. */
import { request, type HttpAnswer } from './http.js';
import type { TestClient } from './client.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

export function admin(restPort: number, method: string, path: string, token: string | null = ADMIN_TOKEN): Promise<HttpAnswer> {
  return request(restPort, path, { method, headers: token === null ? {} : { Authorization: `Bearer ${token}` } });
}

const ids = (sid: string) => ({ sid, initiator: 'caller-uid', responder: 'callee-uid' });

/** Sends `action` from `from` in `room` and waits until `to` got it. */
export async function callStep(from: TestClient, to: TestClient, room: string, sid: string, action: string, reason?: string): Promise<void> {
  from.relay(room, action, { ...ids(sid), ...(reason === undefined ? {} : { reason }), description: {} });
  await to.expectMessage({ jsongle: reason === undefined ? { action, sid } : { action, sid, reason } });
}

/** Caller `a` proposes to callee `b` in their P2P room; the call is active when this returns. */
export async function answeredCall(a: TestClient, b: TestClient, room: string, sid: string): Promise<void> {
  a.relay(room, 'session-propose', { ...ids(sid), description: { media: 'audio' } });
  await a.expectMessage({ jsongle: { action: 'session-info', reason: 'trying', sid } });
  await b.expectMessage({ jsongle: { action: 'session-propose', sid } });
  await callStep(b, a, room, sid, 'session-proceed');
  await callStep(a, b, room, sid, 'session-initiate');
  await callStep(b, a, room, sid, 'session-accept');
}
