/**
 * Prints the README's configuration table from the schema (npm run docs:config), so the table is
 * regenerated rather than edited; test/docs/readme-config.test.ts fails when it falls behind.
 */
import { configSchema } from '../src/config/schema.js';

function rows(node: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(node)) {
    const spec = v as { doc?: string; env?: string; default?: unknown };
    if (spec.doc !== undefined) out.push(`| \`${prefix}${k}\` | \`${spec.env}\` | \`${JSON.stringify(spec.default)}\` | ${spec.doc} |`);
    else out.push(...rows(v as Record<string, unknown>, `${prefix}${k}.`));
  }
  return out;
}

process.stdout.write(['| key | env | default | meaning |', '|---|---|---|---|', ...rows(configSchema)].join('\n') + '\n');
