/**
 * Redis is the single authority over membership: joins racing from three processes for the last
 * seats are decided one at a time, exactly as one process decides them.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../src/protocol/codes.js';
import { helloClient, type Msg, type TestClient } from '../helpers/client.js';
import { useNodeProcesses } from './helpers.js';

/** Every client sends its join at once; the answers, in client order. */
async function race(clients: TestClient[], query: 'session-join' | 'muc-join', rid: string): Promise<Msg[]> {
  return Promise.all(clients.map((c) => c.request(query, { rid })));
}

function tally(answers: Msg[]): { winners: number; full: number; other: string[] } {
  let winners = 0;
  let full = 0;
  const other: string[] = [];
  for (const a of answers) {
    if (a.jsongle.action === 'iq-result') winners++;
    else if (a.jsongle.description?.errorCode === ErrorCode.RoomFull) full++;
    else other.push(JSON.stringify(a.jsongle));
  }
  return { winners, full, other };
}

describe('joins racing across nodes', function () {
  this.timeout(30_000);
  const cluster = useNodeProcesses(['race-a', 'race-b', 'race-c']);

  const spread = (count: number): Promise<TestClient[]> =>
    Promise.all(Array.from({ length: count }, (_, i) => helloClient(cluster.nodes[i % cluster.nodes.length].url, `u${i}`)));

  it('gives a two-seat P2P room to exactly two of ten clients on three nodes; the eight others get 403001', async () => {
    const clients = await spread(10);
    for (let round = 0; round < 5; round++) {
      const rid = `race-${randomUUID()}`;
      const result = tally(await race(clients, 'session-join', rid));
      expect(result, `round ${round}`).to.deep.equal({ winners: 2, full: 8, other: [] });
      expect(await cluster.redis.cli().hlen(`jsongle:r:${rid}:m`)).to.equal(2);
    }
  });

  it('tells each winner about the other winner only', async () => {
    const clients = await spread(10);
    const rid = `race-${randomUUID()}`;
    const answers = await race(clients, 'session-join', rid);
    const winners = clients.filter((_, i) => answers[i].jsongle.action === 'iq-result');
    expect(winners).to.have.length(2);
    // The first winner hears `joined` for the second; the second got the first in its member list.
    const [first, second] = answers[clients.indexOf(winners[0])].jsongle.description.members.length === 0 ? winners : [winners[1], winners[0]];
    expect(answers[clients.indexOf(second)].jsongle.description.members).to.deep.equal([{ uid: first.uid }]);
    await first.expectMessage({ jsongle: { event: 'joined', description: { member: { uid: second.uid } } } });
    await Promise.all(clients.filter((c) => !winners.includes(c)).map((c) => c.expectNoMessageWithin(100)));
  });

  it('fills a MUC to exactly its capacity (10) when fifteen clients on three nodes race for it', async () => {
    const clients = await spread(15);
    const rid = `race-${randomUUID()}`;
    expect(tally(await race(clients, 'muc-join', rid))).to.deep.equal({ winners: 10, full: 5, other: [] });
  });
});
