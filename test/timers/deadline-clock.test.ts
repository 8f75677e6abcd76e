/** DeadlineClock: one shared tick for many deadlines of one length (hello, ring, resume window), O(expired) per tick. */
import { expect } from 'chai';
import { DeadlineClock } from '../../src/timers/deadline-clock.js';

describe('DeadlineClock', () => {
  it('expires deadlines in the order they were added, and only those that passed', () => {
    const expired: string[] = [];
    const clock = new DeadlineClock(100, (id) => expired.push(id));
    clock.add('a', 0);
    clock.add('b', 10);
    clock.add('c', 20);
    clock.tick(109);
    expect(expired).to.deep.equal(['a']);
    clock.tick(120);
    expect(expired).to.deep.equal(['a', 'b', 'c']);
    expect(clock.pending).to.equal(0);
  });

  it('never expires a removed deadline', () => {
    const expired: string[] = [];
    const clock = new DeadlineClock(100, (id) => expired.push(id));
    clock.add('a', 0);
    clock.add('b', 0);
    clock.remove('a');
    clock.tick(1000);
    expect(expired).to.deep.equal(['b']);
  });

  it('ticks at a quarter of the timeout, between 25 ms and 1 s', () => {
    expect(new DeadlineClock(10_000, () => {}).tickMs).to.equal(1000);
    expect(new DeadlineClock(400, () => {}).tickMs).to.equal(100);
    expect(new DeadlineClock(40, () => {}).tickMs).to.equal(25);
  });

  it('fires on its own timer once started, and forgets everything when stopped', async () => {
    const expired: string[] = [];
    const clock = new DeadlineClock(40, (id) => expired.push(id));
    clock.start();
    clock.add('a');
    const deadline = Date.now() + 2000;
    while (expired.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(expired).to.deep.equal(['a']);
    clock.add('b');
    clock.stop();
    expect(clock.pending).to.equal(0);
  });

  it('moves a re-added key to the end, so the time order holds', () => {
    const expired: string[] = [];
    const clock = new DeadlineClock(100, (id) => expired.push(id));
    clock.add('a', 0);
    clock.add('b', 10);
    clock.add('a', 20);
    clock.tick(115);
    expect(expired).to.deep.equal(['b']);
    clock.tick(125);
    expect(expired).to.deep.equal(['b', 'a']);
  });

  it('runs onTick on every tick, after the expiries, at the given period', () => {
    const seen: string[] = [];
    const clock = new DeadlineClock(100, (id) => seen.push(`expired ${id}`), { tickMs: 250, onTick: (now) => seen.push(`tick ${now}`) });
    expect(clock.tickMs).to.equal(250);
    clock.add('a', 0);
    clock.tick(50);
    clock.tick(100);
    expect(seen).to.deep.equal(['tick 50', 'expired a', 'tick 100']);
  });
});
