/**
 * Backup and restore of the bus: its stream, entry by entry, with every consumer group's position (last-delivered ID,
 * entries read), consumers and pending entries (who holds which entry, since when, how often delivered).
 *
 * A backup is a cut and pages (components/render/backup-script.ts): consistent at the cut, with no other client
 * waiting more than a page's time, taken while producers and consumers go on. The file is JSON with a SHA-256 of the snapshot and a summary of what it holds.
 * A restore rebuilds the stream with commands every Redis 7 and Valkey accept (XADD with the entries' IDs, XSETID,
 * XGROUP CREATE … ENTRIESREAD, XGROUP CREATECONSUMER, XCLAIM … FORCE to recreate pending entries), so a backup moves
 * to another server version, where DUMP and RESTORE would refuse a newer RDB format.
 */
import { createHash, randomBytes } from "crypto";
import type { Redis } from "ioredis";
import {
    BACKUP_CATCH_UP_MS,
    BACKUP_CATCH_UP_POLL_MS,
    BACKUP_CUT_SCRIPT,
    BACKUP_ENTRIES_SCRIPT,
    BACKUP_HELD_SCRIPT,
    BACKUP_HOLD_KEY,
    BACKUP_LEASE_MS,
    BACKUP_PAGE,
    BACKUP_PENDING_SCRIPT,
    BACKUP_RELEASE_SCRIPT,
    BACKUP_RENEW_SCRIPT,
    BACKUP_STEPS_FORMAT,
    GroupState,
    readGroups,
} from "../../components";

export const BACKUP_FORMAT = "dsm-redis-backup/1";

export interface PendingEntry {
    readonly id: string;
    readonly consumer: string;
    /** When it was last delivered, ms since the epoch. */
    readonly deliveryTime: number;
    readonly deliveryCount: number;
}

export interface GroupSnapshot {
    readonly name: string;
    readonly lastDeliveredId: string;
    /** Null when the server does not know it (a group that skipped entries). */
    readonly entriesRead: number | null;
    readonly consumers: readonly string[];
    readonly pending: readonly PendingEntry[];
}

export interface StreamSnapshot {
    readonly stream: string;
    readonly length: number;
    readonly lastGeneratedId: string;
    readonly maxDeletedEntryId: string;
    readonly entriesAdded: number;
    readonly entries: ReadonlyArray<readonly [string, readonly string[]]>;
    readonly groups: readonly GroupSnapshot[];
}

export interface BackupFile {
    readonly format: typeof BACKUP_FORMAT | typeof BACKUP_STEPS_FORMAT;
    readonly createdAt: string;
    readonly server: string;
    /** What the backup holds, for a reader: the stream's length and each group's position and pending count. */
    readonly summary: {
        readonly stream: string;
        readonly length: number;
        readonly lastGeneratedId: string;
        readonly groups: ReadonlyArray<{ name: string; lastDeliveredId: string; pending: number }>;
    };
    /** SHA-256 of the snapshot as written (its JSON text). */
    readonly sha256: string;
    readonly snapshot: StreamSnapshot;
}

/** A backup or restore that cannot go on; its message says why and what to do. */
export class BackupError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "BackupError";
    }
}

/** A step's JSON, where Lua's cjson writes an empty list as `{}`. */
function parsedList<T>(json: string): T[] {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? (value as T[]) : [];
}

/** What the cut step records (its JSON): the cut, the counters and each group as it stood at the cut. */
interface Cut {
    readonly missing?: boolean;
    readonly cut: string;
    readonly entriesAdded: number;
    readonly maxDeletedEntryId: string;
    /** The server's version (redis.REDIS_VERSION). */
    readonly server?: string;
    readonly groups:
        | ReadonlyArray<{
              name: string;
              lastDeliveredId: string;
              entriesRead: number | null;
              consumers: readonly string[] | Record<string, never>;
          }>
        | Record<string, never>;
}

/**
 * A snapshot put together from the steps' JSON answers, in the order they come: the live backup's (takeSnapshot) and
 * the scheduled backup's file (render/backup-script.ts), which holds the same answers, alike.
 */
class SnapshotAssembly {
    private readonly entries: Array<readonly [string, readonly string[]]> = [];
    private readonly pending: PendingEntry[][];
    private readonly cut: Cut;

    constructor(
        private readonly stream: string,
        cutJson: string,
    ) {
        this.cut = JSON.parse(cutJson) as Cut;
        this.pending = this.groups().map(() => []);
    }

    get missing(): boolean {
        return this.cut.missing === true;
    }

    get server(): string | undefined {
        return this.cut.server;
    }

    /** The groups at the cut, in the order of their pages. */
    groups() {
        // cjson writes an empty list as {}: a stream without groups.
        return Array.isArray(this.cut.groups) ? this.cut.groups : [];
    }

    get counts(): { entries: number; pending: number } {
        return { entries: this.entries.length, pending: this.pending.reduce((n, p) => n + p.length, 0) };
    }

    addEntries(json: string): void {
        for (const [id, values] of parsedList<[string, string[] | Record<string, never>]>(json)) {
            this.entries.push([id, Array.isArray(values) ? values : []]);
        }
    }

    addPending(groupIndex: number, json: string): void {
        const into = this.pending[groupIndex];
        if (into === undefined)
            throw new BackupError(`pending entries of group ${groupIndex + 1}, which the cut has not`);
        for (const [id, consumer, deliveryTime, deliveryCount] of parsedList<[string, string, number, number]>(json)) {
            into.push({ id, consumer, deliveryTime, deliveryCount });
        }
    }

    snapshot(): StreamSnapshot {
        return {
            stream: this.stream,
            length: this.entries.length,
            lastGeneratedId: this.cut.cut,
            maxDeletedEntryId: this.cut.maxDeletedEntryId,
            entriesAdded: this.cut.entriesAdded,
            entries: this.entries,
            groups: this.groups().map((group, index) => ({
                name: group.name,
                lastDeliveredId: group.lastDeliveredId,
                entriesRead: group.entriesRead,
                consumers: Array.isArray(group.consumers) ? group.consumers : [],
                pending: this.pending[index],
            })),
        };
    }
}

/** A page step's answer: its row count, its last ID ("" for none) and its JSON. */
type PageAnswer = [number, string, string];

export interface SnapshotOptions {
    /** Entries, or pending entries, per step. */
    readonly page?: number;
    /** How long the hold on retention lasts unless a step renews it. */
    readonly leaseMs?: number;
    /**
     * Where the pages are read: a replica of the master, so that the backup's reads leave the master to producers and
     * consumers. Default: the master itself.
     */
    readonly reader?: Redis;
    /** Called after each step, with what has been read so far: for progress. */
    readonly onStep?: (read: { entries: number; pending: number }) => void | Promise<void>;
}

/** A refusal of a step, as the backup's own error where it is one of the steps' (`DSMBACKUP …`). */
function asBackupError(error: Error): Error {
    return /DSMBACKUP/.test(error.message) ? new BackupError(error.message.replace(/^.*?DSMBACKUP /, "")) : error;
}

/**
 * Takes a consistent snapshot of the stream in short atomic steps (render/backup-script.ts), so that no other client
 * waits more than one page's time; undefined when there is no such key. The cut and each renewal of the hold go to
 * `client`, the master; the pages to `options.reader`, once it has caught up with the cut. Retention is held off the
 * entries at or before the cut until the last step, whatever happens: the hold is released on failure too, and
 * lapses by itself if this process dies.
 */
export async function takeSnapshot(
    client: Redis,
    stream: string,
    options: SnapshotOptions = {},
): Promise<StreamSnapshot | undefined> {
    const page = options.page ?? BACKUP_PAGE;
    const lease = String(options.leaseMs ?? BACKUP_LEASE_MS);
    const reader = options.reader ?? client;
    const token = randomBytes(12).toString("hex");
    const keys = [stream, BACKUP_HOLD_KEY];
    /** A step that writes, on the master. */
    const step = async <T>(script: string, ...args: string[]): Promise<T> =>
        (client.eval(script, keys.length, ...keys, token, lease, ...args) as Promise<T>).catch((error: Error) => {
            throw asBackupError(error);
        });
    /** A page: the lease renewed on the master, then the read on the reader. */
    const read = async (script: string, ...args: string[]): Promise<PageAnswer> => {
        await step(BACKUP_RENEW_SCRIPT);
        return (reader.eval(script, keys.length, ...keys, token, ...args) as Promise<PageAnswer>).catch(
            (error: Error) => {
                throw asBackupError(error);
            },
        );
    };
    const [cutJson] = await step<string[]>(BACKUP_CUT_SCRIPT);
    const assembly = new SnapshotAssembly(stream, cutJson);
    if (assembly.missing) return undefined;
    try {
        await caughtUp(reader, keys, token);
        for (let after = "-"; ;) {
            const [count, last, json] = await read(BACKUP_ENTRIES_SCRIPT, after, String(page));
            assembly.addEntries(json);
            await options.onStep?.(assembly.counts);
            if (count < page) break;
            after = last;
        }
        for (const [index, group] of assembly.groups().entries()) {
            for (let after = "-"; ;) {
                const [count, last, json] = await read(
                    BACKUP_PENDING_SCRIPT,
                    group.name,
                    after,
                    String(page),
                    group.lastDeliveredId,
                );
                assembly.addPending(index, json);
                await options.onStep?.(assembly.counts);
                if (count < page) break;
                after = last;
            }
        }
        return assembly.snapshot();
    } finally {
        await client.eval(BACKUP_RELEASE_SCRIPT, keys.length, ...keys, token).catch(() => undefined);
    }
}

/** Resolves once the reader sees the hold with this token (a replica catching up with the cut), or rejects in time. */
async function caughtUp(reader: Redis, keys: string[], token: string): Promise<void> {
    const deadline = Date.now() + BACKUP_CATCH_UP_MS;
    while (Number(await reader.eval(BACKUP_HELD_SCRIPT, keys.length, ...keys, token)) !== 1) {
        if (Date.now() >= deadline) {
            throw new BackupError(`the replica has not caught up with the cut in ${BACKUP_CATCH_UP_MS / 1000} s`);
        }
        await new Promise((resolve) => setTimeout(resolve, BACKUP_CATCH_UP_POLL_MS));
    }
}

export function summaryOf(snapshot: StreamSnapshot): BackupFile["summary"] {
    return {
        stream: snapshot.stream,
        length: snapshot.length,
        lastGeneratedId: snapshot.lastGeneratedId,
        groups: snapshot.groups.map((g) => ({
            name: g.name,
            lastDeliveredId: g.lastDeliveredId,
            pending: g.pending.length,
        })),
    };
}

const digest = (text: string) => createHash("sha256").update(text).digest("hex");

/** The backup file's text. */
export function writeBackup(snapshot: StreamSnapshot, server: string, now = new Date()): string {
    const text = JSON.stringify(snapshot);
    const header = {
        format: BACKUP_FORMAT,
        createdAt: now.toISOString(),
        server,
        summary: summaryOf(snapshot),
        sha256: digest(text),
    };
    // The snapshot's own text is kept byte for byte, so that its checksum can be checked as written.
    return `${JSON.stringify(header).slice(0, -1)},"snapshot":${text}}\n`;
}

/**
 * Reads a backup file, `npm run backup`'s or the scheduled backup's, refusing one of another format, one whose
 * checksum fails, and one the scheduled backup did not finish.
 */
export function readBackup(text: string, file: string): BackupFile {
    const newline = text.indexOf("\n");
    let head: { format?: unknown; createdAt?: unknown; stream?: unknown };
    try {
        head = JSON.parse(newline === -1 ? text : text.slice(0, newline)) as typeof head;
    } catch {
        throw new BackupError(`${file} is not a backup of this tool: it is not JSON.`);
    }
    if (head.format === BACKUP_STEPS_FORMAT) return readStepsBackup(text, head, file);
    if (head.format !== BACKUP_FORMAT) {
        throw new BackupError(
            `${file} is not a backup of this tool: its format is ${JSON.stringify(head.format)}, expected ${BACKUP_FORMAT} or ${BACKUP_STEPS_FORMAT}.`,
        );
    }
    const parsed = head as BackupFile;
    const marker = ',"snapshot":';
    const at = text.indexOf(marker);
    const snapshotText =
        at === -1
            ? ""
            : text
                  .slice(at + marker.length)
                  .trimEnd()
                  .slice(0, -1);
    if (digest(snapshotText) !== parsed.sha256) {
        throw new BackupError(
            `${file} is damaged: its snapshot's SHA-256 is ${digest(snapshotText)}, and the file says ${parsed.sha256}. Nothing was restored.`,
        );
    }
    return parsed;
}

/** The scheduled backup's file (render/backup-script.ts, BACKUP_STEPS_FORMAT): its steps' answers, put together. */
function readStepsBackup(text: string, head: { createdAt?: unknown; stream?: unknown }, file: string): BackupFile {
    const body = text.endsWith("\n") ? text.slice(0, -1) : text;
    const lastBreak = body.lastIndexOf("\n");
    const trailer = /^sha256 ([0-9a-f]{64})$/.exec(body.slice(lastBreak + 1));
    if (trailer === null) {
        throw new BackupError(
            `${file} is incomplete: its last line is not its checksum ("sha256 <hex>"), so the backup that wrote it did not finish. Nothing was restored.`,
        );
    }
    const covered = text.slice(0, lastBreak + 1);
    if (digest(covered) !== trailer[1]) {
        throw new BackupError(
            `${file} is damaged: the SHA-256 of its steps is ${digest(covered)}, and the file says ${trailer[1]}. Nothing was restored.`,
        );
    }
    const lines = covered.split("\n").slice(1, -1);
    const kindOf = (line: string) => line.slice(0, line.indexOf(" "));
    if (typeof head.stream !== "string" || lines.length === 0 || kindOf(lines[0]) !== "cut") {
        throw new BackupError(`${file} is not a backup of this tool: it has no stream, or no cut as its first step.`);
    }
    const assembly = new SnapshotAssembly(head.stream, lines[0].slice("cut ".length));
    for (const [at, line] of lines.slice(1).entries()) {
        const pending = /^pending (\d+) /.exec(line);
        if (kindOf(line) === "entries") assembly.addEntries(line.slice("entries ".length));
        else if (pending !== null) assembly.addPending(Number(pending[1]), line.slice(pending[0].length));
        else {
            throw new BackupError(
                `${file} is not a backup of this tool: line ${at + 3} is not a step it knows (${JSON.stringify(kindOf(line))}).`,
            );
        }
    }
    const snapshot = assembly.snapshot();
    return {
        format: BACKUP_STEPS_FORMAT,
        createdAt: String(head.createdAt),
        server: `redis ${assembly.server ?? "unknown"}`,
        summary: summaryOf(snapshot),
        sha256: trailer[1],
        snapshot,
    };
}

/**
 * What is at the stream's key: whether there is a stream to remove before the restore, and what it holds that the
 * restore would lose. Nothing is lost where the stream was never written to and its groups have delivered nothing
 * (what a new deploy makes: `RedisStreamGroups` creates the groups on an empty stream), so that a restore into a new
 * bus needs no --force.
 */
async function existingData(client: Redis, stream: string): Promise<{ exists: boolean; holds?: string }> {
    const type = await client.type(stream);
    if (type === "none") return { exists: false };
    if (type !== "stream") {
        throw new BackupError(
            `key ${stream} holds a ${type}, not a stream; it was left as it is. Remove it first if it is not needed.`,
        );
    }
    // The stream's last ID says whether it was ever written to, entries trimmed since or not.
    const info = (await client.xinfo("STREAM", stream)) as unknown[];
    const lastId = info[info.indexOf("last-generated-id") + 1];
    const groups = await readGroups(client, stream);
    const untouched = (group: GroupState) =>
        group.lastDeliveredId === "0-0" && group.pending === 0 && group.consumers === 0;
    if (lastId === "0-0" && groups.every(untouched)) return { exists: true };
    const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
    return {
        exists: true,
        holds: `${count(await client.xlen(stream), "entry", "entries")} and ${count(groups.length, "group", "groups")}`,
    };
}

/**
 * The part of a snapshot a restore can recreate: all of it but the pending entries whose message had been deleted
 * from the stream before the backup (XCLAIM recreates a pending entry only for a message that exists).
 */
export function restorablePart(snapshot: StreamSnapshot): { snapshot: StreamSnapshot; pendingLost: number } {
    const present = new Set(snapshot.entries.map(([id]) => id));
    let pendingLost = 0;
    const groups = snapshot.groups.map((group) => {
        const pending = group.pending.filter((p) => present.has(p.id));
        pendingLost += group.pending.length - pending.length;
        return { ...group, pending };
    });
    return { snapshot: { ...snapshot, groups }, pendingLost };
}

/** Entries and commands are sent in pipelines of this many, so that no single round trip grows without bound. */
const BATCH = 1000;

/**
 * Restores the snapshot into the stream. Refuses a stream that holds data unless `force`, which deletes it first; a
 * stream never written to, whose groups have delivered nothing (a new bus's), is replaced without it.
 */
export interface RestoreOptions {
    /** Replace a stream that holds entries, or groups that have delivered. */
    readonly force: boolean;
    /** Called as entries go in, every `progressEvery` (10,000) of them and at the end: for a large file's progress. */
    readonly onProgress?: (restored: { entries: number; of: number }) => void;
    readonly progressEvery?: number;
}

export async function restoreSnapshot(client: Redis, snapshot: StreamSnapshot, options: RestoreOptions): Promise<void> {
    const stream = snapshot.stream;
    const existing = await existingData(client, stream);
    if (existing.holds !== undefined && !options.force) {
        throw new BackupError(
            `stream ${stream} already holds ${existing.holds}; nothing was restored. Pass --force to replace it with the backup.`,
        );
    }
    if (existing.exists) await client.del(stream);
    const run = async (commands: Array<[string, ...string[]]>, afterBatch?: (done: number) => void) => {
        for (let i = 0; i < commands.length; i += BATCH) {
            const pipeline = client.pipeline();
            for (const [command, ...args] of commands.slice(i, i + BATCH)) pipeline.call(command, ...args);
            for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
            afterBatch?.(Math.min(i + BATCH, commands.length));
        }
    };
    const every = options.progressEvery ?? 10_000;
    const of = snapshot.entries.length;
    let reported = 0;
    await run(
        snapshot.entries.map(([id, values]) => ["XADD", stream, id, ...values]),
        (entries) => {
            if (entries - reported < every && entries < of) return;
            reported = entries;
            options.onProgress?.({ entries, of });
        },
    );
    if (snapshot.entries.length === 0) {
        // An empty stream still exists, with its position: MKSTREAM creates it, through a group made for that alone.
        await run([
            ["XGROUP", "CREATE", stream, "dsm-redis-restore", "0", "MKSTREAM"],
            ["XGROUP", "DESTROY", stream, "dsm-redis-restore"],
        ]);
    }
    await run([
        [
            "XSETID",
            stream,
            snapshot.lastGeneratedId,
            "ENTRIESADDED",
            String(snapshot.entriesAdded),
            "MAXDELETEDID",
            snapshot.maxDeletedEntryId,
        ],
    ]);
    const groupCommands: Array<[string, ...string[]]> = [];
    for (const group of restorablePart(snapshot).snapshot.groups) {
        groupCommands.push([
            "XGROUP",
            "CREATE",
            stream,
            group.name,
            group.lastDeliveredId,
            ...(group.entriesRead === null ? [] : ["ENTRIESREAD", String(group.entriesRead)]),
        ]);
        for (const consumer of group.consumers)
            groupCommands.push(["XGROUP", "CREATECONSUMER", stream, group.name, consumer]);
        for (const entry of group.pending) {
            // FORCE creates the pending entry; TIME and RETRYCOUNT give it its delivery time and count back.
            groupCommands.push([
                "XCLAIM",
                stream,
                group.name,
                entry.consumer,
                "0",
                entry.id,
                "TIME",
                String(entry.deliveryTime),
                "RETRYCOUNT",
                String(entry.deliveryCount),
                "FORCE",
                "JUSTID",
            ]);
        }
    }
    await run(groupCommands);
}

/** What differs between two snapshots, in what a restore must keep; empty when they hold the same. */
export function snapshotDifferences(a: StreamSnapshot, b: StreamSnapshot): string[] {
    const differences: string[] = [];
    const same = (what: string, x: unknown, y: unknown) => {
        if (JSON.stringify(x) !== JSON.stringify(y))
            differences.push(`${what}: ${JSON.stringify(x)} != ${JSON.stringify(y)}`);
    };
    // A long list is told by its first difference, not printed whole.
    const sameList = (what: string, x: readonly unknown[], y: readonly unknown[]) => {
        const at = Array.from({ length: Math.max(x.length, y.length) }, (_, i) => i).find(
            (i) => JSON.stringify(x[i]) !== JSON.stringify(y[i]),
        );
        if (at === undefined) return;
        differences.push(
            `${what}: ${x.length} != ${y.length} items, the first difference at ${at}: ${JSON.stringify(x[at]) ?? "none"} != ${JSON.stringify(y[at]) ?? "none"}`,
        );
    };
    same("length", a.length, b.length);
    same("last-generated-id", a.lastGeneratedId, b.lastGeneratedId);
    same("entries-added", a.entriesAdded, b.entriesAdded);
    same("max-deleted-entry-id", a.maxDeletedEntryId, b.maxDeletedEntryId);
    sameList("entries", a.entries, b.entries);
    same("groups", a.groups.map((g) => g.name).sort(), b.groups.map((g) => g.name).sort());
    for (const group of a.groups) {
        const other = b.groups.find((g) => g.name === group.name);
        if (other === undefined) continue;
        same(`group ${group.name} last-delivered-id`, group.lastDeliveredId, other.lastDeliveredId);
        same(`group ${group.name} entries-read`, group.entriesRead, other.entriesRead);
        same(`group ${group.name} consumers`, [...group.consumers].sort(), [...other.consumers].sort());
        // A page gives a delivery time as the server's clock less the entry's idle time, which can differ by a
        // millisecond from the one recorded; two such readings, by two: within that, the same.
        const closeTo = (pending: readonly PendingEntry[], to: readonly PendingEntry[]) =>
            pending.map((p, i) =>
                to[i] !== undefined && Math.abs(to[i].deliveryTime - p.deliveryTime) <= 2
                    ? { ...p, deliveryTime: to[i].deliveryTime }
                    : p,
            );
        sameList(`group ${group.name} pending`, closeTo(group.pending, other.pending), other.pending);
    }
    return differences;
}
