import { type RedisScript, redisScript } from "./redisScripts.js";

/**
 * The Redis presence store's Lua scripts: each change is one script, atomic against every
 * instance sharing the Redis. Keys of a channel, under the broker's prefix:
 * - `presence:<channel>`: a hash, member id → `<holder>\n<member as JSON>`. Its name is also the
 *   pub/sub channel that announces changes, as `<version>\n<J|L>\n<member JSON | id>`.
 * - `presence-expiry:<channel>`: a sorted set, member id → when it expires (ms, Redis's clock).
 *   The instance holding a member's connection refreshes it; one that died stops, and whichever
 *   instance sweeps next removes and announces it.
 * - `presence-version:<channel>`: a counter of changes, so a watcher knows it missed none; a
 *   version that does not follow on (pub/sub lost a note, Redis lost the counter) means read the
 *   members again.
 * Every key lives for four TTLs after the last write, so a channel nobody is in costs nothing.
 */
const PRELUDE = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function holderOf(record) return string.match(record, '^[^\\n]*') end
local function memberOf(record) return string.sub(record, #holderOf(record) + 2) end

-- A version lost with Redis's data starts again above every version given out before (from the
-- clock, in microseconds, as the broker's epoch), so a watcher can never mistake a new change for
-- one it has seen: it sees a jump, and reads the members again.
local function version()
  local current = redis.call('GET', KEYS[3])
  if current then return current end
  local t = redis.call('TIME')
  current = string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))
  redis.call('SET', KEYS[3], current)
  return current
end

local function announce(kind, payload)
  version()
  -- Lua would print a version this large as 1.76e+15: written out in full, it stays exact.
  local next = string.format('%.0f', redis.call('INCR', KEYS[3]))
  redis.call('PUBLISH', KEYS[1], next .. '\\n' .. kind .. '\\n' .. payload)
end

local function put(id, holder, json, expires)
  redis.call('HSET', KEYS[1], id, holder .. '\\n' .. json)
  redis.call('ZADD', KEYS[2], expires, id)
end

-- Members whose instance stopped refreshing them: each leave is announced once, by whichever
-- instance sweeps first.
local function sweep(now)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
    redis.call('HDEL', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    announce('L', id)
  end
end

local function keep(ttl)
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl * 4) end
end
`;

function script(body: string): RedisScript {
  return redisScript(`${PRELUDE}\n${body}`);
}

/** KEYS: members, expiry, version. ARGV: ttl, id, holder, member JSON. */
export const ENTER = script(`
local now, ttl = nowMs(), tonumber(ARGV[1])
sweep(now)
local before = redis.call('HGET', KEYS[1], ARGV[2])
put(ARGV[2], ARGV[3], ARGV[4], now + ttl)
-- A reconnect with the same data only changes the holder: nobody is told.
if not before or memberOf(before) ~= ARGV[4] then announce('J', ARGV[4]) end
keep(ttl)
return 1
`);

/** KEYS: members, expiry, version. ARGV: id, holder. */
export const LEAVE = script(`
local record = redis.call('HGET', KEYS[1], ARGV[1])
if record and holderOf(record) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  announce('L', ARGV[1])
end
return 1
`);

/**
 * KEYS: members, expiry, version. ARGV: ttl, then id, holder, member JSON for each member this
 * instance holds in the channel. Returns the ids another holder has taken over since: this
 * instance no longer refreshes them.
 */
export const REFRESH = script(`
local now, ttl = nowMs(), tonumber(ARGV[1])
local taken = {}
for i = 2, #ARGV, 3 do
  local id, holder, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local record = redis.call('HGET', KEYS[1], id)
  if not record then
    -- Its connection lives, but the member is gone: Redis lost it, or it expired while this
    -- instance could not reach Redis. It comes back.
    put(id, holder, json, now + ttl)
    announce('J', json)
  elseif holderOf(record) == holder then
    redis.call('ZADD', KEYS[2], now + ttl, id)
  else
    taken[#taken + 1] = id
  end
end
sweep(now)
keep(ttl)
return taken
`);

/** KEYS: members, expiry, version. ARGV: ttl. Returns `{ version, member JSON… }`. */
export const MEMBERS = script(`
sweep(nowMs())
local out = { version() }
keep(tonumber(ARGV[1]))
for _, record in ipairs(redis.call('HVALS', KEYS[1])) do out[#out + 1] = memberOf(record) end
return out
`);
