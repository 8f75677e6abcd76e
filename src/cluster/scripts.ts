/**
 * Room membership as atomic Lua scripts: Redis runs one script at a time, so ten joins racing for
 * a two-seat room from three nodes are decided one after the other, exactly as the single
 * process's supervisor decides them.
 *
 * Data model (P = cluster.keyPrefix):
 *   P r:<rid>:meta   hash  kind, seq (join counter: the order of members)
 *   P r:<rid>:m      hash  connId → member record {"s":seq,"id":connId,"n":nodeId,"p":profile}
 *   P r:<rid>:n      hash  nodeId → members that node holds in the room (who gets notices)
 *   P c:<connId>     hash  rid → kind (the MUC limit, and everything a connection leaves at once)
 *   P n:<node>:c     set   connection ids a node holds (what is removed when it dies)
 *   P nodes          set   registered nodes
 *   P deadlines      hash  nodeId → heartbeat deadline, in heard time (below)
 *   P clock          hash  t: Redis TIME (ms) of the last heartbeat or reap any node ran;
 *                          v: heard time (ms), the clock deadlines are judged by
 *   P k:<rid>        string  sid of the room's live cross-node call (call-scripts.ts: the glare arbiter)
 *   P u:<uid>, P n:<node>:u, P gone, P gone:seq   the user directory and the log of removed nodes
 *                          (directory-scripts.ts): a dead or stopped node's registrations go with its members
 *
 * Heard time is Redis-side time with the silences cut out: between two heartbeat/reap scripts it
 * advances by the Redis TIME elapsed, but by at most one heartbeat interval. Live nodes run those
 * scripts every interval, so a longer gap means no node got through to Redis (Redis frozen,
 * stopped or unreachable for everyone): that time is nobody's fault and must not count toward
 * anyone's death. A freeze of any length costs each node at most one interval of its TTL; a node
 * that alone cannot reach Redis while the others can is judged in full time and reaped after TTL.
 *
 * A script that changes a room PUBLISHes a notice ('m' + JSON) to the node channel of every other
 * node holding the room, and the result of a join/leave/resync to the requesting node's own
 * channel: each node then learns every change in the one order Redis executed them (one
 * subscriber connection), so its mirror never applies a stale snapshot after a newer change.
 * Notice types: J/L own join/leave result, j/l another node's join/leave, x/y removed/added by
 * a crash clean-up or a resync (the receiving node announces left/joined itself), R own resync;
 * a connection moved to another node by a resume (MOVE): M to the old node, V to the new, v to the others.
 */

import { CALL_SCRIPTS } from './call-scripts.js';
import { DIRECTORY_LUA, DIRECTORY_SCRIPTS } from './directory-scripts.js';

/** Helpers shared by every script (prepended). ARGV[1] is always the key prefix. */
const PRELUDE = `
local P = ARGV[1]
${DIRECTORY_LUA}
local function rk(rid, s) return P .. 'r:' .. rid .. ':' .. s end
local function notice(t, rid, kind, rec)
  return 'm{"t":"' .. t .. '","rid":' .. cjson.encode(rid) .. ',"kind":' .. cjson.encode(kind) .. ',"m":' .. rec .. '}'
end
local function toHolders(rid, exceptNode, payload)
  for _, n in ipairs(redis.call('HKEYS', rk(rid, 'n'))) do
    if n ~= exceptNode then redis.call('PUBLISH', P .. 'n:' .. n, payload) end
  end
end
-- Removes one membership; returns the member record, or false when it was not there.
local function removeMember(rid, conn, node)
  local mk = rk(rid, 'm')
  local rec = redis.call('HGET', mk, conn)
  if not rec then return false end
  redis.call('HDEL', mk, conn)
  local ck = P .. 'c:' .. conn
  redis.call('HDEL', ck, rid)
  if redis.call('HLEN', ck) == 0 then redis.call('SREM', P .. 'n:' .. node .. ':c', conn) end
  if redis.call('HINCRBY', rk(rid, 'n'), node, -1) <= 0 then redis.call('HDEL', rk(rid, 'n'), node) end
  if redis.call('HLEN', mk) == 0 then redis.call('DEL', mk, rk(rid, 'n'), rk(rid, 'meta')) end
  return rec
end
local function addMember(rid, kind, conn, node, profile)
  local meta = rk(rid, 'meta')
  if redis.call('HSETNX', meta, 'kind', kind) == 0 and redis.call('HGET', meta, 'kind') ~= kind then return false end
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  local rec = '{"s":' .. seq .. ',"id":' .. cjson.encode(conn) .. ',"n":' .. cjson.encode(node) .. ',"p":' .. profile .. '}'
  redis.call('HSET', rk(rid, 'm'), conn, rec)
  redis.call('HSET', P .. 'c:' .. conn, rid, kind)
  redis.call('SADD', P .. 'n:' .. node .. ':c', conn)
  redis.call('HINCRBY', rk(rid, 'n'), node, 1)
  return rec
end
-- Removes every membership a node holds, announcing each to the other holders (x), and its
-- registrations (every live node hears of it through the gone log); returns the members removed.
local function removeNode(node)
  local count = 0
  for _, conn in ipairs(redis.call('SMEMBERS', P .. 'n:' .. node .. ':c')) do
    for _, rid in ipairs(redis.call('HKEYS', P .. 'c:' .. conn)) do
      local kind = redis.call('HGET', rk(rid, 'meta'), 'kind') or 'room'
      local rec = removeMember(rid, conn, node)
      if rec then
        toHolders(rid, node, notice('x', rid, kind, rec))
        count = count + 1
      end
    end
    redis.call('DEL', P .. 'c:' .. conn)
  end
  redis.call('DEL', P .. 'n:' .. node .. ':c')
  removeDevices(node)
  -- Told once per removal: a node stopping after it was reaped (and before it wrote itself back) is not gone twice.
  if redis.call('SREM', P .. 'nodes', node) == 1 then recordGone(node) end
  redis.call('HDEL', P .. 'deadlines', node)
  return count
end
-- Heard time now (see the data model), advancing the clock by the Redis time since the last call,
-- capped at maxStep (the heartbeat interval): a silence longer than that is cut out.
local function heard(maxStep)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local ck = P .. 'clock'
  local last = tonumber(redis.call('HGET', ck, 't'))
  local v = tonumber(redis.call('HGET', ck, 'v')) or 0
  -- A clock set backwards (last > now) advances nothing.
  if last and now > last then v = v + math.min(now - last, maxStep) end
  redis.call('HSET', ck, 't', string.format('%d', now), 'v', string.format('%d', v))
  return v
end
-- Heard time as last advanced, without advancing it (scripts that do not run every interval).
local function heardNow()
  return tonumber(redis.call('HGET', P .. 'clock', 'v')) or 0
end
local function setDeadline(node, v, ttl)
  redis.call('HSET', P .. 'deadlines', node, string.format('%d', v + ttl))
end
`;

/** ARGV: P, rid, kind, connId, nodeId, profileJson, capacity, maxMultiRooms, requestId → verdict. */
const JOIN = `
local rid, kind, conn, node, profile = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local capacity, maxMulti, req = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
local mk = rk(rid, 'm')
local existing = redis.call('HGET', rk(rid, 'meta'), 'kind')
if existing and existing ~= kind then return 'kindConflict' end
if redis.call('HEXISTS', mk, conn) == 1 then return 'alreadyMember' end
if redis.call('HLEN', mk) >= capacity then return 'full' end
if kind == 'muc' then
  local n = 0
  for _, k in ipairs(redis.call('HVALS', P .. 'c:' .. conn)) do
    if k == 'muc' then n = n + 1 end
  end
  if n >= maxMulti then return 'tooManyMultiRooms' end
end
local rec = addMember(rid, kind, conn, node, profile)
toHolders(rid, node, notice('j', rid, kind, rec))
redis.call('PUBLISH', P .. 'n:' .. node, 'm{"t":"J","req":' .. cjson.encode(req) .. ',"rid":' .. cjson.encode(rid) ..
  ',"kind":' .. cjson.encode(kind) .. ',"m":' .. rec .. ',"all":[' .. table.concat(redis.call('HVALS', mk), ',') .. ']}')
return 'joined'
`;

/** ARGV: P, rid, connId, nodeId, requestId → {'left', kind} | {'notMember'}. */
const LEAVE = `
local rid, conn, node, req = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local kind = redis.call('HGET', rk(rid, 'meta'), 'kind')
local rec = removeMember(rid, conn, node)
if not rec then return {'notMember'} end
toHolders(rid, node, notice('l', rid, kind, rec))
redis.call('PUBLISH', P .. 'n:' .. node, 'm{"t":"L","req":' .. cjson.encode(req) .. ',"rid":' .. cjson.encode(rid) ..
  ',"kind":' .. cjson.encode(kind) .. ',"m":' .. rec .. '}')
return {'left', kind}
`;

/** A connection closed (its node already updated its mirror). ARGV: P, connId, nodeId → rooms left. */
const LEAVE_ALL = `
local conn, node = ARGV[2], ARGV[3]
local count = 0
for _, rid in ipairs(redis.call('HKEYS', P .. 'c:' .. conn)) do
  local kind = redis.call('HGET', rk(rid, 'meta'), 'kind') or 'room'
  local rec = removeMember(rid, conn, node)
  if rec then
    toHolders(rid, node, notice('l', rid, kind, rec))
    count = count + 1
  end
end
redis.call('DEL', P .. 'c:' .. conn)
redis.call('SREM', P .. 'n:' .. node .. ':c', conn)
return count
`;

/** ARGV: P, nodeId, ttlMs, intervalMs → 1 when the node was not registered (first beat, reaped, or Redis lost its data). */
const HEARTBEAT = `
setDeadline(ARGV[2], heard(tonumber(ARGV[4])), tonumber(ARGV[3]))
return redis.call('SADD', P .. 'nodes', ARGV[2])
`;

/** Removes the members of every registered node whose deadline passed (in heard time). Once: the
 * node leaves the registry in the same script. ARGV: P, ttlMs, intervalMs → {node, members removed, …}. */
const REAP = `
local v = heard(tonumber(ARGV[3]))
local out = {}
for _, n in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  local d = tonumber(redis.call('HGET', P .. 'deadlines', n))
  -- Registered without a deadline (written by an older version): it gets a TTL to beat, not death.
  if not d then setDeadline(n, v, tonumber(ARGV[2]))
  elseif d < v then
    local count = removeNode(n)
    table.insert(out, n)
    table.insert(out, count)
  end
end
return out
`;

/** A node stops: whatever it still holds is removed and announced. ARGV: P, nodeId → members removed. */
const STOP = `
local count = removeNode(ARGV[2])
-- The last node out takes the clock with it: a cluster started later begins a fresh one.
if redis.call('SCARD', P .. 'nodes') == 0 then redis.call('DEL', P .. 'clock', P .. 'deadlines') end
return count
`;

/**
 * Makes Redis hold exactly this node's memberships (after start, an outage, a Redis restart or
 * being reaped while alive): what Redis has and the node no longer has is removed (x), what the
 * node has and Redis lost is added back (y), then the rooms' full member lists go to the node (R).
 * ARGV: P, nodeId, ttlMs, requestId, JSON [[rid, kind, connId, profileJson], …] → entries kept.
 */
const RESYNC = `
local node, req = ARGV[2], ARGV[4]
setDeadline(node, heardNow(), tonumber(ARGV[3]))
redis.call('SADD', P .. 'nodes', node)
local entries = cjson.decode(ARGV[5])
local want = {}
for _, e in ipairs(entries) do want[e[3] .. '\\n' .. e[1]] = true end
for _, conn in ipairs(redis.call('SMEMBERS', P .. 'n:' .. node .. ':c')) do
  for _, rid in ipairs(redis.call('HKEYS', P .. 'c:' .. conn)) do
    if not want[conn .. '\\n' .. rid] then
      local kind = redis.call('HGET', rk(rid, 'meta'), 'kind') or 'room'
      local rec = removeMember(rid, conn, node)
      if rec then toHolders(rid, node, notice('x', rid, kind, rec)) end
    end
  end
end
local rooms, kept = {}, 0
for _, e in ipairs(entries) do
  local rid, kind, conn = e[1], e[2], e[3]
  local rec = redis.call('HGET', rk(rid, 'm'), conn)
  if not rec then
    rec = addMember(rid, kind, conn, node, e[4])
    if rec then toHolders(rid, node, notice('y', rid, kind, rec)) end
  end
  if rec then
    rooms[rid] = kind
    kept = kept + 1
  end
end
local parts = {}
for rid, kind in pairs(rooms) do
  table.insert(parts, '[' .. cjson.encode(rid) .. ',' .. cjson.encode(kind) .. ',[' .. table.concat(redis.call('HVALS', rk(rid, 'm')), ',') .. ']]')
end
redis.call('PUBLISH', P .. 'n:' .. node, 'm{"t":"R","req":' .. cjson.encode(req) .. ',"rooms":[' .. table.concat(parts, ',') .. ']}')
return kept
`;


/**
 * Resume across nodes: a connection's memberships move from one node to another in one step, every
 * record keeping its join order (seq) and profile, only its node changing. The old node gets M (its
 * own result: it hands the session over on reading it), the new node V (each room with its full
 * member list: it may not hold the room yet), every other holder v (a change of Member.node, no
 * joined/left). ARGV: P, connId, fromNode, toNode, requestId → rooms moved.
 */
const MOVE = `
local conn, from, to, req = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local ck = P .. 'c:' .. conn
local mine, theirs, count = {}, {}, 0
local oldN = ',"n":' .. cjson.encode(from) .. ',"p":'
local newN = ',"n":' .. cjson.encode(to) .. ',"p":'
for _, rid in ipairs(redis.call('HKEYS', ck)) do
  local mk = rk(rid, 'm')
  local rec = redis.call('HGET', mk, conn)
  local i, j = nil, nil
  if rec then i, j = string.find(rec, oldN, 1, true) end
  if i then
    local kind = redis.call('HGET', rk(rid, 'meta'), 'kind') or 'room'
    local holders = redis.call('HKEYS', rk(rid, 'n'))
    local moved = string.sub(rec, 1, i - 1) .. newN .. string.sub(rec, j + 1)
    redis.call('HSET', mk, conn, moved)
    if redis.call('HINCRBY', rk(rid, 'n'), from, -1) <= 0 then redis.call('HDEL', rk(rid, 'n'), from) end
    redis.call('HINCRBY', rk(rid, 'n'), to, 1)
    for _, n in ipairs(holders) do
      if n ~= from and n ~= to then redis.call('PUBLISH', P .. 'n:' .. n, notice('v', rid, kind, moved)) end
    end
    table.insert(mine, '[' .. cjson.encode(rid) .. ',' .. cjson.encode(kind) .. ',' .. moved .. ']')
    table.insert(theirs, '[' .. cjson.encode(rid) .. ',' .. cjson.encode(kind) .. ',' .. moved .. ',[' .. table.concat(redis.call('HVALS', mk), ',') .. ']]')
    count = count + 1
  end
end
redis.call('SREM', P .. 'n:' .. from .. ':c', conn)
if count > 0 then redis.call('SADD', P .. 'n:' .. to .. ':c', conn) end
local head = '"req":' .. cjson.encode(req) .. ',"id":' .. cjson.encode(conn) .. ',"from":' .. cjson.encode(from) .. ',"to":' .. cjson.encode(to) .. ',"rooms":['
redis.call('PUBLISH', P .. 'n:' .. from, 'm{"t":"M",' .. head .. table.concat(mine, ',') .. ']}')
redis.call('PUBLISH', P .. 'n:' .. to, 'm{"t":"V",' .. head .. table.concat(theirs, ',') .. ']}')
return count
`;

export const SCRIPTS = {
  // --- calls: the cross-node glare arbiter (call-scripts.ts) ---
  ...CALL_SCRIPTS,
  jsongleJoin: PRELUDE + JOIN,
  jsongleLeave: PRELUDE + LEAVE,
  jsongleLeaveAll: PRELUDE + LEAVE_ALL,
  jsongleHeartbeat: PRELUDE + HEARTBEAT,
  jsongleReap: PRELUDE + REAP,
  jsongleStop: PRELUDE + STOP,
  jsongleResync: PRELUDE + RESYNC,
  // --- users: the directory (directory-scripts.ts) ---
  jsongleRegister: PRELUDE + DIRECTORY_SCRIPTS.jsongleRegister,
  jsongleUnregister: PRELUDE + DIRECTORY_SCRIPTS.jsongleUnregister,
  jsongleDevices: PRELUDE + DIRECTORY_SCRIPTS.jsongleDevices,
  jsongleDirectoryResync: PRELUDE + DIRECTORY_SCRIPTS.jsongleDirectoryResync,
  jsongleGoneSince: PRELUDE + DIRECTORY_SCRIPTS.jsongleGoneSince,
  // --- resume across nodes (src/cluster/resume-handover.ts) ---
  jsongleMove: PRELUDE + MOVE,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
