/**
 * Retention: the Lua script that trims the stream, one bounded and atomic step at a time, and the shell loop the
 * retention CronJob runs it with. Pure.
 *
 * An entry may go only when every consumer group has acknowledged it: it is at or before the group's last-delivered
 * ID (delivered) and before its lowest pending ID (not held). Beyond that bound the window keeps acknowledged entries
 * for replay: the newest `minEntries`, and those younger than `maxAgeMs`. Each step reads the bound and trims in one
 * script, so no XREADGROUP or XACK can come between, and removes at most `batch` entries, so it never blocks other
 * clients for long. `unsafe` (an explicit opt-in) drops the groups' bound and trims by the window alone.
 */

import { BACKUP_HOLD_KEY } from "./backup-script";
import { DEAD_LETTER_SCAN, DeadLetterPolicy, NOTHING, deadLetterArgs, deadLetterKeys } from "./dead-letter-script";

/** Where each step records what it did, for the metrics exporter (string keys it can export as values). */
export const RETENTION_STATUS_KEYS = {
    /** Unix seconds of the last step. */
    lastRun: "dsm:retention:last-run",
    /** Entries trimmed, ever. */
    trimmedTotal: "dsm:retention:trimmed-total",
    /** 1 when the last step stopped at a consumer group's position, 0 otherwise. */
    blocked: "dsm:retention:blocked",
    /** Where the last step stopped, for the alert's description: the group and the entry, or `none`. */
    heldBy: "dsm:retention:held-by",
    /**
     * Seconds since the oldest entry any group holds pending was published (0 when none is): what a consumer that
     * crashed on an event, or holds one, leaves. The exporter has no per-entry series, so the step records it.
     */
    oldestPendingAge: "dsm:pending:oldest-age-seconds",
    /** That entry and its group, or `none`. */
    oldestPending: "dsm:pending:oldest",
} as const;

export const RETENTION_SCRIPT = `#!lua flags=allow-oom
-- dsm-redis retention step. KEYS: stream, last-run, trimmed-total, blocked, held-by, oldest pending age, oldest pending,
-- the backup's hold.
-- allow-oom: a bus at maxmemory refuses every write but XTRIM, and this script is what frees it.
-- ARGV: batch, max age in ms (-1: none), min entries (-1: none), 1 to trim past unacknowledged entries.
local stream, batch = KEYS[1], tonumber(ARGV[1])
local maxAge, minEntries, unsafe = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1'
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function before(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('SET', KEYS[2], time[1])
-- The counter exists from the first run on, so that its series does too.
redis.call('INCRBY', KEYS[3], 0)
local function record(blocked, heldBy, oldestAge, oldest)
  redis.call('SET', KEYS[4], blocked)
  redis.call('SET', KEYS[5], heldBy)
  redis.call('SET', KEYS[6], oldestAge)
  redis.call('SET', KEYS[7], oldest)
end
if redis.call('EXISTS', stream) == 0 then
  record(0, '${NOTHING}', 0, '${NOTHING}')
  return {0, ''}
end
-- Each group's bound, and the oldest pending entry of all: XPENDING's summary gives a group's lowest pending ID.
local bounds, oldestMs, oldest = {}, nil, '${NOTHING}'
for _, raw in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
  local group = {}
  for i = 1, #raw, 2 do group[raw[i]] = raw[i + 1] end
  local pending = redis.call('XPENDING', stream, group['name'])
  local lowest = pending[1] > 0 and pending[2] or false
  if lowest and (oldestMs == nil or parse(lowest) < oldestMs) then
    oldestMs, oldest = parse(lowest), 'entry ' .. lowest .. ' of group ' .. group['name']
  end
  if not unsafe then bounds[#bounds + 1] = {group['name'], group['last-delivered-id'], lowest} end
end
local oldestAge = oldestMs and math.max(0, math.floor((now - oldestMs) / 1000)) or 0
local length = redis.call('XLEN', stream)
local entries = redis.call('XRANGE', stream, '-', '+', 'COUNT', batch)
-- A backup under way holds every entry at or before its cut until it ends, or its lease runs out (backup-script.ts).
local hold = redis.call('GET', KEYS[8])
local holdCut = hold and string.match(hold, '^(%S+)')
local last, blockedBy, heldBy = nil, '', '${NOTHING}'
for i, entry in ipairs(entries) do
  local id = entry[1]
  if minEntries >= 0 and length - (i - 1) <= minEntries then break end
  if maxAge >= 0 and parse(id) >= now - maxAge then break end
  if holdCut and not before(holdCut, id) then break end
  for _, bound in ipairs(bounds) do
    if before(bound[2], id) then
      blockedBy, heldBy = bound[1], 'group ' .. bound[1] .. ', at entry ' .. id .. ', not yet delivered to it'
    elseif bound[3] and not before(id, bound[3]) then
      -- Every entry before this one was trimmable, so this is the group's lowest pending entry.
      blockedBy, heldBy = bound[1], 'group ' .. bound[1] .. ', at entry ' .. bound[3] .. ', delivered and not acknowledged'
    end
    if blockedBy ~= '' then break end
  end
  if blockedBy ~= '' then break end
  last = id
end
record(blockedBy == '' and 0 or 1, heldBy, oldestAge, oldest)
if last == nil then return {0, blockedBy} end
local ms, seq = string.match(last, '^(%d+)-(%d+)$')
local trimmed = redis.call('XTRIM', stream, 'MINID', ms .. '-' .. (tonumber(seq) + 1))
redis.call('INCRBY', KEYS[3], trimmed)
return {trimmed, blockedBy}
`;

export interface RetentionWindow {
    /** Entries per atomic step. */
    readonly batch: number;
    /** Acknowledged entries younger than this stay; undefined: no age window. */
    readonly maxAgeSeconds?: number;
    /** The newest entries that stay; undefined: no count window. */
    readonly minEntries?: number;
    /** Trim past unacknowledged entries too (an opt-in that can lose events). */
    readonly trimUnacknowledged: boolean;
}

/** The script's KEYS for a stream. */
export function retentionKeys(stream: string): string[] {
    const k = RETENTION_STATUS_KEYS;
    return [
        stream,
        k.lastRun,
        k.trimmedTotal,
        k.blocked,
        k.heldBy,
        k.oldestPendingAge,
        k.oldestPending,
        BACKUP_HOLD_KEY,
    ];
}

/** The script's ARGV for a window. */
export function retentionArgs(window: RetentionWindow): string[] {
    return [
        String(window.batch),
        String(window.maxAgeSeconds === undefined ? -1 : window.maxAgeSeconds * 1000),
        String(window.minEntries === undefined ? -1 : window.minEntries),
        window.trimUnacknowledged ? "1" : "0",
    ];
}

/** The dead-letter script, beside the trim script. */
export function deadLetterScriptPath(scriptPath: string): string {
    return scriptPath.replace(/[^/]*$/, "dead-letter.lua");
}

const REDIS_CLI = 'redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --user "$REDIS_USERNAME" --no-auth-warning -e --eval';

/**
 * The dead-letter steps (render/dead-letter-script.ts), before the trim, so that a poison entry moved now does not
 * hold this run's trim back: until a step looks at fewer pending entries than it may (every group's list seen to its
 * end), finds the dead-letter stream full, or the budget is spent.
 */
function deadLetterLoop(stream: string, policy: DeadLetterPolicy, scriptPath: string): string[] {
    return [
        "while :; do",
        `  out=$(${REDIS_CLI} ${scriptPath} ${deadLetterKeys(stream).join(" ")} , ${deadLetterArgs(policy).join(" ")})`,
        '  moved=$(echo "$out" | head -n 1)',
        '  scanned=$(echo "$out" | sed -n 2p)',
        '  full=$(echo "$out" | sed -n 3p)',
        '  if [ "$full" = 1 ]; then echo "dead letters moved $moved, the dead-letter stream is full"; else echo "dead letters moved $moved"; fi',
        `  [ "$full" = 0 ] && [ "$scanned" -ge ${DEAD_LETTER_SCAN} ] || break`,
        '  [ "$(date +%s)" -lt "$deadline" ] || break',
        "done",
    ];
}

/**
 * The CronJob's loop: the dead-letter steps when `deadLetters` is given, then trim steps until one trims less than
 * a full batch (nothing more is ready) or the time budget is spent; each step is its own atomic script, so other
 * clients run between them. `redis-cli -e` makes a refused step fail the Job, which is what the "retention not
 * running" alert sees.
 */
export function retentionRunner(
    stream: string,
    window: RetentionWindow,
    budgetSeconds: number,
    scriptPath = "/retention/trim.lua",
    deadLetters?: DeadLetterPolicy,
): string {
    const keys = retentionKeys(stream);
    return [
        "#!/bin/sh",
        // Stryker disable next-line StringLiteral: a comment line of the shell script, which sh ignores
        "# Rendered by dsm-redis: one retention run, as steps of the script beside this file.",
        "set -eu",
        `deadline=$(( $(date +%s) + ${budgetSeconds} ))`,
        ...(deadLetters ? deadLetterLoop(stream, deadLetters, deadLetterScriptPath(scriptPath)) : []),
        "while :; do",
        `  out=$(${REDIS_CLI} ${scriptPath} ${keys.join(" ")} , ${retentionArgs(window).join(" ")})`,
        '  trimmed=$(echo "$out" | head -n 1)',
        '  blocked=$(echo "$out" | sed -n 2p)',
        '  echo "trimmed $trimmed${blocked:+, held by group $blocked}"',
        `  [ "$trimmed" -ge ${window.batch} ] || break`,
        '  [ "$(date +%s)" -lt "$deadline" ] || break',
        "done",
        "",
    ].join("\n");
}
