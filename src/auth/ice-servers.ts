/**
 * ICE servers handed to clients (users-calls-sessions.md §5): TURN credentials in coturn's
 * `use-auth-secret` form (the "TURN REST API" of draft-uberti-behave-turn-rest): the username is
 * `<unix expiry>:<uid>` and the password base64(HMAC-SHA1(secret, username)), so coturn checks them
 * with the shared secret alone, no user database, and they stop working at the expiry.
 */
import { createHmac } from 'node:crypto';
import type { Config } from '../config/types.js';

/** One entry of RTCConfiguration.iceServers. */
export interface IceServer {
  urls: readonly string[];
  username?: string;
  credential?: string;
}

export interface TurnCredentials {
  username: string;
  credential: string;
}

/** coturn's formula: valid until `nowMs / 1000 + ttlSec`. */
export function turnCredentials(secret: string, uid: string, ttlSec: number, nowMs: number): TurnCredentials {
  const username = `${Math.floor(nowMs / 1000) + ttlSec}:${uid}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** The list for `new RTCPeerConnection({ iceServers })`, or null when neither TURN nor STUN is configured. */
export function iceServersFor(config: Pick<Config, 'turn' | 'stun'>, uid: string, nowMs: number): IceServer[] | null {
  const out: IceServer[] = [];
  if (config.turn.secret !== '' && config.turn.uris.length > 0) {
    out.push({ urls: config.turn.uris, ...turnCredentials(config.turn.secret, uid, config.turn.ttlSec, nowMs) });
  }
  if (config.stun.uris.length > 0) out.push({ urls: config.stun.uris });
  return out.length > 0 ? out : null;
}
