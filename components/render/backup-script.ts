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
 *   step. The pages are read-only steps (`no-writes`), so they run on a replica of a replicated bus as well as on the
 *   master: the master is left to producers and consumers. Before each page, a step on the master renews the lease,
 *   failing if it ran out (retention may then have trimmed).
 * - **The release**: the hold goes.
 *
 * A page reads only where it sees the hold with its own token: the hold is written once, by the cut, and only ever
 * renewed or removed after, so a server that sees it has every entry at or before the cut that the master had at the
 * cut, whichever replica it is and however far behind. Before the first page, the reader waits until it sees the
 * hold (a replica catching up with the cut).
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

/**
 * How long the reader may take to see the hold after the cut: a replica further behind than this is not one to read
 * a backup from (min-replicas-max-lag is 10 s).
 */
export const BACKUP_CATCH_UP_MS = 10_000;

/** How often the reader is asked meanwhile. */
export const BACKUP_CATCH_UP_POLL_MS = 100;

/** The refusal of a step whose hold is gone: the lease ran out, or another backup took it. */
export const HOLD_LOST = "DSMBACKUP the backup has lost its hold on retention";

/**
 * The steps that write (the cut, the renewal, the release) are flagged allow-oom: a full bus (at maxmemory, every write
 * refused) is the one most worth a backup, and the hold is one small key. The read-only steps need no such flag.
 */

/**
 * The hold as this server has it, shared by every step: `held`, the key's value (false when there is none), and
 * `ours`, whether it is the caller's, by the token it ends with (KEYS[2] the hold, ARGV[1] the token).
 */
const OWN_HOLD = `local held = redis.call('GET', KEYS[2])
local ours = held and string.sub(held, -(#ARGV[1] + 1)) == ' ' .. ARGV[1]`;

/** The refusal of a step whose hold is gone; `lease`, a Lua expression of the lease in ms, where the step has it. */
const holdLost = (lease?: string) =>
    `return redis.error_reply('${HOLD_LOST} (its lease${lease === undefined ? "" : ` of ' .. ${lease} .. ' ms`} ran out, or another backup took it): retention may have trimmed entries meanwhile; take the backup again')`;

/** Where the reader sees the caller's hold (a read, so a replica can run it): the cut it holds. Shared by the pages. */
const HOLD_VIEW = `${OWN_HOLD}
if not ours then
  ${holdLost()}
end
local cut = string.match(held, '^(%S+)')`;

export const BACKUP_CUT_SCRIPT = `#!lua flags=allow-oom
-- dsm-redis backup, the cut. KEYS: stream, hold. ARGV: token, lease ms.
local stream, hold = KEYS[1], KEYS[2]
${OWN_HOLD}
if held and not ours then
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

/** The renewal of the hold's lease, on the master before each page: refused once the hold is gone. */
export const BACKUP_RENEW_SCRIPT = `#!lua flags=allow-oom
-- dsm-redis backup, the lease's renewal. KEYS: stream, hold. ARGV: token, lease ms.
${OWN_HOLD}
if not ours then
  ${holdLost("ARGV[2]")}
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`;

/** Whether the reader sees the caller's hold yet: 1 or 0. A replica sees it once it has caught up with the cut. */
export const BACKUP_HELD_SCRIPT = `#!lua flags=no-writes
-- dsm-redis backup, the reader's view of the hold. KEYS: stream, hold. ARGV: token.
${OWN_HOLD}
return ours and 1 or 0
`;

export const BACKUP_ENTRIES_SCRIPT = `#!lua flags=no-writes
-- dsm-redis backup, a page of entries. KEYS: stream, hold. ARGV: token, after ('-': from the start), count.
${HOLD_VIEW}
local start = ARGV[2] == '-' and '-' or ('(' .. ARGV[2])
local rows = redis.call('XRANGE', KEYS[1], start, cut, 'COUNT', ARGV[3])
return {#rows, #rows > 0 and rows[#rows][1] or '', cjson.encode(rows)}
`;

export const BACKUP_PENDING_SCRIPT = `#!lua flags=no-writes
-- dsm-redis backup, a page of a group's pending entries. KEYS: stream, hold.
-- ARGV: token, group, after ('-': from the start), count, the group's position at the cut.
${HOLD_VIEW}
local start = ARGV[3] == '-' and '-' or ('(' .. ARGV[3])
-- The clock first: XPENDING counts idle times from the time the script started, and TIME reads the clock as it is
-- called, so a TIME after a long XPENDING would put every delivery that much later.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
-- Up to the group's position at the cut, not the cut: an entry it was delivered after the cut is not pending at it.
local ok, rows = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[2], start, ARGV[5], ARGV[4])
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
${OWN_HOLD}
if ours then redis.call('DEL', KEYS[2]) end
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
    "renew.lua": BACKUP_RENEW_SCRIPT,
    "held.lua": BACKUP_HELD_SCRIPT,
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

/** The environment variable that lists a replicated bus's nodes, `host:port` apart by spaces, for the reader. */
export const BACKUP_NODES_ENV = "REDIS_NODES";

/**
 * The scheduled backup's run.sh, for the Redis image's `sh` and `redis-cli`: the cut, the pages of entries, then of
 * each group's pending entries, each step's answer appended to a `.part` file as it comes; the release; the checksum
 * line; then the rename, so a file under its final name is always whole; then the oldest files beyond `keep` go.
 * Whatever fails (Redis refuses a step, the disk is full) removes the `.part`, releases the hold, records the failure
 * and fails the Job.
 *
 * The cut, the renewals, the release and the outcome go to the master (`REDIS_HOST`, Service redis). The pages go to
 * the reader: on a replicated bus (`REDIS_NODES`), the first node whose ROLE is a replica linked to its master, so
 * that the backup's reads leave the master to producers and consumers; the master where there is none.
 */
export function backupRunner(plan: BackupPlan): string {
    const { stream, scriptDir, backupDir, keep } = plan;
    const page = String(BACKUP_PAGE);
    const k = BACKUP_STATUS_KEYS;
    const polls = String(BACKUP_CATCH_UP_MS / BACKUP_CATCH_UP_POLL_MS);
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
        'at() { host=$1; port=$2; shift 2; redis-cli -h "$host" -p "$port" --user "$REDIS_USERNAME" --no-auth-warning -e "$@" </dev/null; }',
        'cli() { at "$REDIS_HOST" "$REDIS_PORT" "$@"; }',
        // The reader: a linked replica of a replicated bus, else the master.
        "reader_host=$REDIS_HOST",
        "reader_port=$REDIS_PORT",
        "reader='the master'",
        `for node in \${${BACKUP_NODES_ENV}:-}; do`,
        '  role=$(at "${node%:*}" "${node##*:}" ROLE 2>/dev/null) || continue',
        '  if [ "$(echo "$role" | sed -n 1p)" = slave ] && [ "$(echo "$role" | sed -n 4p)" = connected ]; then',
        "    reader_host=${node%:*}",
        "    reader_port=${node##*:}",
        '    reader="replica $node"',
        "    break",
        "  fi",
        "done",
        // A step that writes, on the master: the stream and the hold, the token and the lease, then its arguments.
        `step() { script=$1; shift; cli --eval "$scripts/$script" "$stream" ${BACKUP_HOLD_KEY} , "$token" ${BACKUP_LEASE_MS} "$@"; }`,
        // A step that reads, on the reader: the stream and the hold, the token, then its arguments.
        `look() { script=$1; shift; at "$reader_host" "$reader_port" --eval "$scripts/$script" "$stream" ${BACKUP_HOLD_KEY} , "$token" "$@"; }`,
        // A page: the lease renewed on the master, then the read.
        'page() { step renew.lua >/dev/null; look "$@"; }',
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
        // The reader catches up with the cut: it sees the hold.
        "polls=0",
        'until [ "$(look held.lua 2>/dev/null)" = 1 ]; do',
        "  polls=$((polls + 1))",
        `  if [ "$polls" -ge ${polls} ]; then echo "the reader, $reader, has not caught up with the cut in ${BACKUP_CATCH_UP_MS / 1000} s" >&2; exit 1; fi`,
        `  sleep ${BACKUP_CATCH_UP_POLL_MS / 1000}`,
        "done",
        'echo "reading $stream from $reader"',
        "entries=0",
        "after=-",
        "while :; do",
        `  page entries.lua "$after" ${page} >"$answer"`,
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
        `    page pending.lua "$group" "$after" ${page} "$position" >"$answer"`,
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
