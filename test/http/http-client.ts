/**
 * A one-shot HTTP client for the monitoring tests: node:http with no agent, so every request
 * closes its connection and no keep-alive socket outlives a test (mocha runs without --exit).
 */
import http from 'node:http';
import https from 'node:https';

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
}

export function request(port: number, path: string, opts: HttpOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const send = opts.tls ? https.request : http.request;
    const req = send(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false, timeout: 10_000, rejectUnauthorized: false },
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
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${path}: no answer within 10 s`)));
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
