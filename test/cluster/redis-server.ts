/**
 * A private redis-server for the cluster suite: Debian's binary on a free loopback port, nothing
 * persisted (`--save '' --appendonly no`), so a restart loses every key as a crashed Redis would.
 * Never a system service: the suite starts and stops its own process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export class TestRedis {
  private proc: ChildProcess | null = null;
  private client: Redis | null = null;
  private paused = false;

  private constructor(readonly port: number) {}

  static async start(): Promise<TestRedis> {
    const r = new TestRedis(await freePort());
    await r.launch();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server and resolves when it accepts connections. */
  async launch(timeoutMs = 5000): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server not ready within ${timeoutMs} ms: ${out}`)), timeoutMs);
      proc.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          proc.stdout?.removeAllListeners('data');
          proc.stdout?.resume();
          resolve();
        }
      });
      proc.once('error', (err) => { clearTimeout(timer); reject(new Error(`cannot run redis-server (apt-get install redis-server): ${err.message}`)); });
      proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited (${code}): ${out}`)); });
    });
  }

  /** Stops redis-server (SIGKILL: a crash, nothing saved) and waits for the exit. */
  async kill(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  /**
   * Freezes redis-server (SIGSTOP): its sockets stay open and connected, nothing is answered —
   * a stuck host or a long GC-like stall, which clients cannot tell from a slow Redis.
   */
  pause(): void {
    this.signal('SIGSTOP');
    this.paused = true;
  }

  /** Wakes it (SIGCONT): it answers everything sent meanwhile, in order. */
  resume(): void {
    this.signal('SIGCONT');
    this.paused = false;
  }

  private signal(sig: NodeJS.Signals): void {
    if (!this.proc || this.proc.exitCode !== null) throw new Error(`redis-server not running: cannot send ${sig}`);
    this.proc.kill(sig);
  }

  /** A client of our own, for looking at what the nodes wrote. */
  cli(): Redis {
    this.client ??= new Redis(this.url, { maxRetriesPerRequest: 1, lazyConnect: false });
    return this.client;
  }

  async stop(): Promise<void> {
    // A test that failed mid-freeze: our client's QUIT would wait for ever on a stopped Redis.
    if (this.paused) this.resume();
    if (this.client) {
      await this.client.quit().catch(() => this.client?.disconnect());
      this.client = null;
    }
    await this.kill();
  }
}
