/**
 * What the provider does to Redis, each in as few round trips as the commands allow. Every function takes a
 * connected client; none opens or closes one.
 */
import type { Redis } from "ioredis";
import { errorMessage } from "../redis-link/error-message";
import type { GroupSpec } from "./inputs";

export interface GroupState {
    readonly name: string;
    readonly consumers: number;
    /** Entries delivered to the group and not yet acknowledged. */
    readonly pending: number;
    readonly lastDeliveredId: string;
}

/** Thrown for a key that holds another type; the key is left as it was. */
export class WrongTypeError extends Error {
    constructor(stream: string, type: string) {
        super(
            `key ${JSON.stringify(stream)} holds a ${type}, not a stream; it was left untouched. Rename the stream input or remove the key.`,
        );
        this.name = "WrongTypeError";
    }
}

/** Thrown when groups to remove still have pending entries; nothing was removed. */
export class PendingEntriesError extends Error {
    constructor(
        stream: string,
        readonly pending: ReadonlyArray<{ name: string; pending: number }>,
    ) {
        super(
            `refusing to remove ${pending.map((p) => `group ${JSON.stringify(p.name)} (${p.pending} pending entr${p.pending === 1 ? "y" : "ies"})`).join(", ")} from ${JSON.stringify(stream)}: ` +
                "its consumers have not acknowledged everything delivered to them, and removing the group would lose that record. " +
                "Let them XACK (or XAUTOCLAIM and handle) those entries, or keep the group in the config.",
        );
        this.name = "PendingEntriesError";
    }
}

/**
 * XGROUP CREATE … MKSTREAM for every group, pipelined: one round trip. BUSYGROUP means the group is already there.
 * Safe to repeat after any partial failure: what exists is left as it is.
 */
export async function createGroups(client: Redis, stream: string, groups: readonly GroupSpec[]): Promise<void> {
    if (groups.length === 0) return;
    const pipeline = client.pipeline();
    for (const group of groups) {
        pipeline.xgroup("CREATE", stream, group.name, group.startId ?? "0", "MKSTREAM");
    }
    const results = (await pipeline.exec()) ?? [];
    for (const [index, [error]] of results.entries()) {
        if (error === null || errorMessage(error).startsWith("BUSYGROUP")) continue;
        if (errorMessage(error).startsWith("WRONGTYPE")) throw new WrongTypeError(stream, await client.type(stream));
        throw new Error(`XGROUP CREATE ${stream} ${groups[index].name} failed: ${errorMessage(error)}`);
    }
}

/** The groups that exist on the stream (XINFO GROUPS); none when the stream does not exist. */
export async function readGroups(client: Redis, stream: string): Promise<GroupState[]> {
    let reply: unknown;
    try {
        reply = await client.xinfo("GROUPS", stream);
    } catch (error) {
        if (/no such key/i.test(errorMessage(error))) return [];
        if (errorMessage(error).startsWith("WRONGTYPE")) throw new WrongTypeError(stream, await client.type(stream));
        throw error;
    }
    return (reply as unknown[][]).map((flat) => {
        const fields = new Map<string, unknown>();
        for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), flat[i + 1]);
        return {
            name: String(fields.get("name")),
            consumers: Number(fields.get("consumers")),
            pending: Number(fields.get("pending")),
            lastDeliveredId: String(fields.get("last-delivered-id")),
        };
    });
}

/**
 * Checks the pending counts and destroys groups in one atomic script, so that no entry can be delivered between
 * the check and the removal. Returns, per name, its pending count (-1 for a group that does not exist).
 * `allOrNothing`: when any group has pending entries, destroy none.
 */
const DESTROY_WITHOUT_PENDING = `
local groups = redis.pcall('XINFO', 'GROUPS', KEYS[1])
if type(groups) == 'table' and groups.err then
  if string.find(groups.err, 'no such key') then groups = {} else return redis.error_reply(groups.err) end
end
local pendingByName = {}
for _, group in ipairs(groups) do
  local fields = {}
  for i = 1, #group, 2 do fields[group[i]] = group[i + 1] end
  pendingByName[fields['name']] = fields['pending']
end
local counts = {}
local blocked = false
for i = 2, #ARGV do
  local pending = pendingByName[ARGV[i]] or -1
  counts[i - 1] = pending
  if pending > 0 then blocked = true end
end
if blocked and ARGV[1] == 'all-or-nothing' then return counts end
for i = 2, #ARGV do
  if counts[i - 1] == 0 then redis.call('XGROUP', 'DESTROY', KEYS[1], ARGV[i]) end
end
return counts
`;

export interface DestroyResult {
    /** The groups left in place because entries delivered to them are still unacknowledged. */
    readonly kept: Array<{ name: string; pending: number }>;
}

export async function destroyGroupsWithoutPending(
    client: Redis,
    stream: string,
    names: readonly string[],
    mode: "all-or-nothing" | "each",
): Promise<DestroyResult> {
    if (names.length === 0) return { kept: [] };
    const counts = (await client.eval(DESTROY_WITHOUT_PENDING, 1, stream, mode, ...names)) as number[];
    const kept = names.map((name, i) => ({ name, pending: counts[i] })).filter((g) => g.pending > 0);
    if (mode === "all-or-nothing" && kept.length > 0) {
        throw new PendingEntriesError(stream, kept);
    }
    return { kept };
}

/** Deletes the key only if it is a stream, atomically; returns whether it deleted anything. */
export async function deleteStream(client: Redis, stream: string): Promise<boolean> {
    const script = "if redis.call('TYPE', KEYS[1]).ok == 'stream' then return redis.call('DEL', KEYS[1]) end return 0";
    return (await client.eval(script, 1, stream)) === 1;
}
