/**
 * One leak-test cycle for a pair of connections: connect → hello → join → relay → leave or
 * disconnect, in eight variants that mix P2P and MUC rooms, clean and abrupt closes, a call in
 * progress, and connections that vanish before joining. Every step waits for the message the
 * protocol promises, so a cycle that completes has really been through the server.
 */
import { LeanClient } from './lean-client.js';

export const VARIANTS = 8;

export interface CycleTopics {
  /** Connection ids: conn/<id> topics. */
  connIds: string[];
  /** Room topics (room/<rid> or muc/<rid>). */
  roomTopics: string[];
}

const isLeft = (rid: string) => (m: { jsongle: { action: string; event?: unknown; description?: { rid?: unknown } } }) =>
  m.jsongle.action === 'session-event' && m.jsongle.event === 'left' && m.jsongle.description?.rid === rid;

/**
 * Runs pair number `n` (variant n % VARIANTS): two connections, so two cycles. Topics used are
 * pushed to `topics` so the caller can check that none keeps a subscriber.
 */
export async function runPair(port: number, n: number, topics: CycleTopics, mucPrefix = 'muc/'): Promise<void> {
  const variant = n % VARIANTS;
  const muc = variant === 3 || variant === 4;
  const rid = `leak-${n}`;
  const a = await LeanClient.open(port);
  const b = await LeanClient.open(port);
  topics.connIds.push(a.connectionId, b.connectionId);
  await Promise.all([a.hello(`a${n}`), b.hello(`b${n}`)]);

  if (variant === 6) {
    // A vanishes right after hello; B joins alone, is told nobody is reachable, then vanishes.
    await a.destroy();
    topics.roomTopics.push(`room/${rid}`);
    await expectResult(await b.request('session-join', { rid }, 'j'));
    b.send({ to: rid, jsongle: { action: 'session-propose', sid: `s${n}`, description: {} } });
    await b.expect((m) => m.jsongle.action === 'session-info' && m.jsongle.reason === 'unreachable');
    await b.destroy();
    return;
  }

  const query = muc ? 'muc-join' : 'session-join';
  topics.roomTopics.push((muc ? mucPrefix : 'room/') + rid);
  await expectResult(await a.request(query, { rid }, 'ja'));
  await expectResult(await b.request(query, { rid }, 'jb'));
  await a.expect((m) => m.jsongle.action === 'session-event' && m.jsongle.event === 'joined');

  // Relay: a chat message A → B (B gets the relay, A the server's receipt).
  a.send({ id: `m${n}`, to: rid, jsongle: { action: 'session-text', namespace: 'chat', description: { text: `hello ${n}` } } });
  await b.expect((m) => m.jsongle.action === 'session-text' && m.id === `m${n}`);
  await a.expect((m) => m.jsongle.action === 'session-event' && m.jsongle.event === 'ack');

  switch (variant) {
    case 0: // P2P, A leaves with session-leave, then both close politely.
    case 3: // MUC, the same with muc-leave.
      await expectResult(await a.request(muc ? 'muc-leave' : 'session-leave', { rid }, 'l'));
      await b.expect(isLeft(rid));
      await Promise.all([a.close(), b.close()]);
      return;
    case 1: // P2P, A closes politely; B sees `left`, closes politely.
      await a.close();
      await b.expect(isLeft(rid));
      await b.close();
      return;
    case 2: // P2P, A vanishes; B sees `left`, vanishes too.
    case 4: // MUC, the same.
      await a.destroy();
      await b.expect(isLeft(rid));
      await b.destroy();
      return;
    case 5: // P2P call made active (a call actor, p2p_count up), then A (the callee) vanishes mid-call.
      b.send({ to: rid, jsongle: { action: 'session-propose', sid: `s${n}`, description: {} } });
      await a.expect((m) => m.jsongle.action === 'session-propose');
      a.send({ to: rid, jsongle: { action: 'session-accept', sid: `s${n}`, description: {} } });
      await b.expect((m) => m.jsongle.action === 'session-accept');
      await a.destroy();
      await b.expect(isLeft(rid));
      // The call actor ends the call for the caller: session-info unreachable, condition gone.
      await b.expect((m) => m.jsongle.action === 'session-info' && m.jsongle.reason === 'unreachable');
      await b.close();
      return;
    default: // 7: both vanish at once while still in the room.
      await Promise.all([a.destroy(), b.destroy()]);
  }
}

function expectResult(reply: { jsongle: { action: string } }): void {
  if (reply.jsongle.action !== 'iq-result') throw new Error(`expected iq-result, got ${JSON.stringify(reply)}`);
}
