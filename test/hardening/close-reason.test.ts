/** How the close handler tells uWS's own closes apart (texts measured with uWS 20.30). */
import { expect } from 'chai';
import { serverCloseReason } from '../../src/transport/close-reason.js';

const text = (s: string) => new TextEncoder().encode(s).buffer as ArrayBuffer;

describe('serverCloseReason', () => {
  it('names the closes uWS makes itself by their 1006 message', () => {
    expect(serverCloseReason(1006, text('Received too big message'), false)).to.equal('tooLarge');
    expect(serverCloseReason(1006, text('Received too big message, or other inflation error'), false)).to.equal('tooLarge');
    expect(serverCloseReason(1006, text('Received invalid UTF-8'), false)).to.equal('invalidUtf8');
    expect(serverCloseReason(1006, text('WebSocket timed out from inactivity'), false)).to.equal('idleTimeout');
  });

  it('counts an empty 1006 as a backpressure close only when a send to the socket had been refused', () => {
    expect(serverCloseReason(1006, new ArrayBuffer(0), true)).to.equal('backpressure');
    expect(serverCloseReason(1006, new ArrayBuffer(0), false)).to.equal(null);
  });

  it('leaves the closes a client asks for (1000, 1001, 4xxx) to the client', () => {
    expect(serverCloseReason(1000, text('bye'), true)).to.equal(null);
    expect(serverCloseReason(1001, new ArrayBuffer(0), false)).to.equal(null);
  });
});
