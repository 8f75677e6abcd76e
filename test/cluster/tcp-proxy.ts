/**
 * A loopback TCP proxy in front of Redis for one node, so a test can cut that node's link alone
 * while Redis keeps serving the others (a network partition of one host). While cut, open
 * connections are reset and new ones are reset at once, so the node's ioredis keeps reconnecting
 * in vain; restore() lets the next reconnect through.
 */
import net from 'node:net';

export class TcpProxy {
  private readonly pairs = new Set<net.Socket>();
  private isCut = false;

  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = net.createServer((client) => proxy?.accept(client, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Resets every connection through the proxy, and every new one until restore(). */
  cut(): void {
    this.isCut = true;
    for (const s of this.pairs) s.resetAndDestroy();
    this.pairs.clear();
  }

  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, targetPort: number): void {
    if (this.isCut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      this.pairs.add(a);
      a.pipe(b);
      // One side gone: the other goes too (and errors after a reset are expected, not failures).
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.pairs.delete(a);
        b.destroy();
      });
    }
  }
}
