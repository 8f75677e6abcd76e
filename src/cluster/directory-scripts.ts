/**
 * The user directory (src/users/directory.ts) as atomic Lua scripts: Redis runs one script at a
 * time, so two devices of one uid registering at once on two nodes for the last free slot are
 * decided one after the other, exactly as LocalDirectory decides them in one process.
 *
 * Data model (P = cluster.keyPrefix; scripts.ts documents the rest):
 *   P u:<uid>      hash  connId → nodeId holding it (a uid's devices; Redis drops the key when emptied)
 *   P n:<node>:u   set   connId .. '\n' .. uid: the registrations a node holds (what goes when it dies;
 *                        connection ids are server-made and never hold a newline, so the split is exact)
 *   P gone         list  ids of the nodes removed by a reap or a stop, oldest first, the last GONE_KEPT
 *   P gone:seq     string  how many nodes were ever appended to `gone` (a node's cursor into it)
 *
 * DIRECTORY_LUA is prepended to every script (scripts.ts's PRELUDE includes it) because the reap
 * and the stop remove a node's registrations in the same script that removes its members.
 */

/** Entries of the gone log kept: a node that misses more reaps than this while cut off misses their notices. */
export const GONE_KEPT = 256;

/** Helpers (after scripts.ts's `local P = ARGV[1]`). */
export const DIRECTORY_LUA = `
local function uk(uid) return P .. 'u:' .. uid end
local function nuk(node) return P .. 'n:' .. node .. ':u' end
-- Forgets one registration if \`node\` holds it (a connection another node holds now is left alone).
local function dropDevice(uid, conn, node)
  local k = uk(uid)
  local removed = 0
  if redis.call('HGET', k, conn) == node then removed = redis.call('HDEL', k, conn) end
  redis.call('SREM', nuk(node), conn .. '\\n' .. uid)
  return removed
end
local function splitEntry(e)
  local i = string.find(e, '\\n', 1, true)
  return string.sub(e, 1, i - 1), string.sub(e, i + 1)
end
-- Every registration a node holds goes; returns how many.
local function removeDevices(node)
  local count = 0
  for _, e in ipairs(redis.call('SMEMBERS', nuk(node))) do
    local conn, uid = splitEntry(e)
    if redis.call('HGET', uk(uid), conn) == node then
      redis.call('HDEL', uk(uid), conn)
      count = count + 1
    end
  end
  redis.call('DEL', nuk(node))
  return count
end
-- Appends a removed node to the gone log every live node reads at its heartbeat (redis-cluster.ts).
local function recordGone(node)
  redis.call('INCR', P .. 'gone:seq')
  redis.call('RPUSH', P .. 'gone', node)
  redis.call('LTRIM', P .. 'gone', -${GONE_KEPT}, -1)
end
`;

/** ARGV: P, uid, connId, nodeId, maxDevicesPerUser → the uid's device count (this one included), or 'full'. */
const REGISTER = `
local uid, conn, node, max = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local k = uk(uid)
local held = redis.call('HGET', k, conn)
if held == node then return redis.call('HLEN', k) end
if not held and redis.call('HLEN', k) >= max then return 'full' end
-- Held by another node (a connection id is one node's, so only after drift): this node's now.
if held then redis.call('SREM', nuk(held), conn .. '\\n' .. uid) end
redis.call('HSET', k, conn, node)
redis.call('SADD', nuk(node), conn .. '\\n' .. uid)
return redis.call('HLEN', k)
`;

/** ARGV: P, uid, connId, nodeId → 1 when it was registered here. */
const UNREGISTER = `
return dropDevice(ARGV[2], ARGV[3], ARGV[4])
`;

/** ARGV: P, uid → {connId, nodeId, connId, nodeId, …}. */
const DEVICES = `
return redis.call('HGETALL', uk(ARGV[2]))
`;

/**
 * Makes Redis hold exactly this node's registrations (after start, an outage, a Redis restart or
 * being reaped while alive): what Redis has and the node no longer has goes, what the node has and
 * Redis lost comes back. Not checked against maxDevicesPerUser: these connections were admitted
 * under it; devices registered elsewhere while this node was cut off may leave a uid above it
 * until some unregister (bounded by what this node held).
 * ARGV: P, nodeId, JSON [[uid, connId], …] → registrations kept.
 */
const RESYNC = `
local node = ARGV[2]
local want = {}
for _, e in ipairs(cjson.decode(ARGV[3])) do want[e[2] .. '\\n' .. e[1]] = e end
for _, m in ipairs(redis.call('SMEMBERS', nuk(node))) do
  if not want[m] then
    local conn, uid = splitEntry(m)
    dropDevice(uid, conn, node)
  end
end
local kept = 0
for m, e in pairs(want) do
  local held = redis.call('HGET', uk(e[1]), e[2])
  if held and held ~= node then redis.call('SREM', nuk(held), m) end
  redis.call('HSET', uk(e[1]), e[2], node)
  redis.call('SADD', nuk(node), m)
  kept = kept + 1
end
return kept
`;

/**
 * The nodes removed since a node's cursor into the gone log. ARGV: P, cursor (-1: none yet) →
 * {seq, node, …}: the new cursor, then the nodes appended after the old one (none for -1: a node
 * starting does not hear of the nodes gone before it). A cursor above seq means Redis lost its data:
 * everything in the log since is new.
 */
const GONE_SINCE = `
local seq = tonumber(redis.call('GET', P .. 'gone:seq')) or 0
local cursor = tonumber(ARGV[2])
local out = {seq}
if cursor < 0 then return out end
local n = seq - cursor
if cursor > seq then n = seq end
if n <= 0 then return out end
for _, node in ipairs(redis.call('LRANGE', P .. 'gone', -n, -1)) do table.insert(out, node) end
return out
`;

/** The directory's scripts; scripts.ts prepends its PRELUDE (which holds DIRECTORY_LUA) to each. */
export const DIRECTORY_SCRIPTS = {
  jsongleRegister: REGISTER,
  jsongleUnregister: UNREGISTER,
  jsongleDevices: DEVICES,
  jsongleDirectoryResync: RESYNC,
  jsongleGoneSince: GONE_SINCE,
} as const;
