/**
 * Stats.countRelay, the one call the relay makes per relayed message: messages_total and
 * reactions_total keep the original JSONgle-Server's meanings (session-text, and session-event
 * with event "reaction", in multi-user rooms), and every relay is in jsongle_relayed_messages_total.
 */
import { expect } from 'chai';
import { businessStats, createMetrics } from '../../src/observability/metrics.js';
import { Stats } from '../../src/observability/stats.js';
import { fakeContext } from './fake-context.js';

describe('Stats.countRelay', () => {
  it('counts a MUC session-text in messages_total and a MUC reaction event in reactions_total', () => {
    const s = new Stats();
    s.countRelay({ action: 'session-text' }, 'muc');
    s.countRelay({ action: 'session-event', event: 'reaction' }, 'muc');
    s.countRelay({ action: 'session-event', event: 'reaction' }, 'muc');
    expect(s.mucTextMessages).to.equal(1);
    expect(s.mucReactions).to.equal(2);
  });

  it('leaves messages_total and reactions_total alone for P2P rooms, session-custom and other events', () => {
    const s = new Stats();
    s.countRelay({ action: 'session-text' }, 'room');
    s.countRelay({ action: 'session-event', event: 'reaction' }, 'room');
    s.countRelay({ action: 'session-custom' }, 'muc');
    s.countRelay({ action: 'session-event', event: 'typing' }, 'muc');
    s.countRelay({ action: 'session-event' }, 'muc');
    s.countRelay({ action: 'transport-info' }, 'muc');
    expect(s.mucTextMessages).to.equal(0);
    expect(s.mucReactions).to.equal(0);
  });

  it('exposes every relay by kind and action, and the original names with their original meaning', async () => {
    const ctx = fakeContext();
    const m = createMetrics(ctx);
    ctx.stats.countRelay({ action: 'session-text' }, 'room');
    ctx.stats.countRelay({ action: 'session-text' }, 'muc');
    ctx.stats.countRelay({ action: 'session-text' }, 'muc');
    ctx.stats.countRelay({ action: 'session-event', event: 'reaction' }, 'muc');
    const text = await m.registry.metrics();
    expect(text).to.match(/^jsongle_relayed_messages_total\{kind="p2p",action="session-text"\} 1$/m);
    expect(text).to.match(/^jsongle_relayed_messages_total\{kind="muc",action="session-text"\} 2$/m);
    expect(text).to.match(/^jsongle_relayed_messages_total\{kind="muc",action="session-event"\} 1$/m);
    expect(text).to.match(/^messages_total 2$/m);
    expect(text).to.match(/^reactions_total 1$/m);
    expect(businessStats(ctx)).to.include({ messages_total: 2, reactions_total: 1 });
  });
});

describe('Stats.countConnectionClosed', () => {
  it('adds minutes to duration_total, as the original did', () => {
    const ctx = fakeContext();
    ctx.stats.countConnectionClosed(90_000);
    ctx.stats.countConnectionClosed(30_000);
    expect(businessStats(ctx).duration_total).to.equal(2);
  });

  it('ignores a negative duration (a clock stepped back)', () => {
    const s = new Stats();
    s.countConnectionClosed(-5_000);
    expect(s.connectionMinutes).to.equal(0);
  });
});
