/**
 * The arbiter of cross-node glare (src/calls/call-bus.ts): the room's live call as one Redis key,
 * set only when free. Two nodes proposing in the same P2P room at once both ask; Redis runs one
 * script at a time, so exactly one sid gets the room and the other node answers its caller busy.
 *
 *   P k:<rid>   string  sid of the room's live cross-node call, with a TTL (cluster.heartbeatTtlMs)
 *
 * The key only has to outlive the race: once the owner's `opened` notice reached the other node,
 * both nodes' mirrors refuse a second propose at the edge. So the TTL is a leak guard (a dead owner's
 * claim goes within the bound its members go), and the owner deletes the key when the call ends so
 * that a new call can start at once. ARGV[1] is the key prefix.
 */

/** ARGV: P, rid, sid, ttlMs → '' when `sid` holds the room now (it did already, or it was free), else the sid that holds it. */
const CLAIM = `
local k = ARGV[1] .. 'k:' .. ARGV[2]
local v = redis.call('GET', k)
if v and v ~= ARGV[3] then return v end
redis.call('SET', k, ARGV[3], 'PX', tonumber(ARGV[4]))
return ''
`;

/** ARGV: P, rid, sid → 1 when this sid's claim was removed (a later claim of another sid is kept). */
const RELEASE = `
local k = ARGV[1] .. 'k:' .. ARGV[2]
if redis.call('GET', k) == ARGV[3] then return redis.call('DEL', k) end
return 0
`;

export const CALL_SCRIPTS = {
  jsongleCallClaim: CLAIM,
  jsongleCallRelease: RELEASE,
} as const;
