/**
 * Dead letters: the Lua script that moves a poison entry out of a consumer group's way, one bounded and atomic step
 * at a time, run by the retention CronJob before it trims. Pure.
 *
 * A poison entry is one a consumer keeps failing on: in a group's pending entries, delivered at least `deliveries`
 * times, and idle (not delivered or claimed again) for at least `idleMs`, so that an entry a consumer is working on
 * right now is never taken. Left alone it is redelivered forever and holds retention back at it, so the bus fills
 * behind it. The step copies it to the dead-letter stream with where it came from (its ID, group, consumer, delivery
 * count and idle time, then its own fields) and acknowledges it in the group, in one script: no client sees it in
 * both places or in neither, and a crash of the Job between two steps leaves every entry in exactly one place.
 *
 * Each step looks at no more than `scan` pending entries across the groups, from where the last step stopped (a
 * cursor per group, in a hash), so that one step stays short however long the pending lists are, and a poison entry
 * behind many slow but healthy ones is still reached. Dead letters are never trimmed by retention: the dead-letter
 * stream has its own cap, and when it is full the step moves nothing and says so (a flag the exporter reads); nothing is
 * dropped to make room.
 *
 * On its way over the pending lists the step also tallies the most delivered entry it leaves pending, per group, and
 * records the highest count of the groups' last complete passes: the exporter has no per-entry series, and an entry
 * that consumers keep claiming again before it has been idle `idleMs` is poison that never moves.
 */

import { BACKUP_HOLD_KEY } from "./backup-script";

/** What a text status key holds when there is nothing to name: not empty, which the exporter would not export. */
export const NOTHING = "none";

/** Where each step records what it did, for the metrics exporter (string keys it can export as values). */
export const DEAD_LETTER_STATUS_KEYS = {
    /** Entries moved to the dead-letter stream, ever. */
    movedTotal: "dsm:dead-letters:moved-total",
    /** 1 when the last step found the dead-letter stream at its cap, 0 otherwise. */
    full: "dsm:dead-letters:full",
    /**
     * The most deliveries of any entry still pending, as of each group's last complete pass over its pending list:
     * an entry at `deliveries` that stays pending is one consumers keep claiming before it has been idle long enough
     * to move. The exporter has no per-entry series, so the step records it.
     */
    mostDeliveries: "dsm:pending:most-deliveries",
    /** That entry and its group, or `none`. */
    mostDelivered: "dsm:pending:most-delivered",
} as const;

/** Each group's cursor: the last pending ID a step looked at. */
export const DEAD_LETTER_CURSOR_KEY = "dsm:dead-letters:cursor";

/**
 * Per group, the most delivered entry still pending: `pass:<group>` so far in the pass under way, `last:<group>` of
 * the last complete pass, each as `<count> <id>`.
 */
export const DELIVERIES_TALLY_KEY = "dsm:dead-letters:deliveries";

/** The dead-letter stream of a stream: beside it, under the same ACL key pattern. */
export function deadLetterStreamOf(stream: string): string {
    return `${stream}:dead`;
}

/**
 * The fields a dead letter starts with, before the entry's own. Prefixed, so that they cannot be mistaken for an
 * event's fields.
 */
export const DEAD_LETTER_FIELDS = {
    id: "dead-letter:id",
    group: "dead-letter:group",
    consumer: "dead-letter:consumer",
    deliveries: "dead-letter:deliveries",
    idleMs: "dead-letter:idle-ms",
    /** Present (value 1) when the entry itself was gone (trimmed past, with retentionTrimUnacknowledged). */
    missing: "dead-letter:missing",
} as const;

export const DEAD_LETTER_SCRIPT = `#!lua flags=allow-oom
-- dsm-redis dead-letter step. KEYS: stream, dead-letter stream, cursor hash, moved-total, full, deliveries tally,
-- most deliveries, most delivered, the backup's hold.
-- allow-oom: a poison entry that holds retention back is what fills a bus to maxmemory; moving it is what lets
-- retention free memory again, and it adds one entry of the same size.
-- ARGV: least deliveries, least idle ms, most pending entries to look at, the dead-letter stream's cap.
local stream, dead, cursors, tally = KEYS[1], KEYS[2], KEYS[3], KEYS[6]
local deliveries, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
local budget, cap = tonumber(ARGV[3]), tonumber(ARGV[4])
-- The counter exists from the first run on, so that its series does too; and the dead-letter stream, empty
-- (MAXLEN 0 trims the entry that creates it), so that the exporter reads its length rather than logging an error.
redis.call('INCRBY', KEYS[4], 0)
if redis.call('EXISTS', dead) == 0 then redis.call('XADD', dead, 'MAXLEN', '0', '*', 'dead-letter:created', '1') end
if redis.call('EXISTS', stream) == 0 then
  redis.call('SET', KEYS[5], 0)
  redis.call('SET', KEYS[7], 0)
  redis.call('SET', KEYS[8], '${NOTHING}')
  return {0, 0, 0}
end
-- A backup under way: nothing is acknowledged until it ends, so that its pending entries stay as it reads them.
if redis.call('EXISTS', KEYS[9]) == 1 then return {0, 0, 0} end
local function tallied(field)
  local count, id = string.match(redis.call('HGET', tally, field) or '', '^(%d+) (.+)$')
  return tonumber(count) or 0, id
end
local names = {}
for _, raw in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
  for i = 1, #raw, 2 do
    if raw[i] == 'name' then names[#names + 1] = raw[i + 1] end
  end
end
local room = cap - redis.call('XLEN', dead)
local moved, scanned, full = 0, 0, 0
for _, group in ipairs(names) do
  if budget - scanned <= 0 or full == 1 then break end
  local from = redis.call('HGET', cursors, group)
  -- A pass over this group's pending list starts: its tally starts again.
  if not from then redis.call('HDEL', tally, 'pass:' .. group) end
  local most, mostId = tallied('pass:' .. group)
  local start = from and ('(' .. from) or '-'
  local want = budget - scanned
  -- Without the IDLE filter of XPENDING, which would walk past any number of busy entries to find idle ones:
  -- the next rows of the pending list, filtered here.
  local pending = redis.call('XPENDING', stream, group, start, '+', want)
  for _, p in ipairs(pending) do
    local id, consumer, idleMs, count = p[1], p[2], p[3], p[4]
    if count >= deliveries and idleMs >= idle then
      if room <= 0 then
        full = 1
        break
      end
      local fields = {'${DEAD_LETTER_FIELDS.id}', id, '${DEAD_LETTER_FIELDS.group}', group,
        '${DEAD_LETTER_FIELDS.consumer}', consumer, '${DEAD_LETTER_FIELDS.deliveries}', count,
        '${DEAD_LETTER_FIELDS.idleMs}', idleMs}
      local entry = redis.call('XRANGE', stream, id, id)
      if #entry == 0 then
        fields[#fields + 1], fields[#fields + 2] = '${DEAD_LETTER_FIELDS.missing}', 1
      else
        for _, value in ipairs(entry[1][2]) do fields[#fields + 1] = value end
      end
      redis.call('XADD', dead, '*', unpack(fields))
      redis.call('XACK', stream, group, id)
      moved, room = moved + 1, room - 1
    elseif count > most then
      most, mostId = count, id
    end
    scanned = scanned + 1
    redis.call('HSET', cursors, group, id)
  end
  if full == 0 and #pending < want then
    -- The end of this group's pending list: the next pass starts from its beginning, and this one's tally stands.
    redis.call('HDEL', cursors, group)
    redis.call('HSET', tally, 'last:' .. group, mostId and (most .. ' ' .. mostId) or '0 -')
    redis.call('HDEL', tally, 'pass:' .. group)
  elseif mostId then
    redis.call('HSET', tally, 'pass:' .. group, most .. ' ' .. mostId)
  end
end
-- The most delivered entry of the groups there are now, each as of its last complete pass.
local most, where = 0, '${NOTHING}'
for _, group in ipairs(names) do
  local count, id = tallied('last:' .. group)
  if count > most then most, where = count, 'entry ' .. id .. ' of group ' .. group end
end
redis.call('SET', KEYS[5], full)
redis.call('SET', KEYS[7], most)
redis.call('SET', KEYS[8], where)
redis.call('INCRBY', KEYS[4], moved)
return {moved, scanned, full}
`;

export interface DeadLetterPolicy {
    /** The least deliveries that make a pending entry poison. */
    readonly deliveries: number;
    /** The least time it has been idle, in seconds: an entry being processed is never moved. */
    readonly idleSeconds: number;
    /** The most entries the dead-letter stream holds; at the cap, nothing more is moved. */
    readonly maxEntries: number;
}

/**
 * Pending entries one step looks at, across the groups. Each costs an XPENDING row, and a move an XRANGE, an XADD
 * and an XACK of one entry: with 100, the median step takes 0.23 ms on a full bus (bench (f), docs/benchmarks.md).
 */
export const DEAD_LETTER_SCAN = 100;

/** The script's KEYS for a stream. */
export function deadLetterKeys(stream: string): string[] {
    return [
        stream,
        deadLetterStreamOf(stream),
        DEAD_LETTER_CURSOR_KEY,
        DEAD_LETTER_STATUS_KEYS.movedTotal,
        DEAD_LETTER_STATUS_KEYS.full,
        DELIVERIES_TALLY_KEY,
        DEAD_LETTER_STATUS_KEYS.mostDeliveries,
        DEAD_LETTER_STATUS_KEYS.mostDelivered,
        BACKUP_HOLD_KEY,
    ];
}

/** The script's ARGV for a policy. */
export function deadLetterArgs(policy: DeadLetterPolicy, scan = DEAD_LETTER_SCAN): string[] {
    return [String(policy.deliveries), String(policy.idleSeconds * 1000), String(scan), String(policy.maxEntries)];
}
