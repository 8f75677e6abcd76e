/**
 * `npm run docs:machines`: regenerates docs/machines.md from the machine definitions.
 * `--check` only compares and exits 1 when the committed file is stale (what the test does too).
 * `--out-dir DIR` also writes each diagram as DIR/<machine>.mmd (input of scripts/render-diagrams).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './lib/machine-model.js';
import { machinesDoc, MACHINES } from './lib/machines-doc.js';
import { toMermaid } from './lib/mermaid.js';

/** dist/scripts/ → the repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DOC_PATH = join(REPO_ROOT, 'docs', 'machines.md');

function main(argv: string[]): number {
  const doc = machinesDoc();
  if (argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(DOC_PATH, 'utf8');
    } catch {
      // A missing file is as stale as a wrong one.
    }
    if (committed === doc) return 0;
    process.stderr.write('docs/machines.md is stale: run `npm run docs:machines`\n');
    return 1;
  }
  writeFileSync(DOC_PATH, doc);
  process.stdout.write(`wrote ${DOC_PATH}\n`);
  const i = argv.indexOf('--out-dir');
  if (i >= 0 && argv[i + 1]) {
    mkdirSync(argv[i + 1], { recursive: true });
    for (const m of MACHINES) {
      const file = join(argv[i + 1], `${m.machine.id}.mmd`);
      writeFileSync(file, toMermaid(describeMachine(m.machine)));
      process.stdout.write(`wrote ${file}\n`);
    }
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
