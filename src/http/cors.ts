/**
 * CORS for the monitoring port, from config.corsPolicyOrigin: empty or "*" lets any page read it;
 * otherwise a comma-separated allow-list, and only a listed Origin is echoed back (browsers then
 * refuse the answer to any other page).
 */
export function allowedOrigin(policy: string, requestOrigin: string): string | null {
  const p = policy.trim();
  if (p === '' || p === '*') return '*';
  if (!requestOrigin) return null;
  for (const entry of p.split(',')) {
    const allowed = entry.trim();
    if (allowed === '*' || allowed === requestOrigin) return requestOrigin;
  }
  return null;
}

/** Headers every answer carries. `Vary: Origin` whenever the answer depends on the Origin. */
export function corsHeaders(policy: string, requestOrigin: string): Record<string, string> {
  const origin = allowedOrigin(policy, requestOrigin);
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
