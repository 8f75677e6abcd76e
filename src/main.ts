/**
 * CLI: node dist/src/main.js [--config file.json] [--<key> value …]
 * Precedence: defaults < config file < environment variables (same names) < command line.
 * SIGTERM/SIGINT drain gracefully and exit 0; a second signal at least 1 s after the first exits
 * at once (npm forwards the same SIGTERM again right away, which must not count as the operator's second).
 * --workers N (cluster.workers): a primary process starts N server processes sharing wsPort
 * (src/cluster/launcher.ts); it needs cluster.engine "redis".
 */
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runPrimary, workerIndex, workerOverrides } from './cluster/launcher.js';
import { ConfigError, loadConfig } from './config/load.js';
import type { Config, ConfigOverrides } from './config/types.js';
import { createServer } from './server.js';
import { StartupError } from './transport/uws.js';

const SECOND_SIGNAL_MIN_MS = 1000;

function configFileFromArgv(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config') return argv[i + 1];
    if (argv[i].startsWith('--config=')) return argv[i].slice('--config='.length);
  }
  const embedded = join(dirname(fileURLToPath(import.meta.url)), '../../config/default.json');
  return existsSync(embedded) ? embedded : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // --inspect is a shorthand for inspect.enabled=true.
  const overrides: ConfigOverrides | undefined = argv.includes('--inspect') ? { inspect: { enabled: true } } : undefined;
  const file = configFileFromArgv(argv);
  let config: Config = loadConfig({ file, argv, overrides });
  const index = workerIndex();
  if (config.cluster.workers > 1 && index === null) {
    runPrimary(config.cluster.workers);
    return;
  }
  // A worker: the same settings, with its own node id, monitoring port and log folder.
  if (index !== null) {
    const own = workerOverrides(config, index);
    config = loadConfig({ file, argv, overrides: { ...overrides, ...own, cluster: own.cluster } });
  }
  const running = createServer(config);
  // Handlers go in before the ports open: a SIGTERM that arrives while starting (a supervisor
  // stopping us at once) must drain, not kill the process with the default action.
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (firstSignalAt === 0) {
      firstSignalAt = now;
      running.logger.info('signal received: draining', { signal });
      running.stop().then(
        () => process.exit(0),
        (err) => {
          process.stderr.write(`jsongle-server: stop failed: ${String(err)}\n`);
          process.exit(1);
        },
      );
    } else if (now - firstSignalAt >= SECOND_SIGNAL_MIN_MS) {
      process.stderr.write(`jsongle-server: second ${signal}: exiting now\n`);
      process.exit(130);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await running.start();
}

/** Every way start-up can fail ends here: a known problem is one line naming it, anything else its stack; exit 1. */
main().catch((err) => {
  const known = err instanceof ConfigError || err instanceof StartupError;
  process.stderr.write(`jsongle-server: ${known ? (err as Error).message : String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
