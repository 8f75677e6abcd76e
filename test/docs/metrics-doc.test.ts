/**
 * docs/operations.md lists every metric a server registers (the Redis engine's jsongle_cluster_*
 * metrics are in docs/scaling.md), so an operator never scrapes a name the docs do not explain.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getText } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('docs/operations.md metrics tables', () => {
  it('documents every metric the server exposes on /metrics', async () => {
    const srv = await startTestServer();
    try {
      const { text } = await getText(`${srv.restUrl}/metrics`);
      const names = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]).filter((n) => !/^(process_|nodejs_)/.test(n)));
      const docs = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
      const missing = [...names].filter((n) => !docs.includes(`\`${n}\``));
      expect(missing).to.deep.equal([]);
      expect(names.size).to.be.greaterThan(20);
    } finally {
      await srv.stop();
    }
  });
});
