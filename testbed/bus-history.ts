/**
 * A recorded history of a bus under faults, in the spirit of Jepsen: producers append numbered events (some waiting
 * for a majority with WAIT, some not), a consumer in each group reads and acknowledges, and every outcome is written
 * down with its time. `checkHistory` then judges the history against what the bus promises.
 *
 * An outcome is what the client can know: `confirmed` (XADD answered, and WAIT counted a majority), `written` (XADD
 * answered, not confirmed), `refused` (an error reply: the server did not run it), `unknown` (the connection broke
 * with the command sent: it may or may not have run). A producer never retries an event, so that an `unknown` one
 * can never appear twice.
 *
 * Consumers acknowledge what they read, except every `withholdEvery`-th event, which they leave pending as a
 * consumer that crashed on it would: those entries are what "no pending entry forgotten" is judged on. An XACK whose
 * reply was lost (the connection broke, the master paused) may or may not have run, exactly like a publication's
 * `unknown`, so the entries it named are judged on nothing.
 */
import type Redis from "ioredis";
import { setTimeout as delay } from "timers/promises";

export type Outcome = "confirmed" | "written" | "refused" | "unknown";

export interface Publication {
    readonly event: string;
    readonly durable: boolean;
    readonly outcome: Outcome;
    readonly id?: string;
    /** The error reply or failure, for a publication that was not confirmed. */
    readonly reason?: string;
    /** When the reply came (ms since the epoch). */
    readonly at: number;
}

/**
 * What became of a delivery: `acknowledged` (the XACK that followed answered for its whole batch), `withheld` (left
 * pending on purpose), `indeterminate` (an XACK was sent, and its reply was lost or counted less than the batch).
 */
export type Acknowledgement = "acknowledged" | "withheld" | "indeterminate";

export interface Delivery {
    readonly group: string;
    readonly event: string;
    readonly id: string;
    acknowledgement: Acknowledgement;
}

/** Replies that say the server did not run the command. */
const REFUSALS = /^(NOREPLICAS|READONLY|LOADING|MASTERDOWN|NOAUTH|WRONGPASS|NOPERM|OOM)\b|enableOfflineQueue/;

function outcomeOf(error: unknown): Outcome {
    return REFUSALS.test(error instanceof Error ? error.message : String(error)) ? "refused" : "unknown";
}

export interface HistoryOptions {
    readonly stream: string;
    readonly groups: readonly string[];
    /** The replicas a durable publish waits for: with the master, a majority. */
    readonly majorityReplicas: number;
    /** A client for a producer or a consumer; each gets its own. */
    readonly connect: (role: "producer" | "consumer") => Redis;
    /** Between two events of one producer. */
    readonly pauseMilliseconds?: number;
    /** Consumers leave the events numbered by a multiple of this pending until the drain. Default 10. */
    readonly withholdEvery?: number;
}

type StreamEntries = Array<[string, string[]]>;
type ReadReply = Array<[string, StreamEntries]> | null;

/** The event name a recorded entry carries. */
export function eventOf(fields: readonly string[]): string {
    return fields[fields.indexOf("event") + 1];
}

/** The number in an event's name (`durable-12` → 12). */
function numberOf(event: string): number {
    return Number(event.slice(event.lastIndexOf("-") + 1));
}

export class BusHistory {
    readonly publications: Publication[] = [];
    readonly deliveries: Delivery[] = [];
    /** How many deliveries the consumers made before the drain; the drain's come after. */
    deliveredBeforeDrain = 0;
    private running = false;
    private loops: Promise<void>[] = [];
    private readonly clients: Redis[] = [];

    constructor(private readonly options: HistoryOptions) {}

    /** Starts a durable producer, a plain one, and a consumer in each group. */
    start(): void {
        this.running = true;
        this.loops = [
            this.produce("durable", true),
            this.produce("plain", false),
            ...this.options.groups.map((group) => this.consume(group)),
        ];
    }

    async stop(): Promise<void> {
        this.running = false;
        await Promise.all(this.loops);
        for (const client of this.clients) client.disconnect();
    }

    private client(role: "producer" | "consumer"): Redis {
        const client = this.options.connect(role);
        // Errors reach the loops as rejected commands; the event would only be noise.
        client.on("error", () => undefined);
        this.clients.push(client);
        return client;
    }

    private async produce(name: string, durable: boolean): Promise<void> {
        const client = this.client("producer");
        const { stream, majorityReplicas } = this.options;
        for (let n = 1; this.running; n++) {
            const event = `${name}-${n}`;
            let outcome: Outcome;
            let id: string | undefined;
            let reason: string | undefined;
            try {
                id = (await client.xadd(stream, "*", "event", event)) ?? undefined;
                outcome = "written";
                if (durable) {
                    const acked = Number(await client.call("WAIT", String(majorityReplicas), "1000"));
                    if (acked >= majorityReplicas) outcome = "confirmed";
                    else reason = `WAIT counted ${acked} of ${majorityReplicas}`;
                }
            } catch (error) {
                // An XADD that was answered stays written whatever WAIT does.
                outcome = id === undefined ? outcomeOf(error) : "written";
                reason = error instanceof Error ? error.message : String(error);
            }
            this.publications.push({ event, durable, outcome, id, reason, at: Date.now() });
            await delay(this.options.pauseMilliseconds ?? 2);
        }
    }

    private async consume(group: string): Promise<void> {
        const client = this.client("consumer");
        const { stream } = this.options;
        while (this.running) {
            try {
                const reply = (await client.xreadgroup(
                    "GROUP",
                    group,
                    `${group}-consumer`,
                    "COUNT",
                    100,
                    "BLOCK",
                    100,
                    "STREAMS",
                    stream,
                    ">",
                )) as ReadReply;
                await this.acknowledge(client, group, reply?.[0]?.[1] ?? [], true);
            } catch {
                await delay(20);
            }
        }
    }

    /**
     * Records each entry as delivered, then acknowledges them (but, for a consumer, the withheld ones), marking those
     * the group is known to have let go of.
     */
    private async acknowledge(client: Redis, group: string, entries: StreamEntries, withhold: boolean): Promise<void> {
        const every = this.options.withholdEvery ?? 10;
        const delivered: Delivery[] = entries.map(([id, fields]) => {
            const event = eventOf(fields);
            const withheld = withhold && numberOf(event) % every === 0;
            return { group, event, id, acknowledgement: withheld ? "withheld" : "indeterminate" };
        });
        this.deliveries.push(...delivered);
        const sent = delivered.filter((d) => d.acknowledgement === "indeterminate");
        if (sent.length === 0) return;
        const acked = await client.xack(this.options.stream, group, ...sent.map((d) => d.id));
        // XACK counts what it removed; a whole batch it removed is known acknowledged, a part is not attributable.
        if (Number(acked) === sent.length) for (const d of sent) d.acknowledgement = "acknowledged";
    }

    /**
     * After the faults, on the settled master: every group reads what it has not been delivered, and claims and
     * acknowledges what is still pending, so that the history holds every delivery the bus owes.
     */
    async drain(client: Redis): Promise<void> {
        const { stream, groups } = this.options;
        this.deliveredBeforeDrain = this.deliveries.length;
        for (const group of groups) {
            const consumer = `${group}-drain`;
            for (;;) {
                const reply = (await client.xreadgroup(
                    "GROUP",
                    group,
                    consumer,
                    "COUNT",
                    1000,
                    "STREAMS",
                    stream,
                    ">",
                )) as ReadReply;
                const entries = reply?.[0]?.[1] ?? [];
                if (entries.length === 0) break;
                await this.acknowledge(client, group, entries, false);
            }
            let cursor = "0-0";
            do {
                const [next, entries] = (await client.xautoclaim(
                    stream,
                    group,
                    consumer,
                    0,
                    cursor,
                    "COUNT",
                    1000,
                )) as [string, StreamEntries];
                await this.acknowledge(
                    client,
                    group,
                    entries.filter(([, fields]) => fields !== null),
                    false,
                );
                cursor = next;
            } while (cursor !== "0-0");
        }
    }
}

/** What the bus holds after the faults, read from the settled master. */
export interface FinalState {
    readonly entries: StreamEntries;
    /** Before the drain: each group's last-delivered ID and pending IDs. */
    readonly groups: Readonly<Record<string, { readonly lastDelivered: string; readonly pending: readonly string[] }>>;
}

export async function readFinalState(client: Redis, stream: string, groups: readonly string[]): Promise<FinalState> {
    const entries = (await client.xrange(stream, "-", "+")) as StreamEntries;
    const info = (await client.xinfo("GROUPS", stream)) as string[][];
    const byGroup: Record<string, { lastDelivered: string; pending: string[] }> = {};
    for (const group of groups) {
        const row = info.find((r) => r[r.indexOf("name") + 1] === group);
        if (row === undefined) throw new Error(`group ${group} is gone from the master`);
        const pending = (await client.xpending(stream, group, "-", "+", 1_000_000)) as Array<[string, ...unknown[]]>;
        byGroup[group] = {
            lastDelivered: row[row.indexOf("last-delivered-id") + 1],
            pending: pending.map((p) => p[0]),
        };
    }
    return { entries, groups: byGroup };
}

/** Compares stream IDs `ms-seq`. */
export function compareIds(a: string, b: string): number {
    const [am, as] = a.split("-").map(BigInt);
    const [bm, bs] = b.split("-").map(BigInt);
    return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}

export interface HistoryVerdict {
    /** Confirmed events missing from the master: the bus's promise is that this is empty. */
    readonly confirmedLost: string[];
    /** Events in the stream more than once. */
    readonly duplicated: string[];
    /** Per group, confirmed events never delivered to it. */
    readonly undelivered: Readonly<Record<string, string[]>>;
    /** Per group, withheld events the master forgot: delivered, neither pending nor still to come. */
    readonly pendingForgotten: Readonly<Record<string, string[]>>;
    /** Withheld deliveries judged for that: none would make the check on pending entries vacuous. */
    readonly withheld: number;
    /** Written but unconfirmed events that are gone: what an unconfirmed publish risks. */
    readonly unconfirmedLost: number;
    readonly confirmed: number;
    readonly written: number;
    /** The longest time between two answered XADDs: the write-unavailable window. */
    readonly longestWriteGapMilliseconds: number;
}

/**
 * Judges a history. `before` is the master's state after the faults and before the drain (pending entries kept?);
 * `after` its entries once the drain has run (`history` now holds the drain's deliveries too).
 */
export function checkHistory(history: BusHistory, before: FinalState, after: FinalState): HistoryVerdict {
    const present = new Map<string, number>();
    for (const [, fields] of after.entries) present.set(eventOf(fields), (present.get(eventOf(fields)) ?? 0) + 1);
    const answered = history.publications.filter((p) => p.outcome === "confirmed" || p.outcome === "written");
    const confirmed = answered.filter((p) => p.outcome === "confirmed");
    const stillThere = new Set(before.entries.map(([id]) => id));
    const byConsumers = history.deliveries.slice(0, history.deliveredBeforeDrain);
    const undelivered: Record<string, string[]> = {};
    const pendingForgotten: Record<string, string[]> = {};
    for (const [group, state] of Object.entries(before.groups)) {
        const delivered = new Set(history.deliveries.filter((d) => d.group === group).map((d) => d.event));
        undelivered[group] = confirmed.filter((p) => !delivered.has(p.event)).map((p) => p.event);
        const pending = new Set(state.pending);
        const owedAgain = byConsumers.filter(
            (d) =>
                d.group === group &&
                d.acknowledgement === "withheld" &&
                stillThere.has(d.id) &&
                !pending.has(d.id) &&
                compareIds(d.id, state.lastDelivered) <= 0,
        );
        pendingForgotten[group] = [...new Set(owedAgain.map((d) => d.event))];
    }
    const times = answered.map((p) => p.at).sort((a, b) => a - b);
    let gap = 0;
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
    return {
        confirmedLost: confirmed.filter((p) => !present.has(p.event)).map((p) => p.event),
        duplicated: [...present].filter(([, count]) => count > 1).map(([event]) => event),
        undelivered,
        pendingForgotten,
        withheld: byConsumers.filter((d) => d.acknowledgement === "withheld").length,
        unconfirmedLost: answered.filter((p) => p.outcome === "written" && !present.has(p.event)).length,
        confirmed: confirmed.length,
        written: answered.length,
        longestWriteGapMilliseconds: gap,
    };
}
