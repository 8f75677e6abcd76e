/**
 * The monitoring port against a browser on another site (docs/security.md § Monitoring port):
 * DNS rebinding (Host allow-list → 421), cross-origin state changes (no `*` for PUT/POST/DELETE,
 * 403 for an unlisted Origin), PUT /logs/levels disabled without an adminToken, and a 413 that
 * really closes the connection even with a request pipelined behind it. Real server, real sockets.
 */
import { expect } from 'chai';
import { getJson } from '../../helpers/http.js';
import { rawExchange, statusLines } from '../../helpers/raw-tcp.js';
import { useTestServer } from '../../helpers/suite.js';
import { request } from '../../helpers/http.js';

const put = (port: number, headers: Record<string, string>, body = '{"level":"warn"}') =>
  request(port, '/logs/levels', { method: 'PUT', body, headers: { 'Content-Type': 'application/json', ...headers } });

describe('Monitoring port: Host allow-list (DNS rebinding)', () => {
  const srv = useTestServer({ restAllowedHosts: 'monitor.example.org' });

  it('answers 421 JSON to a Host that is not allowed, on every route, and counts it', async () => {
    const before = srv().server.stats.monitoringRefusals.host ?? 0;
    for (const path of ['/ping', '/stats', '/tests', '/nope']) {
      const r = await request(srv().restPort, path, { headers: { Host: `attacker.example:${srv().restPort}` } });
      expect(r.status, path).to.equal(421);
      expect(r.json, path).to.deep.equal({ error: 'unknown Host: add it to restAllowedHosts to serve it' });
    }
    expect((srv().server.stats.monitoringRefusals.host ?? 0) - before).to.equal(4);
    const metrics = await getJson(`${srv().restUrl}/stats`); // an IP Host: allowed
    expect(metrics.status).to.equal(200);
  });

  it('serves IP literals, localhost, restHost and the listed names', async () => {
    const port = srv().restPort;
    for (const host of [`127.0.0.1:${port}`, `[::1]:${port}`, `localhost:${port}`, 'LOCALHOST', `monitor.example.org:${port}`, '10.1.2.3']) {
      const r = await request(port, '/ping', { headers: { Host: host } });
      expect(r.status, host).to.equal(200);
    }
  });
});

describe('Monitoring port: restAllowedHosts "*" turns the Host check off', () => {
  const srv = useTestServer({ restAllowedHosts: '*' });

  it('serves any Host', async () => {
    expect((await request(srv().restPort, '/ping', { headers: { Host: 'anything.example' } })).status).to.equal(200);
  });
});

describe('Monitoring port: cross-origin state changes with the default CORS policy', () => {
  const srv = useTestServer({ adminToken: 'adm' });

  it('still lets any page read the read-only routes (Access-Control-Allow-Origin: *)', async () => {
    const r = await request(srv().restPort, '/stats', { headers: { Origin: 'https://anywhere.example' } });
    expect(r.status).to.equal(200);
    expect(r.headers['access-control-allow-origin']).to.equal('*');
  });

  it('answers the preflight of a cross-origin PUT without any Access-Control-Allow-Origin (the browser stops there)', async () => {
    const r = await request(srv().restPort, '/logs/levels', {
      method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'PUT' },
    });
    expect(r.status).to.equal(204);
    expect(r.headers).not.to.have.property('access-control-allow-origin');
    expect(r.headers.vary).to.equal('Origin');
  });

  it('refuses a PUT carrying an unlisted Origin with 403, even with the right token, and keeps the level', async () => {
    const before = srv().server.logger.level();
    const r = await put(srv().restPort, { Origin: 'https://evil.example', Authorization: 'Bearer adm' });
    expect(r.status).to.equal(403);
    expect(r.json).to.deep.equal({ error: 'origin not allowed to change state: list it in corsPolicyOrigin' });
    expect(r.headers).not.to.have.property('access-control-allow-origin');
    expect(srv().server.logger.level()).to.equal(before);
    expect(srv().server.stats.monitoringRefusals.origin).to.equal(1);
  });

  it('accepts the same PUT without an Origin (curl, scripts)', async () => {
    const was = srv().server.logger.level();
    const r = await put(srv().restPort, { Authorization: 'Bearer adm' });
    expect(r.status).to.equal(200);
    await put(srv().restPort, { Authorization: 'Bearer adm' }, JSON.stringify({ level: was }));
  });
});

describe('Monitoring port: a listed origin may change state', () => {
  const srv = useTestServer({ adminToken: 'adm', corsPolicyOrigin: 'https://ops.example' });

  it('echoes the listed origin on the preflight and the PUT, and carries the PUT out', async () => {
    const pre = await request(srv().restPort, '/logs/levels', {
      method: 'OPTIONS', headers: { Origin: 'https://ops.example', 'Access-Control-Request-Method': 'PUT' },
    });
    expect(pre.headers['access-control-allow-origin']).to.equal('https://ops.example');
    const was = srv().server.logger.level();
    const r = await put(srv().restPort, { Origin: 'https://ops.example', Authorization: 'Bearer adm' });
    expect(r.status).to.equal(200);
    expect(r.headers['access-control-allow-origin']).to.equal('https://ops.example');
    await put(srv().restPort, { Authorization: 'Bearer adm' }, JSON.stringify({ level: was }));
  });
});

describe('Monitoring port: PUT /logs/levels without an adminToken', () => {
  const srv = useTestServer();

  it('is refused with 403 JSON naming the fix, from any origin or none', async () => {
    const before = srv().server.logger.level();
    const variants: Record<string, string>[] = [{}, { Origin: 'https://evil.example' }];
    for (const headers of variants) expect((await put(srv().restPort, headers)).status).to.equal(403);
    const r = await put(srv().restPort, {});
    expect(r.json).to.deep.equal({ error: 'PUT /logs/levels is disabled: set adminToken to enable it' });
    expect(srv().server.logger.level()).to.equal(before);
  });

  it('leaves the self-check (GET /tests, loopback clients) working', async () => {
    const r = await getJson(`${srv().restUrl}/tests`, 5000);
    expect(r.status).to.equal(200);
    expect(r.body.score).to.equal(100);
  });
});

describe('Monitoring port: a 413 closes the connection', () => {
  const srv = useTestServer({ adminToken: 'adm' });
  const PING = 'GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  const head = 'PUT /logs/levels HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer adm\r\nContent-Type: application/json\r\n';
  const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`;
  const half = 'x'.repeat(9000);

  it('answers a chunked body that grows past 16 KiB with 413 and closes', async () => {
    const r = await rawExchange(srv().restPort, `${head}Transfer-Encoding: chunked\r\n\r\n${chunk(half)}${chunk(half)}0\r\n\r\n`, 5000);
    expect(statusLines(r.text)).to.deep.equal(['HTTP/1.1 413 Payload Too Large']);
    expect(r.closedAfterMs, 'closed by the server').to.not.equal(null);
  });

  it('never answers a request pipelined behind an oversized chunked body: the connection closes', async () => {
    const r = await rawExchange(srv().restPort, `${head}Transfer-Encoding: chunked\r\n\r\n${chunk(half)}${chunk(half)}0\r\n\r\n${PING}`, 5000);
    expect(statusLines(r.text).filter((l) => l.includes('200'))).to.deep.equal([]);
    expect(r.closedAfterMs, 'closed by the server').to.not.equal(null);
  });

  it('never answers a request pipelined behind an oversized declared body: the connection closes', async () => {
    const body = 'y'.repeat(17 * 1024);
    const r = await rawExchange(srv().restPort, `${head}Content-Length: ${body.length}\r\n\r\n${body}${PING}`, 5000);
    expect(statusLines(r.text).filter((l) => l.includes('200'))).to.deep.equal([]);
    expect(r.closedAfterMs, 'closed by the server').to.not.equal(null);
  });

  it('keeps answering pipelined requests on a healthy connection (the control case)', async () => {
    const r = await rawExchange(srv().restPort, PING + PING, 500);
    expect(statusLines(r.text)).to.deep.equal(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
  });
});
