/**
 * GET a JSON route of the monitoring port. Uses node:http without keep-alive so no pooled
 * socket outlives the test (mocha must exit on its own).
 */
import { get } from 'node:http';

export function getText(url: string, timeoutMs = 2000): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
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
