/**
 * Rules for what a client names itself and its rooms: `uid` and `dn` (the hello's profile) and
 * `rid`. Every profile is re-sent to every member on each join/leave and in member lists, and the
 * uid is in the `from` of every MUC relay, so unbounded values turn one small frame into a large
 * fan-out (measured: a 60 000-character dn amplified 2 940x). The limits bound that fan-out.
 */

/** Limits in UTF-16 code units (JavaScript's String.length: an emoji counts 2), from config `limits`. */
export interface IdentifierLimits {
  readonly uidMaxLength: number;
  readonly dnMaxLength: number;
  readonly ridMaxLength: number;
}

/** The schema's defaults, for callers (and tests) without a config at hand. */
export const DEFAULT_IDENTIFIER_LIMITS: IdentifierLimits = { uidMaxLength: 128, dnMaxLength: 256, ridMaxLength: 256 };

/** C0/C1 controls (newline, NUL, ESC…) and lone surrogates: never part of a name, and they break
 * log lines and terminals, or turn into invalid UTF-8 on the wire. */
const FORBIDDEN_CHARACTER = /[\p{Cc}\p{Cs}]/u;

/**
 * Why `value`, a string, breaks the rules of an identifier of at most `max` characters, or null.
 * `slashAllowed` is false for uid: a MUC relay's `from` is `<rid>/<uid>`, so with no `/` in the
 * uid, splitting at the last `/` always gives back the rid and the uid.
 */
export function identifierRule(value: string, max: number, slashAllowed: boolean): string | null {
  if (value.length > max) return `must be at most ${max} characters`;
  if (FORBIDDEN_CHARACTER.test(value)) return 'must not contain control characters';
  if (!slashAllowed && value.includes('/')) return "must not contain '/'";
  return null;
}
