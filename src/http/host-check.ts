/**
 * DNS-rebinding defence of the monitoring port: a browser tricked into sending requests to this
 * port under an attacker's host name still sends that name in `Host`, so only expected names are
 * answered. Allowed: any IP literal (rebinding needs a name: an IP in Host means the client typed
 * it), `localhost`, the configured restHost, and the names listed in restAllowedHosts ("*" turns
 * the check off). A request without Host (HTTP/1.0, not a browser) is allowed.
 */
import { isIP } from 'node:net';

export interface HostPolicy {
  readonly any: boolean;
  readonly names: ReadonlySet<string>;
}

const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '']);

export function hostPolicy(restHost: string, restAllowedHosts: string): HostPolicy {
  const listed = restAllowedHosts.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  const names = new Set(['localhost', ...listed]);
  if (!WILDCARD_BINDS.has(restHost)) names.add(restHost.toLowerCase());
  return { any: listed.includes('*'), names };
}

/** The host name of a Host header value: without the port, IPv6 brackets removed, lower case. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(1, end);
  }
  const colon = h.indexOf(':');
  // More than one colon without brackets: a bare IPv6 address (not valid in Host, but unambiguous).
  if (colon >= 0 && h.indexOf(':', colon + 1) < 0) return h.slice(0, colon);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

export function hostAllowed(header: string | undefined, policy: HostPolicy): boolean {
  if (policy.any || header === undefined || header === '') return true;
  const name = hostName(header);
  return isIP(name) !== 0 || policy.names.has(name);
}
