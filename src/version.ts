/**
 * name/version/description from package.json (dist/src/ and src/ are both two levels below it).
 * The description is config `info`'s default, so the hello's info and GET /about's description
 * say the same thing, as the original's (both read package.json) did.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function findPackageJson(): { name: string; version: string; description: string } {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(join(here, rel), 'utf8'));
      if (pkg.name === 'jsongle-server') return pkg;
    } catch {
      // try the next candidate
    }
  }
  return { name: 'jsongle-server', version: '0.0.0', description: 'JSONgle signaling server' };
}

export const PACKAGE = findPackageJson();
