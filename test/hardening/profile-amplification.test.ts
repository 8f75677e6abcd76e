/**
 * Issue 16.1 regression: what a client says about itself (uid, dn) and its room (rid) is re-sent to
 * every member in each joined/left event and in the `from` of every MUC relay. Before the identifier
 * limits a 60 000-character dn turned each small join/leave into ~60 KB per member (measured 2 940x).
 * These tests measure, over real sockets, bytes received by the victims / bytes sent by the attacker,
 * with the attacker at the limits and in its cheapest frames, and check the ratio stays
 * <= members × PER_VICTIM_BOUND.
 */
import { expect } from 'chai';
import WebSocket from 'ws';
import { useTestServer } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';

/** A bare client that counts the bytes of every frame it gets, and the room events among them. */
class CountingClient {
  bytes = 0;
  events = 0;
  relays = 0;
  private readonly queue: Array<Record<string, any>> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      this.bytes += Buffer.byteLength(text);
      const m = JSON.parse(text);
      const j = m.jsongle;
      if (j.action === 'session-event' && (j.event === 'joined' || j.event === 'left')) this.events++;
      else if (j.action === 'session-text') this.relays++;
      this.queue.push(m);
    });
  }

  /** Listens before the socket opens: the server sends its session-hello at once. */
  static async open(url: string): Promise<CountingClient> {
    const ws = new WebSocket(url);
    const c = new CountingClient(ws);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return c;
  }

  /** Bytes this client sent, counted like the received ones (the frame's text). */
  sent = 0;
  send(obj: unknown): void {
    const text = JSON.stringify(obj);
    this.sent += Buffer.byteLength(text);
    this.ws.send(text);
  }

  async take(pred: (j: Record<string, any>) => boolean, what: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    await waitFor(() => this.queue.some((m) => pred(m.jsongle)), what);
    const i = this.queue.findIndex((m) => pred(m.jsongle));
    return this.queue.splice(i, 1)[0];
  }

  async hello(uid: string, dn?: string): Promise<string> {
    const req = await this.take((j) => j.query === 'session-hello', 'the session-hello');
    this.send({ jsongle: { action: 'iq-result', query: 'session-hello', transaction: req.jsongle.transaction, description: dn === undefined ? { uid } : { uid, dn } } });
    const ack = await this.take((j) => j.action === 'ack', 'the hello ack');
    return ack.jsongle.status;
  }

  /** The cheapest join/leave an attacker can send: no id, from, to or transaction. */
  async iq(query: 'muc-join' | 'session-leave', rid: string): Promise<void> {
    this.send({ jsongle: { action: 'iq-set', query, description: { rid } } });
    await this.take((j) => j.action === 'iq-result' && j.query === query, `the ${query} result`);
  }

  close(): void {
    this.ws.close();
  }
}

const MEMBERS = 10; // maxMembersPerMultiRoom's default: the attacker and 9 victims
/**
 * Bytes a victim may get per byte the attacker sends. A joined/left event is a ~190-byte envelope
 * plus the profile (at most 3 bytes per UTF-16 unit: 3 × (128 + 256) = 1 152 bytes) plus the rid;
 * the cheapest join/leave is ~75 bytes plus the rid. With a short rid that is about 17 per victim:
 * 20 leaves a margin, and the 60 000-character dn of the issue gave ~770 per victim.
 */
const PER_VICTIM_BOUND = 20;
const CYCLES = 20;
const RELAYS = 40;

describe('Regression: profile amplification (issue 16.1)', () => {
  const srv = useTestServer();
  const clients: CountingClient[] = [];
  const open = async (): Promise<CountingClient> => {
    const c = await CountingClient.open(srv().url());
    clients.push(c);
    return c;
  };
  afterEach(() => { for (const c of clients.splice(0)) c.close(); });

  async function victimsIn(rid: string): Promise<CountingClient[]> {
    const victims: CountingClient[] = [];
    for (let i = 0; i < MEMBERS - 1; i++) {
      const v = await open();
      expect(await v.hello(`victim${i}`)).to.equal('success');
      await v.iq('muc-join', rid);
      victims.push(v);
    }
    return victims;
  }

  it('refuses the issue\'s 60 000-character dn and uid', async () => {
    const a = await open();
    expect(await a.hello('attacker', 'd'.repeat(60_000))).to.equal('failed');
    const b = await open();
    expect(await b.hello('u'.repeat(60_000))).to.equal('failed');
  });

  it(`keeps a join/leave storm with max-length profiles under ${PER_VICTIM_BOUND}x per victim`, async () => {
    const rid = 'r1';
    const victims = await victimsIn(rid);
    const attacker = await open();
    // 3-byte characters: the most bytes a profile within the limits can weigh.
    expect(await attacker.hello('€'.repeat(128), '€'.repeat(256))).to.equal('success');
    const before = victims.map((v) => ({ bytes: v.bytes, events: v.events }));
    const sentBefore = attacker.sent;
    for (let i = 0; i < CYCLES; i++) {
      await attacker.iq('muc-join', rid);
      await attacker.iq('session-leave', rid);
    }
    const sent = attacker.sent - sentBefore;
    await waitFor(() => victims.every((v, i) => v.events - before[i].events === 2 * CYCLES), 'every victim to get every joined/left');
    const received = victims.reduce((sum, v, i) => sum + v.bytes - before[i].bytes, 0);
    const ratio = received / sent;
    expect(ratio, `${received} B received by ${victims.length} victims for ${sent} B sent`).to.be.at.most(victims.length * PER_VICTIM_BOUND);
  });

  it(`keeps MUC relays from a max-length uid under ${PER_VICTIM_BOUND}x per victim`, async () => {
    const rid = 'r2';
    const victims = await victimsIn(rid);
    const attacker = await open();
    expect(await attacker.hello('€'.repeat(128), '€'.repeat(256))).to.equal('success');
    await attacker.iq('muc-join', rid);
    await waitFor(() => victims.every((v) => v.events >= 1), 'the victims to see the attacker join');
    const before = victims.map((v) => v.bytes);
    const sentBefore = attacker.sent;
    // The cheapest relay: no id, from or description (the server adds `from` = rid/uid and two dates).
    for (let i = 0; i < RELAYS; i++) attacker.send({ to: rid, jsongle: { action: 'session-text' } });
    const sent = attacker.sent - sentBefore;
    await waitFor(() => victims.every((v) => v.relays === RELAYS), 'every victim to get every relay');
    const received = victims.reduce((sum, v, i) => sum + v.bytes - before[i], 0);
    const ratio = received / sent;
    expect(ratio, `${received} B received by ${victims.length} victims for ${sent} B sent`).to.be.at.most(victims.length * PER_VICTIM_BOUND);
  });
});
