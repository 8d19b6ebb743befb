/**
 * Backup without a pause: the Lua scripts a backup takes its snapshot with, in short atomic steps. Pure.
 *
 * One `XINFO STREAM … FULL` is a consistent snapshot, but it blocks every other client for as long as it takes to
 * list the whole stream (727 ms on a full bus). Instead:
 * - **The cut**, one step: the stream's last generated ID (the cut), its counters, and each group's position and
 *   consumers, read together; and a hold on retention, a key with a lease, so that no retention or dead-letter step
 *   removes or acknowledges an entry at or before the cut until the backup ends, or its lease runs out if the backup
 *   dies. Nothing else waits for the backup: producers and consumers go on.
 * - **The entries** up to the cut, a page per step; and **each group's pending entries** up to the cut, a page per
 *   step, each step renewing the lease, and failing if it ran out (retention may then have trimmed).
 * - **The release**: the hold goes.
 *
 * What the file holds is the stream at the cut, with each group's position at the cut and its pending entries up to
 * that position as each page reads them: an entry acknowledged after the cut and before its page is read is left
 * out, as if it had been acknowledged before the cut; an entry delivered after the cut is beyond the group's position
 * at the cut, and out too. So every pending
 * entry's payload is in the file, and no group is ahead of the entries. Each step returns JSON, so that `redis-cli`
 * can write its answer to a file as it is.
 */

/** The hold on retention: `<cut> <token>`, with a lease (PX). */
export const BACKUP_HOLD_KEY = "dsm:backup:hold";

/** How long a hold lasts unless a step renews it: a backup that dies holds retention back no longer than this. */
export const BACKUP_LEASE_MS = 30_000;

/** Entries, or pending entries, one page step reads: about a millisecond of the server's time each. */
export const BACKUP_PAGE = 1000;

/** The refusal of a step whose hold is gone: the lease ran out, or another backup took it. */
export const HOLD_LOST = "DSMBACKUP the backup has lost its hold on retention";

/**
 * Each step is flagged allow-oom: a full bus (at maxmemory, every write refused) is the one most worth a backup, and
 * the hold is one small key.
 */

/** Checks the caller's hold and renews it; the cut it holds. Shared by the page steps. */
const HOLD_CHECK = `local held = redis.call('GET', KEYS[2])
if not held or string.sub(held, -(#ARGV[1] + 1)) ~= ' ' .. ARGV[1] then
  return redis.error_reply('${HOLD_LOST} (its lease of ' .. ARGV[2] .. ' ms ran out, or another backup took it): retention may have trimmed entries meanwhile; take the backup again')
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
local cut = string.match(held, '^(%S+)')`;

export const BACKUP_CUT_SCRIPT = `#!lua flags=allow-oom
-- dsm-redis backup, the cut. KEYS: stream, hold. ARGV: token, lease ms.
local stream, hold = KEYS[1], KEYS[2]
local held = redis.call('GET', hold)
if held and string.sub(held, -(#ARGV[1] + 1)) ~= ' ' .. ARGV[1] then
  return redis.error_reply('DSMBACKUP another backup is under way (holding up to ' .. string.match(held, '^(%S+)') .. '); wait for it, or for its lease to run out')
end
if redis.call('EXISTS', stream) == 0 then return cjson.encode({missing = true}) end
local function map(flat)
  local m = {}
  for i = 1, #flat, 2 do m[flat[i]] = flat[i + 1] end
  return m
end
local info = map(redis.call('XINFO', 'STREAM', stream))
local cut = info['last-generated-id']
redis.call('SET', hold, cut .. ' ' .. ARGV[1], 'PX', ARGV[2])
local groups = {}
for _, raw in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
  local g = map(raw)
  local consumers = {}
  for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', stream, g['name'])) do
    consumers[#consumers + 1] = map(c)['name']
  end
  groups[#groups + 1] = {
    name = g['name'],
    lastDeliveredId = g['last-delivered-id'],
    -- Nil (false here) when the server does not know it.
    entriesRead = g['entries-read'] or cjson.null,
    consumers = consumers,
  }
end
return cjson.encode({
  cut = cut,
  entriesAdded = info['entries-added'],
  maxDeletedEntryId = info['max-deleted-entry-id'],
  groups = groups,
})
`;

export const BACKUP_ENTRIES_SCRIPT = `#!lua flags=allow-oom
-- dsm-redis backup, a page of entries. KEYS: stream, hold. ARGV: token, lease ms, after ('-': from the start), count.
${HOLD_CHECK}
local start = ARGV[3] == '-' and '-' or ('(' .. ARGV[3])
return cjson.encode(redis.call('XRANGE', KEYS[1], start, cut, 'COUNT', ARGV[4]))
`;

export const BACKUP_PENDING_SCRIPT = `#!lua flags=allow-oom
-- dsm-redis backup, a page of a group's pending entries. KEYS: stream, hold.
-- ARGV: token, lease ms, group, after ('-': from the start), count, the group's position at the cut.
${HOLD_CHECK}
local start = ARGV[4] == '-' and '-' or ('(' .. ARGV[4])
-- Up to the group's position at the cut, not the cut: an entry it was delivered after the cut is not pending at it.
local ok, rows = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[3], start, ARGV[6], ARGV[5])
-- A group destroyed after the cut: the file keeps it as it was at the cut, without pending entries.
if not ok then return cjson.encode({}) end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local page = {}
for i, row in ipairs(rows) do
  -- ID, consumer, when last delivered (ms since the epoch), deliveries.
  page[i] = {row[1], row[2], now - row[3], row[4]}
end
return cjson.encode(page)
`;

export const BACKUP_RELEASE_SCRIPT = `#!lua flags=allow-oom
-- dsm-redis backup, the release. KEYS: stream, hold. ARGV: token.
local held = redis.call('GET', KEYS[2])
if held and string.sub(held, -(#ARGV[1] + 1)) == ' ' .. ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
`;
