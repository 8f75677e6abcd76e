/**
 * isoNow: the date stamp of every server-made and relayed message, rebuilt at most once per ms.
 * Date.now is replaced for a few tests so "the same millisecond" is a fact, not a race.
 */
import { expect } from 'chai';
import { isoNow } from '../../src/protocol/clock.js';

/** Runs fn with Date.now returning `clock.ms`, restoring the real Date.now afterwards. */
function withFixedNow(fn: (clock: { ms: number }) => void): void {
  const real = Date.now;
  const clock = { ms: Date.UTC(2031, 0, 2, 3, 4, 5, 678) };
  Date.now = () => clock.ms;
  try {
    fn(clock);
  } finally {
    Date.now = real;
  }
}

describe('isoNow', () => {
  it('returns a valid ISO-8601 UTC string as new Date().toJSON() writes it', () => {
    const iso = isoNow();
    expect(iso).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(new Date(iso).toJSON()).to.equal(iso);
  });

  it('returns the current time', () => {
    const before = Date.now();
    const stamp = Date.parse(isoNow());
    const after = Date.now();
    expect(stamp).to.be.within(before, after);
  });

  it('returns the same string for every call within one millisecond', () => {
    withFixedNow(() => {
      const first = isoNow();
      expect(first).to.equal('2031-01-02T03:04:05.678Z');
      for (let i = 0; i < 100; i++) expect(isoNow()).to.equal(first);
    });
  });

  it('returns the next millisecond once the clock moves', () => {
    withFixedNow((clock) => {
      expect(isoNow()).to.equal('2031-01-02T03:04:05.678Z');
      clock.ms += 1;
      expect(isoNow()).to.equal('2031-01-02T03:04:05.679Z');
    });
  });

  it('follows the clock backwards too (no stale cache after a clock step)', () => {
    withFixedNow((clock) => {
      isoNow();
      clock.ms -= 60_000;
      expect(isoNow()).to.equal('2031-01-02T03:03:05.678Z');
    });
  });
});
