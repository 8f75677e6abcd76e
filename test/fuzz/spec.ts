/**
 * What protocol.md documents, written down independently of src/ so the fuzz oracle does not
 * share a bug with the server: the error-code table and the action groups.
 */

/** protocol.md § Errors. */
export const SPEC_ERROR_CODES: ReadonlySet<number> = new Set([
  400001, 400002, 400003, 403001, 403002, 403003, 403004, 404001, 404002, 404003, 405001, 408001, 429001, 503001,
]);

/** protocol.md § Relay: call actions (unreachable when alone in a P2P room). */
export const CALL_ACTIONS: ReadonlySet<string> = new Set([
  'session-propose', 'session-info', 'session-retract', 'session-decline', 'session-proceed',
  'session-initiate', 'session-accept', 'transport-info', 'session-terminate',
]);

/** protocol.md § Relay: message actions (404003 when alone in a P2P room). */
export const MESSAGE_ACTIONS: ReadonlySet<string> = new Set(['session-text', 'session-custom', 'session-event']);

export const RELAY_ACTIONS: readonly string[] = [...CALL_ACTIONS, ...MESSAGE_ACTIONS];

/** Defaults the fuzz server runs with (protocol.md): room capacities and the MUC cap per user. */
export const MAX_MEMBERS_P2P = 2;
export const MAX_MEMBERS_MUC = 10;
export const MAX_MUC_PER_USER = 10;
export const MAX_RID_LENGTH = 256;
/** protocol.md § Profile and identifier limits: uid and dn lengths (UTF-16 code units). */
export const MAX_UID_LENGTH = 128;
export const MAX_DN_LENGTH = 256;
/** No C0/C1 control character nor lone surrogate in a uid, dn or rid; no '/' in a uid. */
export const FORBIDDEN_IN_NAMES = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * protocol.md is silent on nesting; the server refuses frames nesting deeper than this (its relay
 * re-encodes with JSON.stringify, which overflows the stack at a few thousand levels) with 400003
 * or 400001. Frames at or under it must be answered as any other frame.
 */
export const MAX_NESTING = 64;
export const NESTING_REFUSAL_CODES: ReadonlySet<number> = new Set([400003, 400001]);
