/**
 * Plain HTTP to the WebSocket port (issue 10): a request that is not a WebSocket upgrade gets
 * `426 Upgrade Required` with `Upgrade: websocket` and a JSON body, and the connection closes;
 * real upgrades are not affected, and the refusals are counted.
 */
import { expect } from 'chai';
import { TestClient } from '../helpers/client.js';
import { getText } from '../helpers/http.js';
import { rawExchange, firstBody, statusLines } from '../helpers/raw-tcp.js';
import { useTestServer } from '../helpers/suite.js';

describe('Plain HTTP to wsPort: 426 Upgrade Required', () => {
  const srv = useTestServer();

  it('answers a GET with 426, Upgrade: websocket, a JSON body, and closes the connection', async () => {
    const before = srv().server.stats.notWebSocketRequests;
    const r = await rawExchange(srv().wsPort, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 3000);
    expect(statusLines(r.text)).to.deep.equal(['HTTP/1.1 426 Upgrade Required']);
    expect(r.text).to.match(/\r\nUpgrade: websocket\r\n/i);
    expect(r.text).to.match(/\r\nContent-Type: application\/json\r\n/i);
    expect(JSON.parse(firstBody(r.text))).to.deep.equal({
      error: 'this port only accepts WebSocket connections (Upgrade: websocket)', status: 426,
    });
    expect(r.closedAfterMs, 'the server closed the connection').to.not.equal(null);
    expect(srv().server.stats.notWebSocketRequests - before).to.equal(1);
  });

  it('answers any method and path the same way (POST with a body, HEAD without one)', async () => {
    const post = await rawExchange(srv().wsPort, 'POST /x/y?z=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}', 3000);
    expect(statusLines(post.text)).to.deep.equal(['HTTP/1.1 426 Upgrade Required']);
    const head = await rawExchange(srv().wsPort, 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n', 3000);
    expect(statusLines(head.text)).to.deep.equal(['HTTP/1.1 426 Upgrade Required']);
    expect(head.text.endsWith('\r\n\r\n'), 'no body after the head').to.equal(true);
  });

  it('is what an ordinary HTTP client sees, and is counted in the metrics', async () => {
    const r = await getText(`http://127.0.0.1:${srv().wsPort}/`);
    expect(r.status).to.equal(426);
    const metrics = await getText(`${srv().restUrl}/metrics`);
    expect(metrics.text).to.match(/^jsongle_not_websocket_requests_total [1-9]\d*$/m);
  });

  it('leaves real WebSocket upgrades alone, on any path', async () => {
    const c = await TestClient.connect(srv().url(undefined, '/any/path'));
    await c.hello('still-upgrades');
  });
});
