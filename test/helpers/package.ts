/** The package version (and description) the server must announce in its session-hello description. */
import { readFileSync } from 'node:fs';

// Compiled to dist/test/helpers/: the repository root is three levels up.
const pkgUrl = new URL('../../../package.json', import.meta.url);
const pkg = JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string; description: string };
export const packageVersion: string = pkg.version;
export const packageDescription: string = pkg.description;
