/**
 * A webhook receiver for the tests: a node:http server on 127.0.0.1 that records every POST
 * (raw body, headers) and answers 204, or 500 for the first `failFirst` attempts of each event.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly event: { id: string; type: string; seq: number; at: string; data: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Receiver {
  readonly url: string;
  /** Deliveries answered 2xx, in arrival order. */
  readonly accepted: Received[];
  /** Every attempt, failed ones included. */
  attempts: number;
  close(): Promise<void>;
}

export async function startReceiver(options: { failFirst?: number } = {}): Promise<Receiver> {
  const failures = new Map<string, number>();
  const receiver: Receiver = {
    url: '',
    accepted: [],
    attempts: 0,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.attempts++;
      const body = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(body) as Received['event'];
      const failed = failures.get(event.id) ?? 0;
      if (failed < (options.failFirst ?? 0)) {
        failures.set(event.id, failed + 1);
        res.writeHead(500).end();
        return;
      }
      receiver.accepted.push({ body, headers: req.headers, event });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
