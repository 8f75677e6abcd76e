/**
 * CORS for the monitoring port, from config.corsPolicyOrigin: empty or "*" lets any page read it;
 * otherwise a comma-separated allow-list, and only a listed Origin is echoed back (browsers then
 * refuse the answer to any other page).
 *
 * State-changing requests (PUT, POST, DELETE, PATCH) are stricter: "*" never applies to them,
 * only an Origin listed by name is allowed. With the default (empty) policy no web page may
 * change the server's state, so a page a logged-in operator visits cannot PUT /logs/levels.
 */
export type CorsMode = 'read' | 'write';

const STATE_CHANGING = new Set(['PUT', 'POST', 'DELETE', 'PATCH']);

export function isStateChanging(method: string): boolean {
  return STATE_CHANGING.has(method.toUpperCase());
}

export function allowedOrigin(policy: string, requestOrigin: string, mode: CorsMode = 'read'): string | null {
  const p = policy.trim();
  if (mode === 'read' && (p === '' || p === '*')) return '*';
  if (!requestOrigin) return null;
  for (const entry of p.split(',')) {
    const allowed = entry.trim();
    if (allowed === requestOrigin || (mode === 'read' && allowed === '*')) return requestOrigin;
  }
  return null;
}

/** Headers every answer carries. `Vary: Origin` whenever the answer depends on the Origin. */
export function corsHeaders(policy: string, requestOrigin: string, mode: CorsMode = 'read'): Record<string, string> {
  const origin = allowedOrigin(policy, requestOrigin, mode);
  if (origin === null) return { Vary: 'Origin' };
  if (origin === '*') return { 'Access-Control-Allow-Origin': '*' };
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

/** Extra headers of an OPTIONS preflight answer for a known path. */
export function preflightHeaders(methods: readonly string[]): Record<string, string> {
  return {
    'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(', '),
    'Access-Control-Allow-Headers': 'Content-Type, Authorization',
    'Access-Control-Max-Age': '600',
  };
}
