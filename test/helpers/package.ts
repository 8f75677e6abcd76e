/** The package version the server must announce in its session-hello description. */
import { readFileSync } from 'node:fs';

// Compiled to dist/test/helpers/: the repository root is three levels up.
const pkgUrl = new URL('../../../package.json', import.meta.url);
export const packageVersion: string = (JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string }).version;
