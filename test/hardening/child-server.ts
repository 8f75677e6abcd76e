/**
 * The server as operators run it (node dist/src/main.js, settings in the environment), in its
 * own process: memory figures (VmRSS) are then the server's alone, not the test clients'.
 * Ports are 0; the real ones are read from the "listening" log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Compiled to dist/test/hardening/: main.js is dist/src/main.js.
const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface ChildServer {
  proc: ChildProcess;
  wsPort: number;
  restPort: number;
  /** Resident memory of the server process, in bytes. */
  rssBytes(): number;
  /** GET /metrics, parsed into name{labels} → value. */
  metrics(): Promise<Map<string, number>>;
  stats(): Promise<Record<string, number>>;
  stop(): Promise<number | null>;
}

export async function startChildServer(env: Record<string, string>, options: { execArgv?: string[]; timeoutMs?: number } = {}): Promise<ChildServer> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const proc = spawn(process.execPath, [...(options.execArgv ?? []), MAIN], {
    env: { PATH: process.env.PATH ?? '', wsPort: '0', restPort: '0', logDefaultLevel: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  const ports = await new Promise<{ ws: number; rest: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not log "listening" within ${timeoutMs} ms: ${out} ${stderr}`)), timeoutMs);
    const onData = (c: Buffer) => {
      out += c.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('"listening"')) continue;
        const rec = JSON.parse(line) as { ws: string; rest: string };
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        proc.stdout?.resume();
        resolve({ ws: Number(new URL(rec.ws).port), rest: Number(new URL(rec.rest).port) });
        return;
      }
    };
    proc.stdout?.on('data', onData);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}): ${stderr}`)); });
  });
  const restUrl = `http://127.0.0.1:${ports.rest}`;
  return {
    proc,
    wsPort: ports.ws,
    restPort: ports.rest,
    rssBytes() {
      const line = readFileSync(`/proc/${proc.pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
      return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
    },
    async metrics() {
      const text = await (await fetch(`${restUrl}/metrics`)).text();
      const out = new Map<string, number>();
      for (const line of text.split('\n')) {
        if (line.startsWith('#') || line.trim() === '') continue;
        const i = line.lastIndexOf(' ');
        out.set(line.slice(0, i), Number(line.slice(i + 1)));
      }
      return out;
    },
    async stats() {
      return (await (await fetch(`${restUrl}/stats`)).json()) as Record<string, number>;
    },
    stop() {
      return new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill('SIGTERM');
      });
    },
  };
}
