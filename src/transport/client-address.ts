/**
 * The address an upgrade is limited and logged under. Without trustProxy it is the TCP peer. With
 * it, the address the proxy saw: the last X-Forwarded-For entry (the one the proxy appended;
 * earlier entries come from the client and can be anything), else X-Real-IP, else the peer.
 * A value that is not an IP address is ignored, so a header cannot invent keys for the limiters.
 */
import { isIP } from 'node:net';

export function clientAddress(peer: string, forwardedFor: string, realIp: string, trustProxy: boolean): string {
  if (!trustProxy) return peer;
  const last = forwardedFor.slice(forwardedFor.lastIndexOf(',') + 1).trim();
  if (last !== '' && isIP(last) !== 0) return last;
  const real = realIp.trim();
  if (real !== '' && isIP(real) !== 0) return real;
  return peer;
}
