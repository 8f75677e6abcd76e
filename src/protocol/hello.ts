/** The hello answer's checks, pure: which parameter is wrong, or null when the answer is valid. */
import { badParameter } from './codes.js';
import { DEFAULT_IDENTIFIER_LIMITS, identifierRule, type IdentifierLimits } from './identifiers.js';
import { isPlainObject } from './parse.js';
import type { Envelope, Profile } from './types.js';

/**
 * The 400001 argument for a wrong hello answer (see badParameter): the parameter's name, with the
 * rule it breaks when it is present but not acceptable. null when the answer is valid.
 */
export function helloProblem(
  msg: Envelope, expectedTransaction: string, limits: IdentifierLimits = DEFAULT_IDENTIFIER_LIMITS, uidFromToken = false,
): string | null {
  const j = msg.jsongle;
  if (j.transaction !== expectedTransaction) return 'transaction';
  // With an identity token the uid is its sub: the hello may leave it out (the chart refuses another one, 403005).
  const d = j.description === undefined && uidFromToken ? {} : j.description;
  if (!isPlainObject(d)) return 'uid';
  if (!(uidFromToken && d.uid === undefined)) {
    if (typeof d.uid !== 'string' || d.uid.length === 0) return 'uid';
    const uidRule = identifierRule(d.uid, limits.uidMaxLength, false);
    if (uidRule !== null) return badParameter('uid', uidRule);
  }
  if (d.dn !== undefined) {
    if (typeof d.dn !== 'string') return 'dn';
    const dnRule = identifierRule(d.dn, limits.dnMaxLength, true);
    if (dnRule !== null) return badParameter('dn', dnRule);
  }
  return null;
}
