/**
 * messages_total and reactions_total keep JSONgle-Server 2.x's meanings, checked over real sockets:
 * a session-text relayed in a MUC, and a session-event with event "reaction" relayed in a MUC. The
 * broader jsongle_relayed_messages_total{kind,action} counts every relay.
 */
import { expect } from 'chai';
import { mucGroup } from '../../helpers/rooms.js';
import { useTestServer } from '../../helpers/suite.js';
import { rid } from '../../helpers/ids.js';
import { request } from '../../helpers/http.js';

describe('Monitoring metrics: MUC messages and reactions (original meanings)', () => {
  const srv = useTestServer();
  const stats = async (): Promise<Record<string, number>> => (await request(srv().restPort, '/stats')).json as Record<string, number>;

  it('counts a MUC session-text in messages_total and a MUC reaction event in reactions_total', async () => {
    const start = await stats();
    const r = rid();
    const [a, b] = await mucGroup(srv().url(), r, ['ann', 'ben']);
    a.relay(r, 'session-text', { namespace: 'muc', description: { content: 'hi all' } });
    await b.expectMessage({ jsongle: { action: 'session-text' } });
    a.relay(r, 'session-event', { namespace: 'muc', event: 'reaction', description: { mid: 'm1', reaction: '+1' } });
    await b.expectMessage({ jsongle: { action: 'session-event', event: 'reaction' } });
    // Neither a custom message nor another event is a reaction.
    a.relay(r, 'session-custom', { namespace: 'muc', description: { reaction: '+1' } });
    await b.expectMessage({ jsongle: { action: 'session-custom' } });
    a.relay(r, 'session-event', { namespace: 'muc', event: 'typing', description: {} });
    await b.expectMessage({ jsongle: { action: 'session-event', event: 'typing' } });
    const now = await stats();
    expect(now.messages_total).to.equal(start.messages_total + 1);
    expect(now.reactions_total).to.equal(start.reactions_total + 1);
    const text = (await request(srv().restPort, '/metrics')).text;
    expect(text).to.match(/^jsongle_relayed_messages_total\{kind="muc",action="session-text"\} 1$/m);
    expect(text).to.match(/^jsongle_relayed_messages_total\{kind="muc",action="session-event"\} 2$/m);
    expect(text).to.match(/^jsongle_relayed_messages_total\{kind="muc",action="session-custom"\} 1$/m);
  });
});
