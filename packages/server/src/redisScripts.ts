import { createHash } from "node:crypto";

/**
 * The Redis broker's Lua scripts. Every operation is one script, so it runs atomically against
 * every other broker instance sharing the Redis: ids and seqs are assigned, stored, trimmed and
 * announced in one step, and never skip or repeat.
 *
 * Keys, under the broker's prefix:
 * - `meta`: a hash `{ epoch, seq }`. Its presence marks an unbroken incarnation of the data;
 *   `seq` is the last seq given out.
 * - `channel:<name>`: one stream per channel, entries `<id>-0` with fields `seq`, `prev`,
 *   `prevSeq`, `data` (see `StoredMessage`), trimmed with `MAXLEN ~`. Its name is also the pub/sub
 *   channel that announces new entries.
 *
 * There is no merged log of the whole stream: a global log capped at N entries would let a busy
 * channel push a quiet one's records out and report false gaps, or would have to grow with the
 * number of channels. Each entry carries its `seq` and the `seq` of the channel's message before
 * it instead, so `replayStream` reads just the channels asked for, merges them by `seq`, and
 * proves each channel complete from its own links — exact, and bounded by per-channel history.
 */
export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

const PRELUDE = `
-- Lua numbers are doubles: exact below 2^53, which ids and seqs stay under (microseconds since
-- 1970 reach it in the year 2255), but tostring keeps only 14 digits.
local function whole(n) return string.format('%.0f', n) end

local function field(list, name)
  for i = 1, #list, 2 do
    if list[i] == name then return list[i + 1] end
  end
  return false
end

local function idOf(entryId) return tonumber(string.match(entryId, '^%d+')) end

-- The meta hash is gone after FLUSHALL or a restart without persistence, and behind what a
-- broker has already seen after a restore of an older snapshot. Either way numbering starts over
-- above the clock (microseconds, as the memory broker's epoch) and above the caller's floor, so
-- an id or seq a client still holds can never name a different message: it gets a gap instead.
local function seed(meta, floor)
  local state = redis.call('HMGET', meta, 'epoch', 'seq')
  local epoch, seq = tonumber(state[1]), tonumber(state[2])
  if epoch and seq and seq >= floor then return epoch, seq end
  local now = redis.call('TIME')
  epoch = math.max(tonumber(now[1]) * 1000000 + tonumber(now[2]), floor)
  redis.call('HSET', meta, 'epoch', whole(epoch), 'seq', whole(epoch))
  return epoch, epoch
end

-- Where a channel stands in this incarnation: its newest id and seq, or the point its first
-- message will follow (the epoch, like a quiet channel of the memory broker).
local function head(key, epoch, seq)
  if redis.call('EXISTS', key) == 0 then return epoch, epoch end
  local info = redis.call('XINFO', 'STREAM', key)
  local generated = idOf(field(info, 'last-generated-id'))
  local last = field(info, 'last-entry')
  if last and idOf(last[1]) == generated then
    local lastSeq = tonumber(field(last[2], 'seq'))
    if lastSeq > epoch then return generated, lastSeq end
  end
  -- A stream of an earlier incarnation starts over at the epoch; one whose newest entries were
  -- deleted by hand continues after them, with anything before now counted as a possible gap.
  if generated > epoch then return generated, seq end
  return epoch, epoch
end
`;

/** A script with the SHA-1 that `EVALSHA` names it by. */
export function redisScript(source: string): RedisScript {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

function script(body: string): RedisScript {
  return redisScript(`${PRELUDE}\n${body}`);
}

/** KEYS: meta, channel. ARGV: floor, history size, encoded data. Returns `{ id, seq }`. */
export const PUBLISH = script(`
local epoch, seq = seed(KEYS[1], tonumber(ARGV[1]))
local prev, prevSeq = head(KEYS[2], epoch, seq)
local id, nextSeq = whole(prev + 1), whole(seq + 1)
redis.call('HSET', KEYS[1], 'seq', nextSeq)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], id .. '-0',
  'seq', nextSeq, 'prev', whole(prev), 'prevSeq', whole(prevSeq), 'data', ARGV[3])
redis.call('PUBLISH', KEYS[2],
  table.concat({ id, nextSeq, whole(prev), whole(prevSeq), ARGV[3] }, '\\n'))
return { id, nextSeq }
`);

/** KEYS: meta, channel. ARGV: floor. Returns the channel's position. */
export const POSITION = script(`
local epoch, seq = seed(KEYS[1], tonumber(ARGV[1]))
local id = head(KEYS[2], epoch, seq)
return whole(id)
`);

/** KEYS: meta. ARGV: floor. Returns the stream's position: the last seq given out. */
export const STREAM_POSITION = script(`
local _, seq = seed(KEYS[1], tonumber(ARGV[1]))
return whole(seq)
`);

/**
 * KEYS: meta, channel. ARGV: floor, resume id (below 2^53). Returns `{ position, entries,
 * positionSeq }`: the channel's position, its entries after the resume id, oldest first, and the
 * seq that goes with the position.
 */
export const REPLAY = script(`
local epoch, seq = seed(KEYS[1], tonumber(ARGV[1]))
local position, positionSeq = head(KEYS[2], epoch, seq)
if tonumber(ARGV[2]) >= position then return { whole(position), {}, whole(positionSeq) } end
return { whole(position), redis.call('XRANGE', KEYS[2], '(' .. ARGV[2] .. '-0', '+'),
  whole(positionSeq) }
`);

/**
 * KEYS: meta, channel… ARGV: floor, resume seq. Returns `{ epoch, seq, entries… }`: per channel,
 * its entries with a greater seq, newest first — or no lists when the resume seq is not of this
 * incarnation.
 */
export const REPLAY_STREAM = script(`
local epoch, seq = seed(KEYS[1], tonumber(ARGV[1]))
local after = tonumber(ARGV[2])
local out = { whole(epoch), whole(seq) }
if after < epoch or after > seq then return out end
for i = 2, #KEYS do
  local found, cursor, done = {}, '+', false
  -- Newest first, a page at a time, down to the first entry at or before the resume point.
  repeat
    local page = redis.call('XREVRANGE', KEYS[i], cursor, '-', 'COUNT', 100)
    done = #page < 100
    for _, entry in ipairs(page) do
      if tonumber(field(entry[2], 'seq')) <= after then
        done = true
        break
      end
      found[#found + 1] = entry
    end
    if #page > 0 then cursor = '(' .. page[#page][1] end
  until done
  out[#out + 1] = found
end
return out
`);
