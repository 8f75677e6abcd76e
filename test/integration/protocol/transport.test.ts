/**
 * protocol.md § Transport: admission at the upgrade (appToken 401, capacity 503, Origin 403),
 * text-only JSON frames (binary → 400003) and the maxPayloadLength limit.
 */
import { expect } from 'chai';
import { TestClient, UpgradeRefused, helloClient } from '../../helpers/client.js';
import { getText, parseMetrics } from '../../helpers/http.js';
import { RecordingLogger } from '../../helpers/logger.js';
import { p2pPair } from '../../helpers/rooms.js';
import { startTestServer } from '../../helpers/server.js';
import { useTestServer } from '../../helpers/suite.js';
import { rid } from '../../helpers/ids.js';
import { waitFor } from '../../helpers/wait.js';

async function refusedStatus(url: string, headers?: Record<string, string>): Promise<number> {
  try {
    await TestClient.connect(url, { headers });
  } catch (err) {
    if (err instanceof UpgradeRefused) return err.status;
    throw err;
  }
  throw new Error(`upgrade to ${url} was accepted`);
}

describe('Transport: appToken', () => {
  const srv = useTestServer({ appToken: 's3cret-token' });

  it('answers HTTP 401 and never upgrades when the appToken parameter is missing', async () => {
    expect(await refusedStatus(srv().url())).to.equal(401);
  });

  it('answers HTTP 401 when the appToken is wrong', async () => {
    expect(await refusedStatus(srv().url('not-the-token'))).to.equal(401);
  });

  it('answers HTTP 401 when the appToken has the right length but the wrong characters', async () => {
    expect(await refusedStatus(srv().url('s3cret-tokeN'))).to.equal(401);
  });

  it('answers HTTP 401 when the appToken is empty', async () => {
    expect(await refusedStatus(srv().url(''))).to.equal(401);
  });

  it('upgrades and sends session-hello when the appToken is right', async () => {
    const c = await TestClient.connect(srv().url('s3cret-token'));
    const req = await c.waitHelloRequest();
    expect(req.jsongle.action).to.equal('iq-get');
  });

  it('accepts the WebSocket on any path of wsPort', async () => {
    const c = await TestClient.connect(srv().url('s3cret-token', '/any/path/here'));
    await c.waitHelloRequest();
  });
});

describe('Transport: no appToken configured', () => {
  const srv = useTestServer({ appToken: '' });

  it('requires no token when appToken is empty in the config', async () => {
    const c = await TestClient.connect(srv().url());
    await c.waitHelloRequest();
  });

  it('ignores an appToken parameter the client sends anyway', async () => {
    const c = await TestClient.connect(srv().url('whatever'));
    await c.waitHelloRequest();
  });
});

describe('Transport: maxConcurrentUsers', () => {
  const srv = useTestServer({ maxConcurrentUsers: 2 });

  it('answers HTTP 503 to the upgrade once maxConcurrentUsers connections are open', async () => {
    const a = await TestClient.connect(srv().url());
    const b = await TestClient.connect(srv().url());
    await a.waitHelloRequest();
    await b.waitHelloRequest();
    expect(await refusedStatus(srv().url())).to.equal(503);
    // The refused attempt did not disturb the admitted ones.
    expect(a.isOpen && b.isOpen).to.equal(true);
  });

  it('admits a new connection again once one of the open ones has closed', async () => {
    // The previous test's clients were closed by the afterEach hook; wait until the server saw it.
    await waitFor(() => srv().server.inspectState().connections === 0, 'the server to count 0 connections');
    const a = await TestClient.connect(srv().url());
    await TestClient.connect(srv().url());
    expect(await refusedStatus(srv().url())).to.equal(503);
    await a.close();
    await waitFor(() => srv().server.inspectState().connections === 1, 'the server to count 1 connection');
    const c = await TestClient.connect(srv().url());
    await c.waitHelloRequest();
  });
});

describe('Transport: corsPolicyOrigin', () => {
  const srv = useTestServer({ corsPolicyOrigin: 'https://app.example.com' });

  it('answers HTTP 403 to an upgrade whose Origin is not allowed', async () => {
    expect(await refusedStatus(srv().url(), { Origin: 'https://evil.example.org' })).to.equal(403);
  });

  it('upgrades when the Origin header matches corsPolicyOrigin', async () => {
    const c = await TestClient.connect(srv().url(), { headers: { Origin: 'https://app.example.com' } });
    await c.waitHelloRequest();
  });

  it('upgrades when no Origin header is sent (non-browser clients)', async () => {
    const c = await TestClient.connect(srv().url());
    await c.waitHelloRequest();
  });
});

describe('Transport: frames', () => {
  const srv = useTestServer({ maxPayloadLength: 1024 });

  it('answers a binary frame with session-error 400003 and keeps the connection usable', async () => {
    const c = await TestClient.connect(srv().url());
    await c.waitHelloRequest();
    c.sendRaw(Buffer.from(JSON.stringify({ jsongle: { action: 'session-text' } })), { binary: true });
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(400003);
    expect(err.from).to.equal(c.serverId);
    expect(err.to).to.equal(c.connectionId);
    await c.hello('after-binary');
  });

  it('answers a binary frame from a helloed client with session-error 400003', async () => {
    const c = await helloClient(srv().url(), 'binary-sender');
    c.sendRaw(Buffer.from([0, 1, 2, 3, 255]), { binary: true });
    const err = await c.expectMessage({ jsongle: { action: 'session-error' } });
    expect(err.jsongle.description.errorCode).to.equal(400003);
  });

  it('accepts a text frame just under maxPayloadLength', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const sent = a.relay(r, 'session-text', { namespace: 'message', description: { content: 'x'.repeat(700) } });
    const got = await b.expectMessage({ id: sent.id });
    expect(got.jsongle.description.content).to.have.length(700);
  });

  it('ends the connection on a frame larger than maxPayloadLength and leaves other clients unaffected', async () => {
    const r = rid();
    const [a, b] = await p2pPair(srv().url(), r);
    const big = await helloClient(srv().url(), 'big-sender');
    big.sendRaw(JSON.stringify({ jsongle: { action: 'session-text', description: { content: 'y'.repeat(2000) } } }));
    const { code } = await big.expectClose();
    // uWS drops the socket without a close frame (1006); a 1009 close frame would be fine too.
    expect(code).to.be.oneOf([1006, 1009]);
    const sent = a.relay(r, 'session-text', { namespace: 'message', description: { content: 'still here' } });
    const got = await b.expectMessage({ id: sent.id });
    expect(got.jsongle.description.content).to.equal('still here');
  });
});

describe('Transport: oversized frames are counted', () => {
  const srv = useTestServer({ maxPayloadLength: 1024 });
  // The spec names no metric: any sample whose name or labels speak of the payload size will do.
  const OVERSIZE = /payload|oversiz|too.?(large|big)|1009/i;

  it('counts a frame larger than maxPayloadLength in a metric', async () => {
    const before = parseMetrics((await getText(`${srv().restUrl}/metrics`)).text);
    const c = await TestClient.connect(srv().url());
    await c.waitHelloRequest();
    c.sendRaw('z'.repeat(4096));
    await c.expectClose();
    await waitFor(() => srv().server.inspectState().connections === 0, 'the server to see the close');
    const after = parseMetrics((await getText(`${srv().restUrl}/metrics`)).text);
    const moved = [...after].filter(([k, v]) => OVERSIZE.test(k) && v > (before.get(k) ?? 0));
    expect(moved.map(([k]) => k), `no oversize metric moved; metric names: ${[...new Set([...after.keys()].map((k) => k.split('{')[0]))].join(', ')}`).to.have.length.greaterThan(0);
  });
});

describe('Transport: start-up warnings', () => {
  it('warns at start-up that no token is required when appToken is empty', async () => {
    const logger = new RecordingLogger();
    const srv = await startTestServer({ appToken: '' }, { logger });
    try {
      expect(logger.warningsAbout('appToken'), JSON.stringify(logger.lines)).to.have.length.greaterThan(0);
    } finally {
      await srv.stop();
    }
  });

  it('does not warn about appToken when one is configured', async () => {
    const logger = new RecordingLogger();
    const srv = await startTestServer({ appToken: 'set' }, { logger });
    try {
      expect(logger.warningsAbout('appToken')).to.have.length(0);
    } finally {
      await srv.stop();
    }
  });

  it('warns at start-up when maxConcurrentUsers is above what the open-file limit allows', async () => {
    const logger = new RecordingLogger();
    const srv = await startTestServer({ maxConcurrentUsers: 10_000_000 }, { logger });
    try {
      expect(logger.warningsAbout('maxConcurrentUsers'), JSON.stringify(logger.lines)).to.have.length.greaterThan(0);
    } finally {
      await srv.stop();
    }
  });
});
