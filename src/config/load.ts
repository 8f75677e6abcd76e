/**
 * Configuration is checked once: defaults < config file < environment < command line, then a
 * strict validation that reports every problem in one error, then a deep freeze.
 */
import convict from 'convict';
import { readFileSync } from 'node:fs';
import { authConfigProblems, clusterConfigProblems } from './cross-checks.js';
import { addConfigFormats, configSchema } from './schema.js';
import type { Config, ConfigOverrides } from './types.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadOptions {
  /** JSON file to load over the defaults. */
  file?: string;
  /** Values applied over file, env and argv (tests, embedding). */
  overrides?: ConfigOverrides;
  /** Environment to read (defaults to process.env). Tests pass {} to stay hermetic. */
  env?: NodeJS.ProcessEnv;
  /** Command line to read (defaults to process.argv). */
  argv?: string[];
}

export function loadConfig(options: LoadOptions = {}): Config {
  addConfigFormats();
  const env = options.env ?? process.env;
  const argv = options.argv ?? process.argv.slice(2);
  // convict applies env and argv over whatever is loaded, which gives exactly our precedence.
  const conf = convict(configSchema, { env: env as Record<string, string>, args: withoutOwnFlags(argv) });
  if (options.file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(options.file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`config file ${options.file}: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config file ${options.file}: must hold a JSON object`);
    }
    conf.load(withoutComments(parsed as Record<string, unknown>));
  }
  // convict re-applies env and argv after every load(), so overrides are set key by key to win.
  if (options.overrides) {
    for (const [path, value] of flatten(options.overrides as Record<string, unknown>)) conf.set(path, value);
  }
  try {
    conf.validate({ allowed: 'strict' });
  } catch (err) {
    // convict lists one problem per line; the operator gets them on one line, each naming its setting.
    const problems = (err as Error).message.split('\n').map((l) => l.trim()).filter(Boolean);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const config = conf.getProperties() as unknown as Config;
  const together = [...clusterConfigProblems(config), ...authConfigProblems(config)];
  if (together.length > 0) throw new ConfigError(`invalid configuration: ${together.join('; ')}`);
  return deepFreeze(config);
}

/** Keys starting with "//" document a JSON config file (production.example.json) and are ignored. */
function withoutComments(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith('//')) continue;
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? withoutComments(v as Record<string, unknown>) : v;
  }
  return out;
}

/** --config and --inspect belong to main.ts, not to the schema. */
function withoutOwnFlags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config') { i++; continue; }
    if (argv[i].startsWith('--config=') || argv[i] === '--inspect') continue;
    out.push(argv[i]);
  }
  return out;
}

function flatten(obj: Record<string, unknown>, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out.push([`${prefix}${k}`, v]);
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
