/** The hello answer's checks, pure: which parameter is wrong, or null when the answer is valid. */
import { isPlainObject } from './parse.js';
import type { Envelope, Profile } from './types.js';

export function helloProblem(msg: Envelope, expectedTransaction: string): string | null {
  const j = msg.jsongle;
  if (j.transaction !== expectedTransaction) return 'transaction';
  const d = j.description;
  if (!isPlainObject(d)) return 'uid';
  if (typeof d.uid !== 'string' || d.uid.length === 0) return 'uid';
  if (d.dn !== undefined && typeof d.dn !== 'string') return 'dn';
  return null;
}

/** Only uid and dn are kept: nothing else a client sends reaches other members. */
export function profileOf(msg: Envelope): Profile {
  const d = msg.jsongle.description as { uid: string; dn?: string };
  return d.dn === undefined ? { uid: d.uid } : { uid: d.uid, dn: d.dn };
}
