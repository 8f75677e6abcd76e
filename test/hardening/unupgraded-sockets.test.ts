/**
 * TCP connections to wsPort that never upgrade (docs/security.md § Connections that never
 * upgrade): uWS closes them after its fixed HTTP idle timeout (10 s on a 4 s tick), silent or
 * trickling header bytes (slowloris), and the fd-derived connection ceiling keeps room for them.
 */
import { expect } from 'chai';
import { connect } from 'node:net';
import { connectionCeiling, FD_RESERVE } from '../../src/transport/uws.js';
import { rawExchange } from '../helpers/raw-tcp.js';
import { useTestServer } from '../helpers/suite.js';

/** Generous bound on uWS's 10 s HTTP idle timeout (8–12 s with its 4 s timer tick). */
const BOUND_MS = 20_000;

/** Sends one header byte per `everyMs` and resolves with the time the server closed (or null). */
function trickle(port: number, everyMs: number, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const head = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nX-Pad: ' + 'a'.repeat(100));
    const socket = connect({ host: '127.0.0.1', port });
    const start = Date.now();
    let i = 0;
    const tick = setInterval(() => { if (i < head.length && !socket.destroyed) socket.write(head.subarray(i, ++i)); }, everyMs);
    const done = (v: number | null) => { clearInterval(tick); clearTimeout(timer); socket.destroy(); resolve(v); };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('error', () => {});
    socket.on('close', () => done(Date.now() - start));
  });
}

describe('Connections to wsPort that never upgrade', function () {
  this.timeout(BOUND_MS + 10_000);
  const srv = useTestServer();

  it('are closed by uWS\'s HTTP idle timeout, silent or trickling headers, and nothing of them remains', async () => {
    const [silent, slowloris] = await Promise.all([
      rawExchange(srv().wsPort, '', BOUND_MS),
      trickle(srv().wsPort, 500, BOUND_MS),
    ]);
    expect(silent.closedAfterMs, 'silent connection closed by the server').to.not.equal(null);
    expect(silent.text).to.equal('');
    expect(slowloris, 'trickling connection closed by the server').to.not.equal(null);
    console.log(`      un-upgraded sockets: silent closed after ${((silent.closedAfterMs ?? 0) / 1000).toFixed(1)} s, ` +
      `slowloris after ${((slowloris ?? 0) / 1000).toFixed(1)} s`);
    expect(srv().server.inspectState().connections).to.equal(0);
  });
});

describe('connectionCeiling: room for un-upgraded sockets under the open-file limit', () => {
  it('keeps FD_RESERVE plus a fifth of the limit free', () => {
    expect(connectionCeiling(1024)).to.equal(1024 - FD_RESERVE - 205);
    expect(connectionCeiling(65_536)).to.equal(65_536 - FD_RESERVE - 13_108);
    expect(connectionCeiling(100)).to.equal(1);
    expect(connectionCeiling(null)).to.equal(Infinity);
  });
});
