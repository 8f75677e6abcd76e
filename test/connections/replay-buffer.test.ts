/** The frames a session keeps until confirmed: numbering, trimming, bounds, and what a resume can replay. */
import { expect } from 'chai';
import { ReplayBuffer } from '../../src/connections/replay-buffer.js';

function filled(n: number, maxFrames = 100, maxBytes = 10_000): ReplayBuffer {
  const b = new ReplayBuffer(maxFrames, maxBytes);
  for (let i = 1; i <= n; i++) expect(b.push(i, `f${i}`)).to.equal(true);
  return b;
}

const replayed = (b: ReplayBuffer, lastSeen: number) => {
  const out: string[] = [];
  b.replayAfter(lastSeen, (t) => out.push(t));
  return out;
};

describe('ReplayBuffer', () => {
  it('replays the frames after lastSeen, in order', () => {
    const b = filled(5);
    expect(replayed(b, 2)).to.deep.equal(['f3', 'f4', 'f5']);
    expect(replayed(b, 5)).to.deep.equal([]);
    expect(b.covers(0, 5)).to.equal(true);
    expect(b.covers(5, 5)).to.equal(true);
  });

  it('forgets confirmed frames and empties itself (an idle session keeps nothing)', () => {
    const b = filled(5);
    b.trimTo(3);
    expect([b.size, b.first, b.bytes]).to.deep.equal([2, 4, 4]);
    expect(b.covers(3, 5)).to.equal(true);
    expect(b.covers(2, 5), 'frame 3 is gone').to.equal(false);
    b.trimTo(5);
    expect([b.size, b.first, b.bytes]).to.deep.equal([0, 6, 0]);
    expect(b.covers(5, 5)).to.equal(true);
    expect(b.covers(4, 5)).to.equal(false);
  });

  it('refuses what would go over a bound, by count or by bytes', () => {
    const byCount = filled(3, 3);
    expect(byCount.push(4, 'f4')).to.equal(false);
    const byBytes = new ReplayBuffer(100, 5);
    expect(byBytes.push(1, 'abc')).to.equal(true);
    expect(byBytes.push(2, 'abc')).to.equal(false);
    byBytes.dropOldest();
    expect(byBytes.push(2, 'abc')).to.equal(true);
    expect(byBytes.first).to.equal(2);
    expect(byBytes.covers(0, 2)).to.equal(false);
  });

  it('rejects a lastSeen that is negative, beyond what was sent, or not a whole number', () => {
    const b = filled(3);
    for (const bad of [-1, 4, 1.5, Number.NaN]) expect(b.covers(bad, 3), String(bad)).to.equal(false);
  });

  it('stays correct across many compactions', () => {
    const b = new ReplayBuffer(5000, 1e9);
    let n = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 3000; i++) b.push(++n, `f${n}`);
      b.trimTo(n - 10);
    }
    expect(b.size).to.equal(10);
    expect(replayed(b, n - 3)).to.deep.equal([`f${n - 2}`, `f${n - 1}`, `f${n}`]);
  });
});
