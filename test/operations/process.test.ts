/**
 * The server as operators run it: `node dist/src/main.js` in its own process. A SIGTERM drains live
 * clients (503001, then close 1001) and the process exits 0; bad start-up settings exit non-zero
 * with one clear line.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChildServer } from '../hardening/child-server.js';
import { closeAllClients, TestClient } from '../helpers/client.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** Runs main.js to its exit: { code, stderr }. Bounded: killed after timeoutMs. */
function runMain(env: Record<string, string>, args: string[] = [], timeoutMs = 10_000): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', wsPort: '0', restPort: '0', logDefaultLevel: 'error', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('exit', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
  });
}

describe('The server process', function () {
  this.timeout(30_000);
  afterEach(closeAllClients);

  it('drains live clients on SIGTERM — 503001 then close 1001 — and exits 0', async () => {
    const server = await startChildServer({});
    const url = `ws://127.0.0.1:${server.wsPort}/`;
    const a = await TestClient.connect(url);
    const b = await TestClient.connect(url);
    await a.hello('alice');
    await b.hello('bob');
    await a.join('drain-room');
    await b.join('drain-room');
    const exited = server.stop(); // sends SIGTERM
    for (const c of [a, b]) {
      const err = await c.expectMessage({ jsongle: { action: 'session-error', description: { errorCode: 503001 } } }, 5000);
      expect(err.jsongle.description.errorDetails).to.be.a('string');
      expect((await c.expectClose(5000)).code).to.equal(1001);
    }
    expect(await exited).to.equal(0);
  });

  it('exits 0 on SIGTERM with no client connected', async () => {
    const server = await startChildServer({});
    expect(await server.stop()).to.equal(0);
  });

  it('refuses to start, exit 1, naming the file, when the TLS certificate is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsongle-tls-'));
    try {
      const { code, stderr } = await runMain({ key: join(dir, 'missing-key.pem'), cert: join(dir, 'missing-cert.pem') });
      expect(code).to.equal(1);
      expect(stderr).to.match(/TLS key file .*missing-key\.pem is missing or unreadable/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start, exit 1, when only one of key and cert is set', async () => {
    const { code, stderr } = await runMain({ cert: '/nonexistent/cert.pem' });
    expect(code).to.equal(1);
    expect(stderr).to.match(/TLS needs both key and cert/);
  });

  it('refuses to start, exit 1, with one line naming the setting, on an invalid value', async () => {
    const { code, stderr } = await runMain({ wsPort: '99999' });
    expect(code).to.equal(1);
    expect(stderr.trim().split('\n')).to.have.length(1);
    expect(stderr).to.match(/invalid configuration: wsPort: /);
  });

  it('refuses to start, exit 1, when the WebSocket port is already taken (exclusive listen)', async () => {
    const first = await startChildServer({});
    try {
      const { code, stderr } = await runMain({ wsPort: String(first.wsPort) });
      expect(code).to.equal(1);
      expect(stderr).to.match(/cannot listen on 127\.0\.0\.1:\d+/);
    } finally {
      await first.stop();
    }
  });
});
