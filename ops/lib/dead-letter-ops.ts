/**
 * What `npm run dead-letters` does to a bus, on an ioredis client: list the dead letters the retention run moved out
 * of the groups' way (components/render/dead-letter-script.ts), replay them to the group they came from, or drop them.
 *
 * Each replay and each drop is one script or one command on one dead letter, so that a command stopped between any
 * two of them (a lost connection, Ctrl-C) leaves every entry in exactly one place: still a dead letter, or back in its
 * group's pending entries (or, with `append`, in the stream), never both and never neither.
 */
import type Redis from "ioredis";
import { DEAD_LETTER_FIELDS, deadLetterStreamOf } from "../../components";

export interface DeadLetter {
    /** Its ID in the dead-letter stream: what replay and drop name it by. */
    readonly id: string;
    /** The entry's ID in the stream it came from. */
    readonly originalId: string;
    readonly group: string;
    /** The consumer it was pending for when it was moved. */
    readonly consumer: string;
    /** How many times the group had delivered it. */
    readonly deliveries: number;
    /** How long it had been idle when it was moved. */
    readonly idleMs: number;
    /** When it was moved (from its dead-letter ID), ms since the epoch. */
    readonly movedAt: number;
    /** The entry was already gone from the stream when it was moved: only where it came from is known. */
    readonly missing: boolean;
    /** The entry's own fields, as field, value, field, value… */
    readonly fields: readonly string[];
}

/** A dead letter this command will not act on, and why: the caller reports it, and the dead letter stays. */
export class DeadLetterRefusal extends Error {
    override readonly name = "DeadLetterRefusal";
}

const OWN_FIELDS = new Set<string>(Object.values(DEAD_LETTER_FIELDS));

/** A dead letter that went between the listing and the step: another operator replayed or dropped it. */
function goneMeanwhile(what: string, dead: string): DeadLetterRefusal {
    return new DeadLetterRefusal(`${what} is no longer in ${dead}: replayed or dropped meanwhile`);
}

/** A dead-letter stream entry as a DeadLetter; undefined for an entry that is not one (written by someone else). */
export function readDeadLetter(id: string, raw: readonly string[]): DeadLetter | undefined {
    const own = new Map<string, string>();
    const fields: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
        if (OWN_FIELDS.has(raw[i]) && !own.has(raw[i])) own.set(raw[i], raw[i + 1]);
        else fields.push(raw[i], raw[i + 1]);
    }
    const originalId = own.get(DEAD_LETTER_FIELDS.id);
    const group = own.get(DEAD_LETTER_FIELDS.group);
    if (originalId === undefined || group === undefined) return undefined;
    return {
        id,
        originalId,
        group,
        consumer: own.get(DEAD_LETTER_FIELDS.consumer) ?? "",
        deliveries: Number(own.get(DEAD_LETTER_FIELDS.deliveries) ?? 0),
        idleMs: Number(own.get(DEAD_LETTER_FIELDS.idleMs) ?? 0),
        movedAt: Number(id.split("-")[0]),
        missing: own.get(DEAD_LETTER_FIELDS.missing) === "1",
        fields,
    };
}

/** Which dead letters a command acts on: those with these IDs (all when absent), of this group (any when absent). */
export interface DeadLetterSelection {
    readonly ids?: readonly string[];
    readonly group?: string;
}

/** The dead letters of `stream`, oldest first, as selected. An ID that names no dead letter is refused. */
export async function listDeadLetters(
    client: Redis,
    stream: string,
    selection: DeadLetterSelection = {},
): Promise<DeadLetter[]> {
    const dead = deadLetterStreamOf(stream);
    const entries = (await client.xrange(dead, "-", "+")) as Array<[string, string[]]>;
    const letters = entries.flatMap(([id, raw]) => readDeadLetter(id, raw) ?? []);
    if (selection.ids !== undefined) {
        const known = new Set(letters.map((l) => l.id));
        const unknown = selection.ids.filter((id) => !known.has(id));
        if (unknown.length > 0) {
            throw new DeadLetterRefusal(
                `no dead letter ${unknown.join(", ")} in ${dead}; \`npm run dead-letters -- list\` shows their IDs`,
            );
        }
    }
    return letters.filter(
        (l) =>
            (selection.ids === undefined || selection.ids.includes(l.id)) &&
            (selection.group === undefined || l.group === selection.group),
    );
}

/**
 * Puts one dead letter back in its group's pending entries, for the consumer it was pending for, and deletes it from
 * the dead-letter stream, atomically. XCLAIM with FORCE makes the group owe the original entry again without adding
 * anything to the stream, so no other group sees it twice; RETRYCOUNT 0 so that the next retention run does not take
 * it straight back. It needs the original entry: once retention has trimmed it, this refuses (GONE), and only an
 * append can bring the event back.
 *
 * KEYS: stream, dead-letter stream. ARGV: dead-letter ID, original ID, group, consumer.
 */
export const REPLAY_SCRIPT = `
local stream, dead = KEYS[1], KEYS[2]
local letter, original, group, consumer = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if #redis.call('XRANGE', dead, letter, letter) == 0 then return 'NOLETTER' end
if #redis.call('XRANGE', stream, original, original) == 0 then return 'GONE' end
local found = false
for _, raw in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
  for i = 1, #raw, 2 do
    if raw[i] == 'name' and raw[i + 1] == group then found = true end
  end
end
if not found then return 'NOGROUP' end
redis.call('XCLAIM', stream, group, consumer, 0, original, 'FORCE', 'RETRYCOUNT', 0, 'JUSTID')
redis.call('XDEL', dead, letter)
return 'OK'
`;

/**
 * Appends one dead letter's fields to the stream as a new entry, with where it came from, and deletes the dead
 * letter, atomically. Every group is delivered the new entry: the way back for an event whose original was trimmed.
 *
 * KEYS: stream, dead-letter stream. ARGV: dead-letter ID, then the fields to append.
 */
export const APPEND_SCRIPT = `
local stream, dead, letter = KEYS[1], KEYS[2], ARGV[1]
if #redis.call('XRANGE', dead, letter, letter) == 0 then return 'NOLETTER' end
local id = redis.call('XADD', stream, '*', unpack(ARGV, 2))
redis.call('XDEL', dead, letter)
return id
`;

/** The field an appended replay carries: the original entry's ID, so that a consumer can tell it from a new event. */
export const REPLAYED_FROM_FIELD = "dead-letter:replayed-from";

export interface Replayed {
    readonly letter: DeadLetter;
    /** Back in its group's pending entries, or appended to the stream as this new ID. */
    readonly to: "pending" | { readonly appended: string };
}

/**
 * Replays one dead letter: back to its group alone while the original entry is in the stream; otherwise refused,
 * unless `append`, which adds it to the stream as a new entry for every group.
 */
export async function replayDeadLetter(
    client: Redis,
    stream: string,
    letter: DeadLetter,
    append = false,
): Promise<Replayed> {
    const dead = deadLetterStreamOf(stream);
    const where = `dead letter ${letter.id} (entry ${letter.originalId} of group ${letter.group})`;
    if (letter.missing) {
        throw new DeadLetterRefusal(
            `${where}: its entry was already gone when it was moved, so there is no event to replay; drop it`,
        );
    }
    const reply = String(
        await client.eval(REPLAY_SCRIPT, 2, stream, dead, letter.id, letter.originalId, letter.group, letter.consumer),
    );
    if (reply === "OK") return { letter, to: "pending" };
    if (reply === "NOLETTER") throw goneMeanwhile(where, dead);
    if (reply === "NOGROUP") {
        throw new DeadLetterRefusal(
            `${where}: ${stream} has no group ${letter.group} any more; drop it, or create the group`,
        );
    }
    if (!append) {
        throw new DeadLetterRefusal(
            `${where}: the entry is no longer in ${stream} (retention trimmed it), so it cannot go back to that group ` +
                `alone; --append adds it to the stream as a new entry, delivered to every group`,
        );
    }
    const appended = await client.eval(
        APPEND_SCRIPT,
        2,
        stream,
        dead,
        letter.id,
        REPLAYED_FROM_FIELD,
        letter.originalId,
        ...letter.fields,
    );
    if (appended === "NOLETTER") throw goneMeanwhile(where, dead);
    return { letter, to: { appended: String(appended) } };
}

/** Drops one dead letter: one XDEL. Refused when it is already gone. */
export async function dropDeadLetter(client: Redis, stream: string, letter: DeadLetter): Promise<void> {
    const dead = deadLetterStreamOf(stream);
    if (Number(await client.xdel(dead, letter.id)) === 0) {
        throw goneMeanwhile(`dead letter ${letter.id}`, dead);
    }
}
