/**
 * Backup and restore of the bus: its stream, entry by entry, with every consumer group's position (last-delivered ID,
 * entries read), consumers and pending entries (who holds which entry, since when, how often delivered).
 *
 * A backup is one `XINFO STREAM <key> FULL COUNT 0`: a single command, so the snapshot is consistent, taken while
 * producers and consumers go on. The file is JSON with a SHA-256 of the snapshot and a summary of what it holds.
 * A restore rebuilds the stream with commands every Redis 7 and Valkey accept (XADD with the entries' IDs, XSETID,
 * XGROUP CREATE … ENTRIESREAD, XGROUP CREATECONSUMER, XCLAIM … FORCE to recreate pending entries), so a backup moves
 * to another server version, where DUMP and RESTORE would refuse a newer RDB format.
 */
import { createHash } from "crypto";
import type { Redis } from "ioredis";

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
    readonly format: typeof BACKUP_FORMAT;
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

/** A RESP map (a flat list of key, value, key, value …) as a Map. */
function fields(flat: unknown): Map<string, unknown> {
    const list = flat as unknown[];
    const map = new Map<string, unknown>();
    for (let i = 0; i + 1 < list.length; i += 2) map.set(String(list[i]), list[i + 1]);
    return map;
}

/** Takes a consistent snapshot of the stream, in one command; undefined when there is no such key. */
export async function takeSnapshot(client: Redis, stream: string): Promise<StreamSnapshot | undefined> {
    let reply: unknown;
    try {
        reply = await client.call("XINFO", "STREAM", stream, "FULL", "COUNT", "0");
    } catch (error) {
        if (/no such key/i.test(String((error as Error).message))) return undefined;
        throw error;
    }
    const info = fields(reply);
    return {
        stream,
        length: Number(info.get("length")),
        lastGeneratedId: String(info.get("last-generated-id")),
        maxDeletedEntryId: String(info.get("max-deleted-entry-id")),
        entriesAdded: Number(info.get("entries-added")),
        entries: ((info.get("entries") as unknown[][]) ?? []).map(([id, values]) => [
            String(id),
            (values as unknown[]).map(String),
        ]),
        groups: ((info.get("groups") as unknown[][]) ?? []).map((raw) => {
            const group = fields(raw);
            const entriesRead = group.get("entries-read");
            return {
                name: String(group.get("name")),
                lastDeliveredId: String(group.get("last-delivered-id")),
                entriesRead: entriesRead === null || entriesRead === undefined ? null : Number(entriesRead),
                consumers: ((group.get("consumers") as unknown[][]) ?? []).map((c) => String(fields(c).get("name"))),
                pending: ((group.get("pending") as unknown[][]) ?? []).map(([id, consumer, time, count]) => ({
                    id: String(id),
                    consumer: String(consumer),
                    deliveryTime: Number(time),
                    deliveryCount: Number(count),
                })),
            };
        }),
    };
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

/** Reads a backup file, refusing one of another format or whose checksum fails. */
export function readBackup(text: string, file: string): BackupFile {
    let parsed: BackupFile;
    try {
        parsed = JSON.parse(text) as BackupFile;
    } catch {
        throw new BackupError(`${file} is not a backup of this tool: it is not JSON.`);
    }
    if (parsed.format !== BACKUP_FORMAT) {
        throw new BackupError(
            `${file} is not a backup of this tool: its format is ${JSON.stringify(parsed.format)}, expected ${BACKUP_FORMAT}.`,
        );
    }
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

/** Whether the stream holds anything a restore would overwrite: entries or groups; a key of another type refuses. */
async function existingData(client: Redis, stream: string): Promise<string | undefined> {
    const type = await client.type(stream);
    if (type === "none") return undefined;
    if (type !== "stream") {
        throw new BackupError(
            `key ${stream} holds a ${type}, not a stream; it was left as it is. Remove it first if it is not needed.`,
        );
    }
    const length = await client.xlen(stream);
    const groups = ((await client.xinfo("GROUPS", stream)) as unknown[]).length;
    return length > 0 || groups > 0 ? `${length} entries and ${groups} groups` : undefined;
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
 * Restores the snapshot into the stream. Refuses a stream that holds data unless `force`, which deletes it first.
 */
export async function restoreSnapshot(
    client: Redis,
    snapshot: StreamSnapshot,
    options: { force: boolean },
): Promise<void> {
    const stream = snapshot.stream;
    const existing = await existingData(client, stream);
    if (existing !== undefined) {
        if (!options.force) {
            throw new BackupError(
                `stream ${stream} already holds ${existing}; nothing was restored. Pass --force to replace it with the backup.`,
            );
        }
        await client.del(stream);
    }
    const run = async (commands: Array<[string, ...string[]]>) => {
        for (let i = 0; i < commands.length; i += BATCH) {
            const pipeline = client.pipeline();
            for (const [command, ...args] of commands.slice(i, i + BATCH)) pipeline.call(command, ...args);
            for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
        }
    };
    await run(snapshot.entries.map(([id, values]) => ["XADD", stream, id, ...values]));
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
    same("length", a.length, b.length);
    same("last-generated-id", a.lastGeneratedId, b.lastGeneratedId);
    same("entries-added", a.entriesAdded, b.entriesAdded);
    same("max-deleted-entry-id", a.maxDeletedEntryId, b.maxDeletedEntryId);
    same("entries", a.entries, b.entries);
    same("groups", a.groups.map((g) => g.name).sort(), b.groups.map((g) => g.name).sort());
    for (const group of a.groups) {
        const other = b.groups.find((g) => g.name === group.name);
        if (other === undefined) continue;
        same(`group ${group.name} last-delivered-id`, group.lastDeliveredId, other.lastDeliveredId);
        same(`group ${group.name} entries-read`, group.entriesRead, other.entriesRead);
        same(`group ${group.name} consumers`, [...group.consumers].sort(), [...other.consumers].sort());
        same(`group ${group.name} pending`, group.pending, other.pending);
    }
    return differences;
}
