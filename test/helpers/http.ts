/**
 * The one HTTP client of the tests: node:http(s) with no agent, so every request closes its
 * connection and no keep-alive socket outlives a test (mocha runs without --exit).
 */
import http from 'node:http';
import https from 'node:https';

/** GET a URL of a test server (the monitoring port): `request` by URL. */
export async function getText(url: string, timeoutMs = 2000): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const { status, text } = await request(Number(u.port), u.pathname + u.search, { timeoutMs, tls: u.protocol === 'https:', host: u.hostname });
  return { status, text };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: any;
}

export interface HttpOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Written one by one (with Transfer-Encoding: chunked) instead of `body`. */
  readonly chunks?: readonly string[];
  /** HTTPS with certificate checks off (the test server's certificate is self-signed). */
  readonly tls?: boolean;
  /** Destroy the socket right after the request is sent (the promise rejects). */
  readonly abortAfterSend?: boolean;
  /** No answer within this long rejects (default 10 s). */
  readonly timeoutMs?: number;
  /** Address to connect to (default 127.0.0.1). */
  readonly host?: string;
}

export function request(port: number, path: string, opts: HttpOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const send = opts.tls ? https.request : http.request;
    const req = send(
      { host: opts.host ?? '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false, timeout: opts.timeoutMs ?? 10_000, rejectUnauthorized: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try { json = JSON.parse(text); } catch { json = undefined; }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${path}: no answer within ${opts.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    if (opts.abortAfterSend) req.on('finish', () => req.destroy(new Error('aborted by the test')));
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

export async function getJson(url: string, timeoutMs = 2000): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const { status, text } = await getText(url, timeoutMs);
  try {
    return { status, body: JSON.parse(text) };
  } catch (err) {
    throw new Error(`GET ${url}: not JSON (${(err as Error).message}): ${text.slice(0, 200)}`);
  }
}

/** Prometheus text → { 'name{labels}': value } for the sample lines. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
