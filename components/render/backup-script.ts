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
 * entry's payload is in the file, and no group is ahead of the entries.
 *
 * Each step answers in lines that a shell loop can use as they are (the scheduled backup, `backupRunner`, runs them
 * with `redis-cli` in the Redis image, which has no other language): the cut, its JSON and then each group's name and
 * position; a page, its row count, its last ID and its JSON.
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
if redis.call('EXISTS', stream) == 0 then return {cjson.encode({missing = true})} end
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
-- The JSON, then each group's name and position on lines of their own, for the CronJob's shell loop.
local answer = {cjson.encode({
  cut = cut,
  entriesAdded = info['entries-added'],
  maxDeletedEntryId = info['max-deleted-entry-id'],
  server = redis.REDIS_VERSION,
  groups = groups,
})}
for _, g in ipairs(groups) do
  answer[#answer + 1] = g.name
  answer[#answer + 1] = g.lastDeliveredId
end
return answer
`;

export const BACKUP_ENTRIES_SCRIPT = `#!lua flags=allow-oom
-- dsm-redis backup, a page of entries. KEYS: stream, hold. ARGV: token, lease ms, after ('-': from the start), count.
${HOLD_CHECK}
local start = ARGV[3] == '-' and '-' or ('(' .. ARGV[3])
local rows = redis.call('XRANGE', KEYS[1], start, cut, 'COUNT', ARGV[4])
return {#rows, #rows > 0 and rows[#rows][1] or '', cjson.encode(rows)}
`;

export const BACKUP_PENDING_SCRIPT = `#!lua flags=allow-oom
-- dsm-redis backup, a page of a group's pending entries. KEYS: stream, hold.
-- ARGV: token, lease ms, group, after ('-': from the start), count, the group's position at the cut.
${HOLD_CHECK}
local start = ARGV[4] == '-' and '-' or ('(' .. ARGV[4])
-- The clock first: XPENDING counts idle times from the time the script started, and TIME reads the clock as it is
-- called, so a TIME after a long XPENDING would put every delivery that much later.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
-- Up to the group's position at the cut, not the cut: an entry it was delivered after the cut is not pending at it.
local ok, rows = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[3], start, ARGV[6], ARGV[5])
-- A group destroyed after the cut: the file keeps it as it was at the cut, without pending entries.
if not ok then return {0, '', '[]'} end
local page = {}
for i, row in ipairs(rows) do
  -- ID, consumer, when last delivered (ms since the epoch), deliveries.
  page[i] = {row[1], row[2], now - row[3], row[4]}
end
return {#page, #page > 0 and page[#page][1] or '', cjson.encode(page)}
`;

export const BACKUP_RELEASE_SCRIPT = `#!lua flags=allow-oom
-- dsm-redis backup, the release. KEYS: stream, hold. ARGV: token.
local held = redis.call('GET', KEYS[2])
if held and string.sub(held, -(#ARGV[1] + 1)) == ' ' .. ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
`;

/**
 * What the scheduled backup records, which the metrics sidecar reads: when a backup last succeeded and last failed
 * (the server's clock, seconds since the epoch), and how many entries the last good one saved.
 */
export const BACKUP_STATUS_KEYS = {
    lastSuccess: "dsm:backup:last-success",
    lastFailure: "dsm:backup:last-failure",
    lastEntries: "dsm:backup:last-entries",
} as const;

/** The keys the backup writes: its hold and its status keys; an ACL selector confines its writes to them. */
export const BACKUP_KEY_PATTERN = "dsm:backup:*";

export const BACKUP_OUTCOME_SCRIPT = `#!lua flags=allow-oom
-- dsm-redis backup, its outcome. KEYS: last success, last failure, last entries. ARGV: success or failure, entries.
local now = redis.call('TIME')[1]
if ARGV[1] == 'success' then
  redis.call('SET', KEYS[1], now)
  redis.call('SET', KEYS[3], ARGV[2])
else
  redis.call('SET', KEYS[2], now)
end
return 1
`;

/**
 * The scheduled backup's file: a first line `{"format":…,"createdAt":…,"stream":…}`, then one line per step,
 * `cut <JSON>`, `entries <JSON>` or `pending <group index> <JSON>`, each the step's JSON as `redis-cli` printed it, and
 * a last line `sha256 <hex>` of every byte before it. `npm run restore` reads it (ops/lib/backup-file.ts).
 */
export const BACKUP_STEPS_FORMAT = "dsm-redis-backup-steps/1";

/** The scripts' file names in the backup's ConfigMap, beside its run.sh. */
export const BACKUP_SCRIPT_FILES = {
    "cut.lua": BACKUP_CUT_SCRIPT,
    "entries.lua": BACKUP_ENTRIES_SCRIPT,
    "pending.lua": BACKUP_PENDING_SCRIPT,
    "release.lua": BACKUP_RELEASE_SCRIPT,
    "outcome.lua": BACKUP_OUTCOME_SCRIPT,
} as const;

/** A backup file's name: the time it was taken, in UTC, so that names sort as the backups were taken. */
export const BACKUP_FILE_PATTERN = "dsm-redis-*.backup";

export interface BackupPlan {
    readonly stream: string;
    /** The folder of the scripts (the ConfigMap's mount). */
    readonly scriptDir: string;
    /** The folder the files go to (the claim's mount). */
    readonly backupDir: string;
    /** How many files to keep, the newest. */
    readonly keep: number;
}

const shellWord = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

/**
 * The scheduled backup's run.sh, for the Redis image's `sh` and `redis-cli`: the cut, the pages of entries, then of
 * each group's pending entries, each step's answer appended to a `.part` file as it comes; the release; the checksum
 * line; then the rename, so a file under its final name is always whole; then the oldest files beyond `keep` go.
 * Whatever fails (Redis refuses a step, the disk is full) removes the `.part`, releases the hold, records the failure
 * and fails the Job.
 */
export function backupRunner(plan: BackupPlan): string {
    const { stream, scriptDir, backupDir, keep } = plan;
    const page = String(BACKUP_PAGE);
    const k = BACKUP_STATUS_KEYS;
    return [
        "#!/bin/sh",
        // Stryker disable next-line StringLiteral: a comment line of the shell script, which sh ignores
        "# Rendered by dsm-redis: one scheduled backup, as the steps of the scripts beside this file.",
        "set -eu",
        `stream=${shellWord(stream)}`,
        `scripts=${shellWord(scriptDir)}`,
        `dir=${shellWord(backupDir)}`,
        "stamp=$(date -u +%Y%m%dT%H%M%SZ)",
        "token=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \\n')",
        // The time, for a reader; a part of the token, for two in one second.
        `file="$dir/${BACKUP_FILE_PATTERN.replace("*", "$stamp-$(echo $token | cut -c1-8)")}"`,
        'part="$file.part"',
        'answer="$dir/.step-$token"',
        'cli() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --user "$REDIS_USERNAME" --no-auth-warning -e "$@" </dev/null; }',
        // Each step: the stream and the hold, the token and the lease, then the step's own arguments.
        `step() { script=$1; shift; cli --eval "$scripts/$script" "$stream" ${BACKUP_HOLD_KEY} , "$token" ${BACKUP_LEASE_MS} "$@"; }`,
        `outcome() { cli --eval "$scripts/outcome.lua" ${k.lastSuccess} ${k.lastFailure} ${k.lastEntries} , "$1" "$2" >/dev/null; }`,
        "finish() {",
        "  code=$?",
        '  rm -f "$answer" "$answer.groups"',
        '  if [ "$code" -ne 0 ]; then',
        '    rm -f "$part"',
        "    step release.lua >/dev/null 2>&1 || true",
        "    outcome failure 0 || true",
        '    echo "backup failed (exit $code); nothing was kept of it" >&2',
        "  fi",
        "}",
        "trap finish EXIT",
        // The Job's deadline stops the pod with SIGTERM: the EXIT trap runs on exit, which this makes of it.
        "trap 'exit 143' TERM INT",
        // The answer's JSON, line 3 of a page's (count, last ID, JSON) or line 1 of the cut's, after its kind.
        'record() { printf "%s " "$1" >>"$part"; sed -n "$2p" "$answer" >>"$part"; }',
        `printf '{"format":"${BACKUP_STEPS_FORMAT}","createdAt":"%s","stream":"%s"}\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$stream" >"$part"`,
        'step cut.lua >"$answer"',
        'if [ "$(sed -n 1p "$answer")" = \'{"missing":true}\' ]; then echo "there is no stream $stream to back up" >&2; exit 1; fi',
        "record cut 1",
        'sed -n \'2,$p\' "$answer" >"$answer.groups"',
        "entries=0",
        "after=-",
        "while :; do",
        `  step entries.lua "$after" ${page} >"$answer"`,
        "  record entries 3",
        '  count=$(sed -n 1p "$answer")',
        "  entries=$((entries + count))",
        `  [ "$count" -ge ${page} ] || break`,
        '  after=$(sed -n 2p "$answer")',
        "done",
        "index=0",
        "while IFS= read -r group && IFS= read -r position; do",
        "  after=-",
        "  while :; do",
        `    step pending.lua "$group" "$after" ${page} "$position" >"$answer"`,
        '    record "pending $index" 3',
        `    [ "$(sed -n 1p "$answer")" -ge ${page} ] || break`,
        '    after=$(sed -n 2p "$answer")',
        "  done",
        "  index=$((index + 1))",
        'done <"$answer.groups"',
        'rm -f "$answer.groups"',
        "step release.lua >/dev/null",
        'printf "sha256 %s\\n" "$(sha256sum "$part" | cut -c1-64)" >>"$part"',
        'mv "$part" "$file"',
        // The newest first by their time of writing (two may share a second of their names).
        `ls -1t "$dir"/${BACKUP_FILE_PATTERN} | tail -n +${keep + 1} | while IFS= read -r old; do rm -f "$old"; done`,
        'outcome success "$entries"',
        'echo "backed up $entries entries of $stream to $file"',
        "",
    ].join("\n");
}
