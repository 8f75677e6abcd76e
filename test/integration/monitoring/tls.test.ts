/**
 * The monitoring port when TLS is on (key + cert): HTTPS answers, /about says so, and GET /tests
 * runs its round trip over wss. The certificate is made for this suite with openssl.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { request } from '../../helpers/http.js';

describe('Monitoring API over TLS', () => {
  let dir = '';
  let srv: TestServer | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jsongle-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
      '-days', '1', '-subj', '/CN=127.0.0.1',
    ], { stdio: 'ignore' });
    srv = await startTestServer({ key, cert });
  });

  after(async () => {
    await srv?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers GET /ping over HTTPS', async () => {
    const r = await request(srv!.restPort, '/ping', { tls: true });
    expect(r.status).to.equal(200);
    expect(r.json).to.deep.equal({ status: 'OK' });
  });

  it('reports useSSL true on GET /about', async () => {
    const r = await request(srv!.restPort, '/about', { tls: true });
    expect(r.json.configuration.useSSL).to.equal(true);
  });

  it('passes GET /tests over wss with score 100', async () => {
    const r = await request(srv!.restPort, '/tests', { tls: true });
    expect(r.status, r.text).to.equal(200);
    expect(r.json.score).to.equal(100);
  });
});
