/**
 * The README's configuration table is what operators read: every setting of the schema must be in
 * it (with its environment variable), and the table must not list settings that do not exist.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { configSchema } from '../../src/config/schema.js';

function schemaKeys(node: Record<string, unknown>, prefix = ''): Array<{ key: string; env: string }> {
  const out: Array<{ key: string; env: string }> = [];
  for (const [k, v] of Object.entries(node)) {
    const spec = v as Record<string, unknown>;
    if ('doc' in spec) out.push({ key: prefix + k, env: String(spec.env) });
    else out.push(...schemaKeys(spec, `${prefix}${k}.`));
  }
  return out;
}

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const rows = [...readme.matchAll(/^\| `([A-Za-z_.]+)` \| `([A-Za-z_]+)` \|/gm)].map((m) => ({ key: m[1], env: m[2] }));

describe('README configuration table', () => {
  it('lists every setting of the schema with its environment variable', () => {
    const missing = schemaKeys(configSchema).filter((s) => !rows.some((r) => r.key === s.key && r.env === s.env));
    expect(missing, 'settings missing from README').to.deep.equal([]);
  });

  it('lists no setting the schema does not have', () => {
    const keys = new Set(schemaKeys(configSchema).map((s) => s.key));
    expect(rows.filter((r) => !keys.has(r.key)), 'README rows for unknown settings').to.deep.equal([]);
  });
});
