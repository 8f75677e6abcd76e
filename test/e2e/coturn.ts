/**
 * A real TURN relay for the E2E test: Debian's coturn (`turnserver`), started in the foreground on
 * 127.0.0.1 with `use-auth-secret` and a secret shared with the signaling server, so a call can
 * only get through with the credentials that server hands out. No config file, no daemon, no system
 * service: a child process with its own temporary folder (pid file, SQLite file), stopped by the test.
 * scripts/e2e.sh runs the whole test in a loopback-only network namespace: the browser, the TURN
 * server and the signaling server all live there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TURNSERVER = process.env.TURNSERVER ?? '/usr/bin/turnserver';

export interface Coturn {
  port: number;
  secret: string;
  /** The URI to hand out: UDP to 127.0.0.1. */
  uri: string;
  /** Everything coturn logged so far (allocations show the usernames it accepted). */
  log(): string;
  stop(): Promise<void>;
}

/** A UDP port nobody uses right now (bound, read, released: coturn binds it a moment later). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A STUN Binding request (RFC 5389): answered once coturn listens; the readiness probe. */
function stunAnswers(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0); // Binding request, no attributes
    request.writeUInt32BE(0x2112a442, 4); // magic cookie
    randomBytes(12).copy(request, 8);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('message', (m) => done(m.length >= 20 && m.readUInt16BE(0) === 0x0101 && m.subarray(8, 20).equals(request.subarray(8, 20))));
    s.on('error', () => done(false));
    s.send(request, port, '127.0.0.1');
  });
}

export async function startCoturn(deadlineMs = 10_000): Promise<Coturn> {
  if (!existsSync(TURNSERVER)) throw new Error(`no turnserver at ${TURNSERVER}: apt-get install coturn`);
  const dir = mkdtempSync(join(tmpdir(), 'jsongle-coturn-'));
  const port = await freeUdpPort();
  const secret = randomBytes(24).toString('hex');
  let output = '';
  const child: ChildProcess = spawn(TURNSERVER, [
    '-n', // no configuration file
    '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=jsongle-e2e',
    '--fingerprint', '--no-cli', '--no-tls', '--no-dtls', '--no-tcp-relay', '--relay-threads=1',
    // Both browsers' relayed addresses are on 127.0.0.1: coturn refuses loopback peers by default.
    '--allow-loopback-peers',
    '--log-file=stdout', '--simple-log', '--verbose',
    `--pidfile=${join(dir, 'turnserver.pid')}`, `--db=${join(dir, 'turndb')}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + deadlineMs;
  while (!(await stunAnswers(port, 200))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`turnserver did not answer STUN on 127.0.0.1:${port}; its output:\n${output.slice(-4000)}`);
    }
  }
  return { port, secret, uri: `turn:127.0.0.1:${port}?transport=udp`, log: () => output, stop };
}
