/**
 * Fragmented messages (docs/security.md § Fragments): uWS gives JavaScript no per-fragment hook,
 * so what bounds a never-ending fragmented message is uWS's own: the fragments are gathered up to
 * maxPayloadLength and a message that grows past it ends the connection (tooLarge). Empty
 * fragments grow nothing, and any bytes reset uWS's idle timeout: that part is not bounded here.
 */
import { expect } from 'chai';
import { maskedFrame } from '../../bench/loadgen/frames.js';
import { useTestServer } from '../helpers/suite.js';
import { waitFor } from '../helpers/wait.js';
import { LeanClient } from '../leak/lean-client.js';

const OP_CONTINUATION = 0;
const OP_TEXT = 1;

/** A frame with FIN cleared: more fragments of the same message follow. */
function fragment(opcode: number, payload: Buffer): Buffer {
  const frame = maskedFrame(opcode, payload);
  frame[0] &= 0x7f;
  return frame;
}

describe('Fragmented messages', function () {
  this.timeout(20_000);
  const srv = useTestServer({ maxPayloadLength: 64 * 1024 });
  const open: LeanClient[] = [];
  after(() => { for (const c of open) if (c.closed === null) c.destroy(); });

  it('end the connection once their fragments add up to more than maxPayloadLength (counted as tooLarge)', async () => {
    const before = srv().server.stats.serverCloses.tooLarge ?? 0;
    const c = await LeanClient.open(srv().wsPort);
    open.push(c);
    await c.hello('fragmenter');
    const piece = Buffer.alloc(20 * 1024, 0x20);
    // 4 × 20 KiB, never final: over the 64 KiB limit at the fourth fragment.
    c.ws.socket.write(Buffer.concat([fragment(OP_TEXT, piece), ...[1, 2, 3].map(() => fragment(OP_CONTINUATION, piece))]));
    expect(await c.ws.closed()).to.equal(1006);
    await waitFor(() => (srv().server.stats.serverCloses.tooLarge ?? 0) - before === 1, 'the close to be counted');
  });

  it('are delivered as one message when they end in time, however many empty fragments they carry', async () => {
    const c = await LeanClient.open(srv().wsPort);
    open.push(c);
    const hello = JSON.stringify({
      id: 'h', from: c.connectionId, to: c.serverId,
      jsongle: { action: 'iq-result', query: 'session-hello', transaction: c.helloTransaction, description: { uid: 'frag', dn: 'frag' } },
    });
    const empty = fragment(OP_CONTINUATION, Buffer.alloc(0));
    const last = maskedFrame(OP_CONTINUATION, Buffer.from(hello.slice(10)));
    c.ws.socket.write(Buffer.concat([fragment(OP_TEXT, Buffer.from(hello.slice(0, 10))), ...Array.from({ length: 1000 }, () => empty), last]));
    const ack = await c.expect((m) => m.jsongle.action === 'ack');
    expect(ack.jsongle.status).to.equal('success');
  });
});
