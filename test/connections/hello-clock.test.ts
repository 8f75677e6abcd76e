/** HelloClock: one shared tick for every hello deadline, O(expired) per tick. */
import { expect } from 'chai';
import { HelloClock } from '../../src/connections/hello-clock.js';

describe('HelloClock', () => {
  it('expires deadlines in the order they were added, and only those that passed', () => {
    const expired: string[] = [];
    const clock = new HelloClock(100, (id) => expired.push(id));
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
    const clock = new HelloClock(100, (id) => expired.push(id));
    clock.add('a', 0);
    clock.add('b', 0);
    clock.remove('a');
    clock.tick(1000);
    expect(expired).to.deep.equal(['b']);
  });

  it('ticks at a quarter of the timeout, between 25 ms and 1 s', () => {
    expect(new HelloClock(10_000, () => {}).tickMs).to.equal(1000);
    expect(new HelloClock(400, () => {}).tickMs).to.equal(100);
    expect(new HelloClock(40, () => {}).tickMs).to.equal(25);
  });

  it('fires on its own timer once started, and forgets everything when stopped', async () => {
    const expired: string[] = [];
    const clock = new HelloClock(40, (id) => expired.push(id));
    clock.start();
    clock.add('a');
    const deadline = Date.now() + 2000;
    while (expired.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(expired).to.deep.equal(['a']);
    clock.add('b');
    clock.stop();
    expect(clock.pending).to.equal(0);
  });
});
