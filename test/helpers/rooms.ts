/** Room set-ups many tests start from: helloed clients already joined, join events consumed. */
import { helloClient, type TestClient } from './client.js';

/** Two helloed clients in one P2P room; A's `joined` event about B is consumed. */
export async function p2pPair(url: string, rid: string, uids: [string, string] = ['alice', 'bob']): Promise<[TestClient, TestClient]> {
  const a = await helloClient(url, uids[0]);
  const b = await helloClient(url, uids[1]);
  await a.join(rid, 'room');
  await b.join(rid, 'room');
  await a.expectMessage({ jsongle: { action: 'session-event', event: 'joined', description: { rid } } });
  return [a, b];
}

/** N helloed clients in one MUC; every `joined` event is consumed. */
export async function mucGroup(url: string, rid: string, uids: string[]): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  for (const uid of uids) {
    const c = await helloClient(url, uid);
    await c.join(rid, 'muc');
    for (const m of clients) {
      await m.expectMessage({ jsongle: { action: 'session-event', event: 'joined', description: { rid, member: { uid } } } });
    }
    clients.push(c);
  }
  return clients;
}
