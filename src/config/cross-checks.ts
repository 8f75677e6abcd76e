/** Settings that are only wrong together (convict checks each key alone): loadConfig runs these after it. */
import type { Config } from './types.js';

/** Problems with the cluster settings, one line each (empty: fine). */
export function clusterConfigProblems(config: Pick<Config, 'cluster' | 'wsPort'>): string[] {
  const c = config.cluster;
  const out: string[] = [];
  if (c.workers > 1 && c.engine !== 'redis') {
    out.push('cluster.workers > 1 needs cluster.engine "redis": rooms would not span the worker processes');
  }
  if (c.workers > 1 && config.wsPort === 0) out.push('cluster.workers > 1 needs a fixed wsPort (0 would give each worker its own port)');
  if (c.engine === 'redis' && c.heartbeatTtlMs < 2 * c.heartbeatIntervalMs) {
    out.push('cluster.heartbeatTtlMs must be at least twice cluster.heartbeatIntervalMs (one late beat must not kill a node)');
  }
  return out;
}

/** Problems with the identity-token and ICE settings, one line each (empty: fine). */
export function authConfigProblems(config: Pick<Config, 'auth' | 'turn'>): string[] {
  const out: string[] = [];
  if (config.auth.jwtSecret !== '' && config.auth.jwtPublicKeyFile !== '') {
    out.push('auth.jwtSecret and auth.jwtPublicKeyFile exclude each other: one key verifies the tokens');
  }
  if (config.turn.secret !== '' && config.turn.uris.length === 0) out.push('turn.secret needs turn.uris (where the credentials are for)');
  if (config.turn.secret === '' && config.turn.uris.length > 0) out.push('turn.uris needs turn.secret (coturn static-auth-secret) to make credentials');
  return out;
}
