/**
 * Dead letters on a real redis-server with the rendered redis.conf and ACL file, moved as the retention CronJob moves
 * them: its rendered run.sh and dead-letter.lua, through the real redis-cli, as the retention user. A poison entry's
 * delivery count and idle time are set with XCLAIM's RETRYCOUNT and IDLE, as many failed deliveries and the passing
 * of time would set them, so that no test sleeps.
 */
import * as assert from "assert";
import Redis from "ioredis";
import { DEAD_LETTER_FIELDS, DEAD_LETTER_SCAN, DEAD_LETTER_STATUS_KEYS } from "../components/render/dead-letter-script";
import { RETENTION_STATUS_KEYS } from "../components/render/retention-script";
import { publish } from "../testbed/bus-traffic";
import { RenderedRedis, startRenderedRedis } from "./helpers/rendered-redis";

const STREAM = "dsm:events";
const DEAD = "dsm:events:dead";
const GROUPS = ["sprint-service", "project-service"];
const EVENT = ["type", "TASK_UPDATED", "taskId", "task-7"];
/** The window that lets retention trim whatever every group has acknowledged. */
const TRIM_ALL = { retentionMinEntries: "0", retentionMaxAgeSeconds: "0" };
const POLICY = { deadLetterDeliveries: "5", deadLetterIdleSeconds: "600" };

/** Every group reads everything, as a consumer named after the group. */
async function deliverAll(admin: Redis, groups: readonly string[]): Promise<void> {
    for (const group of groups) {
        await admin.xreadgroup("GROUP", group, `${group}-1`, "STREAMS", STREAM, ">");
    }
}

/** Makes `id` look delivered `deliveries` times and idle `idleMs` in `group`, as failed deliveries would. */
async function age(admin: Redis, group: string, id: string, deliveries: number, idleMs: number): Promise<void> {
    await admin.call(
        "XCLAIM",
        STREAM,
        group,
        `${group}-1`,
        "0",
        id,
        "IDLE",
        idleMs,
        "RETRYCOUNT",
        deliveries,
        "JUSTID",
    );
}

async function pendingIds(admin: Redis, group: string): Promise<string[]> {
    const rows = (await admin.xpending(STREAM, group, "-", "+", 100000)) as Array<[string, string, number, number]>;
    return rows.map(([id]) => id);
}

async function ackAllBut(admin: Redis, group: string, keep: readonly string[]): Promise<void> {
    const ids = (await pendingIds(admin, group)).filter((id) => !keep.includes(id));
    if (ids.length > 0) await admin.xack(STREAM, group, ...ids);
}

/** The dead letters, each as a field map. */
async function deadLetters(admin: Redis): Promise<Array<Record<string, string>>> {
    const entries = (await admin.xrange(DEAD, "-", "+")) as Array<[string, string[]]>;
    return entries.map(([, fields]) => {
        const map: Record<string, string> = {};
        for (let i = 0; i < fields.length; i += 2) map[fields[i]] = fields[i + 1];
        return map;
    });
}

describe("dead letters on a real redis-server, moved as the retention CronJob moves them", function () {
    this.timeout(60_000);
    let redis: RenderedRedis;
    let admin: Redis;

    async function start(config: Record<string, string>): Promise<void> {
        redis = await startRenderedRedis(config);
        await redis.provision(GROUPS);
        admin = await redis.connect("dsm-admin");
    }
    afterEach(() => redis.stop());

    it("moves a poison entry with where it came from, acknowledges it in its group, and retention proceeds", async () => {
        await start({ ...TRIM_ALL, ...POLICY });
        const ids = await publish(admin, STREAM, 10, EVENT);
        await deliverAll(admin, GROUPS);
        const poison = ids[3];
        await ackAllBut(admin, "sprint-service", [poison]);
        await ackAllBut(admin, "project-service", []);
        await age(admin, "sprint-service", poison, 5, 600_000);

        // Before: the poison entry holds retention at itself.
        const run = await redis.retentionJob().run();
        assert.deepStrictEqual(run.deadLetterSteps, [1]);
        assert.deepStrictEqual(await pendingIds(admin, "sprint-service"), [], "still pending in its group");
        const [letter, ...others] = await deadLetters(admin);
        assert.deepStrictEqual(others, []);
        assert.deepStrictEqual(letter, {
            [DEAD_LETTER_FIELDS.id]: poison,
            [DEAD_LETTER_FIELDS.group]: "sprint-service",
            [DEAD_LETTER_FIELDS.consumer]: "sprint-service-1",
            [DEAD_LETTER_FIELDS.deliveries]: "5",
            [DEAD_LETTER_FIELDS.idleMs]: letter[DEAD_LETTER_FIELDS.idleMs],
            type: "TASK_UPDATED",
            taskId: "task-7",
        });
        assert.ok(Number(letter[DEAD_LETTER_FIELDS.idleMs]) >= 600_000, "its idle time");
        // The same run trimmed past it: nothing holds retention back any more.
        assert.strictEqual(run.heldBy, undefined);
        assert.strictEqual(await admin.xlen(STREAM), 0);
        assert.strictEqual(await admin.get(DEAD_LETTER_STATUS_KEYS.movedTotal), "1");
        assert.strictEqual(await admin.get(RETENTION_STATUS_KEYS.blocked), "0");
        // Dead letters are not the bus's retention's to trim.
        await redis.retentionJob().run();
        assert.strictEqual(await admin.xlen(DEAD), 1);
    });

    it("never moves an entry a consumer may be working on (idle too short), nor one delivered too few times", async () => {
        await start({ ...TRIM_ALL, ...POLICY });
        const ids = await publish(admin, STREAM, 3, EVENT);
        await deliverAll(admin, GROUPS);
        await ackAllBut(admin, "project-service", []);
        await age(admin, "sprint-service", ids[0], 50, 599_000);
        await age(admin, "sprint-service", ids[1], 4, 10_000_000);
        await age(admin, "sprint-service", ids[2], 5, 600_000);
        const run = await redis.retentionJob().run();
        assert.deepStrictEqual(run.deadLetterSteps, [1]);
        assert.deepStrictEqual(await pendingIds(admin, "sprint-service"), [ids[0], ids[1]]);
        assert.deepStrictEqual(
            (await deadLetters(admin)).map((l) => l[DEAD_LETTER_FIELDS.id]),
            [ids[2]],
        );
        assert.strictEqual(run.heldBy, "sprint-service", "retention still stops at the entries in progress");
    });

    it("reaches a poison entry behind more healthy pending entries than one step looks at, in its group only", async () => {
        await start({ ...TRIM_ALL, ...POLICY });
        const ids = await publish(admin, STREAM, DEAD_LETTER_SCAN * 3, EVENT);
        await deliverAll(admin, GROUPS);
        const poison = ids[ids.length - 2];
        await age(admin, "sprint-service", poison, 9, 3_600_000);
        const run = await redis.retentionJob().run();
        assert.ok(run.deadLetterSteps.length >= 3, `one pass in bounded steps: ${run.deadLetterSteps.join(",")}`);
        assert.deepStrictEqual(
            (await deadLetters(admin)).map((l) => l[DEAD_LETTER_FIELDS.id]),
            [poison],
        );
        assert.strictEqual((await pendingIds(admin, "sprint-service")).length, ids.length - 1);
        // The other group had it delivered too, and is working on it: it keeps it pending.
        assert.deepStrictEqual(await pendingIds(admin, "project-service"), ids);
    });

    it("records the most delivered entry it leaves pending, tallied across its steps and groups, and names it", async () => {
        await start({ ...TRIM_ALL, ...POLICY });
        const ids = await publish(admin, STREAM, DEAD_LETTER_SCAN * 3, EVENT);
        await deliverAll(admin, GROUPS);
        const most = () => admin.mget(DEAD_LETTER_STATUS_KEYS.mostDeliveries, DEAD_LETTER_STATUS_KEYS.mostDelivered);
        // Delivered 7 times but claimed again just now (not idle): a consumer is on it, so it stays pending. It is
        // in the third step's share of sprint-service's pending list.
        const retried = ids[DEAD_LETTER_SCAN * 2 + 50];
        await age(admin, "sprint-service", retried, 7, 0);
        await age(admin, "project-service", ids[10], 3, 0);
        const run = await redis.retentionJob().run();
        assert.ok(run.deadLetterSteps.length >= 6, `bounded steps: ${run.deadLetterSteps.join(",")}`);
        assert.deepStrictEqual(await deadLetters(admin), [], "nothing was idle long enough to move");
        assert.deepStrictEqual(await most(), ["7", `entry ${retried} of group sprint-service`]);

        await admin.xack(STREAM, "sprint-service", retried);
        await redis.retentionJob().run();
        assert.deepStrictEqual(await most(), ["3", `entry ${ids[10]} of group project-service`]);

        // Moved entries are no longer pending: they do not count.
        await age(admin, "project-service", ids[10], 5, 600_000);
        await ackAllBut(admin, "sprint-service", []);
        await ackAllBut(admin, "project-service", [ids[10]]);
        await redis.retentionJob().run();
        assert.deepStrictEqual(
            (await deadLetters(admin)).map((l) => l[DEAD_LETTER_FIELDS.id]),
            [ids[10]],
        );
        assert.deepStrictEqual(await most(), ["0", "none"]);
    });

    it("stops at its cap, drops nothing, and says the dead-letter stream is full", async () => {
        await start({ ...TRIM_ALL, ...POLICY, deadLetterMaxEntries: "1" });
        const ids = await publish(admin, STREAM, 2, EVENT);
        await deliverAll(admin, ["sprint-service"]);
        for (const id of ids) await age(admin, "sprint-service", id, 5, 600_000);
        const run = await redis.retentionJob().run();
        assert.deepStrictEqual(run.deadLetterSteps, [1]);
        assert.strictEqual(run.deadLettersFull, true);
        assert.strictEqual(await admin.get(DEAD_LETTER_STATUS_KEYS.full), "1");
        assert.deepStrictEqual(await pendingIds(admin, "sprint-service"), [ids[1]], "the second stays pending");
        assert.deepStrictEqual(await admin.xrange(STREAM, ids[1], ids[1]), [[ids[1], EVENT]], "and in the stream");
    });

    it("is off with deadLetters false: the poison entry stays pending and holds retention", async () => {
        await start({ ...TRIM_ALL, ...POLICY, deadLetters: "false" });
        const [id] = await publish(admin, STREAM, 1, EVENT);
        await deliverAll(admin, GROUPS);
        await ackAllBut(admin, "project-service", []);
        await age(admin, "sprint-service", id, 50, 3_600_000);
        const run = await redis.retentionJob().run();
        assert.deepStrictEqual(run.deadLetterSteps, []);
        assert.strictEqual(run.heldBy, "sprint-service");
        assert.strictEqual(await admin.exists(DEAD), 0);
    });
});
