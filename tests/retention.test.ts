/**
 * Retention on real redis-servers with the rendered redis.conf and ACL file, run as the CronJob runs it: its rendered
 * run.sh and trim.lua, through the real redis-cli, as the retention user. What it must never do is trim an entry a
 * consumer group has not been delivered or holds pending; what it must do is keep the bus from filling.
 */
import * as assert from "assert";
import Redis from "ioredis";
import { DSM_REDIS_DEFAULTS } from "../components/args";
import {
    RETENTION_STATUS_KEYS,
    RETENTION_SCRIPT,
    retentionArgs,
    retentionKeys,
    RetentionWindow,
} from "../components/render/retention-script";
import { GroupReader, RetentionJob, RetentionRunResult, publish } from "../testbed/bus-traffic";
import { named } from "./helpers/program";
import { RenderedRedis, startRenderedRedis } from "./helpers/rendered-redis";

const STREAM = "dsm:events";
const GROUPS = ["sprint-service", "project-service", "backlog-service"];
const PAYLOAD = "p".repeat(1000);
const EVENT = ["type", "TASK_UPDATED", "payload", PAYLOAD];
/** The smallest memory limit the program accepts with persistence: maxmemory is (48 − 16) / 2 = 16 MiB. */
const SMALL_BUS = { memoryLimit: "48Mi", memoryRequest: "48Mi" };

async function ids(client: Redis, start = "-", end = "+"): Promise<string[]> {
    return ((await client.xrange(STREAM, start, end)) as Array<[string, string[]]>).map(([id]) => id);
}

async function memory(client: Redis): Promise<{ used: number; max: number }> {
    const info = await client.info("memory");
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, "m").exec(info)?.[1]);
    return { used: field("used_memory"), max: field("maxmemory") };
}

/** The script itself, one step, for windows the rendered config does not carry. */
async function step(client: Redis, window: RetentionWindow): Promise<[number, string]> {
    const keys = retentionKeys(STREAM);
    return (await client.eval(RETENTION_SCRIPT, keys.length, ...keys, ...retentionArgs(window))) as [number, string];
}

/** A producer and one reader per group, each as its own service user. */
async function services(redis: RenderedRedis, groups: readonly string[]) {
    const producer = await redis.connect("sprint-service");
    const readers: Record<string, GroupReader> = {};
    for (const group of groups) {
        const user = GROUPS.includes(group) ? group : "sprint-service";
        readers[group] = new GroupReader(await redis.connect(user), STREAM, group);
    }
    return { producer, readers };
}

describe("retention on a real redis-server, run as the CronJob runs it", function () {
    this.timeout(180_000);

    it("carries 10× maxmemory of events while groups read and acknowledge: memory stays bounded, and every group is delivered every event", async () => {
        const redis = await startRenderedRedis({
            ...SMALL_BUS,
            retentionMinEntries: "1000",
            retentionMaxAgeSeconds: "0",
        });
        try {
            await redis.provision(GROUPS);
            const job = redis.retentionJob();
            const admin = await redis.connect("dsm-admin");
            const { producer, readers } = await services(redis, GROUPS);
            const { max } = await memory(admin);
            assert.strictEqual(max, 16 * 1024 * 1024);

            // A consumer that takes one entry in round 2 and holds it to round 5, as a crashed service would.
            const crashed = new GroupReader(
                await redis.connect("backlog-service"),
                STREAM,
                "backlog-service",
                "backlog-service-crashed",
            );
            const produced: string[] = [];
            let bytes = 0;
            let peak = 0;
            let trimmed = 0;
            const tally = (run: RetentionRunResult) => (trimmed += run.steps.reduce((a, b) => a + b, 0));
            for (let round = 0; bytes < 10 * max; round++) {
                if (round === 2) {
                    produced.push(...(await publish(producer, STREAM, 1, EVENT)));
                    assert.strictEqual(await crashed.read(1), 1);
                }
                // Publishing, reading, acknowledging and trimming all at once, so that their commands interleave.
                // Each group acknowledges all but its newest 50, which stay pending into the next round.
                const [published] = await Promise.all([
                    publish(producer, STREAM, 2000, EVENT),
                    ...Object.values(readers).map((reader) => reader.read().then(() => reader.acknowledge(50))),
                    job.run().then(tally),
                ]);
                produced.push(...published);
                bytes += 2000 * EVENT.join("").length;
                peak = Math.max(peak, (await memory(admin)).used);
                if (round === 5) {
                    const [held] = crashed.holding;
                    const run = await job.run();
                    tally(run);
                    assert.strictEqual(run.heldBy, "backlog-service");
                    assert.strictEqual(await admin.get(RETENTION_STATUS_KEYS.blocked), "1");
                    assert.strictEqual((await ids(admin))[0], held, "retention did not stop exactly at the held entry");
                    assert.deepStrictEqual(await admin.xrange(STREAM, held, held), [[held, EVENT]]);
                    await crashed.acknowledge();
                }
            }
            // The last round's entries: every group reads and acknowledges them, and retention runs once more.
            for (const reader of Object.values(readers)) {
                await reader.read();
                await reader.acknowledge(50);
            }
            tally(await job.run());
            assert.strictEqual(await admin.get(RETENTION_STATUS_KEYS.blocked), "0");
            assert.ok(trimmed >= produced.length - 1000 - 50, `trimmed only ${trimmed} of ${produced.length}`);
            assert.ok(peak < max, `used memory peaked at ${peak}, maxmemory is ${max}`);
            const [stuck] = crashed.delivered;
            for (const [group, reader] of Object.entries(readers)) {
                const expected = group === "backlog-service" ? produced.filter((id) => id !== stuck) : produced;
                assert.ok(
                    reader.delivered.length === expected.length,
                    `${group} was delivered ${reader.delivered.length} of ${expected.length}`,
                );
                assert.deepStrictEqual(reader.delivered, expected, `${group} missed or reordered entries`);
                for (const id of reader.holding) {
                    assert.deepStrictEqual(
                        await admin.xrange(STREAM, id, id),
                        [[id, EVENT]],
                        `pending ${id} of ${group} was trimmed`,
                    );
                }
            }
            assert.ok(
                (await admin.xlen(STREAM)) >= 1000,
                "retention kept fewer than retentionMinEntries acknowledged entries",
            );
            console.log(
                `      ${produced.length} events (${(bytes / max).toFixed(1)}× maxmemory), trimmed ${trimmed}, used memory peaked at ${((peak / max) * 100).toFixed(0)}% of maxmemory`,
            );
        } finally {
            await redis.stop();
        }
    });
    describe("the bound: what every group has acknowledged", () => {
        let redis: RenderedRedis;
        let admin: Redis;
        beforeEach(async () => {
            redis = await startRenderedRedis({ retentionMinEntries: "0", retentionMaxAgeSeconds: "0" });
            await redis.provision(["sprint-service", "project-service"]);
            admin = await redis.connect("dsm-admin");
        });
        afterEach(() => redis.stop());

        it("stops at a stalled group's position, says which group, and resumes when it reads on", async () => {
            const job = redis.retentionJob();
            const { producer, readers } = await services(redis, ["sprint-service", "project-service"]);
            const produced = await publish(producer, STREAM, 5000, EVENT);
            await readers["sprint-service"].read();
            await readers["sprint-service"].acknowledge();
            await readers["project-service"].read(1000);
            await readers["project-service"].acknowledge();

            const stalled = await job.run();
            assert.strictEqual(stalled.heldBy, "project-service");
            assert.strictEqual(await admin.get(RETENTION_STATUS_KEYS.blocked), "1");
            assert.strictEqual(
                await admin.get(RETENTION_STATUS_KEYS.heldBy),
                `group project-service, at entry ${produced[1000]}, not yet delivered to it`,
            );
            assert.deepStrictEqual(await ids(admin), produced.slice(1000), "not exactly up to the group's position");

            // Now it holds entries pending: retention stops at the oldest of them, even though it was delivered.
            await readers["project-service"].read(1500);
            await readers["project-service"].acknowledge();
            await readers["project-service"].read(500);
            const pendingRun = await job.run();
            assert.strictEqual(pendingRun.heldBy, "project-service");
            const [oldest] = readers["project-service"].holding;
            assert.deepStrictEqual((await ids(admin))[0], oldest);
            assert.strictEqual(
                await admin.get(RETENTION_STATUS_KEYS.heldBy),
                `group project-service, at entry ${oldest}, delivered and not acknowledged`,
            );
            assert.strictEqual(
                await admin.get(RETENTION_STATUS_KEYS.oldestPending),
                `entry ${oldest} of group project-service`,
            );

            await readers["project-service"].read();
            await readers["project-service"].acknowledge();
            const resumed = await job.run();
            assert.strictEqual(resumed.heldBy, undefined);
            assert.strictEqual(await admin.get(RETENTION_STATUS_KEYS.blocked), "0");
            assert.deepStrictEqual(
                await admin.mget(
                    RETENTION_STATUS_KEYS.heldBy,
                    RETENTION_STATUS_KEYS.oldestPending,
                    RETENTION_STATUS_KEYS.oldestPendingAge,
                ),
                ["none", "none", "0"],
            );
            assert.strictEqual(await admin.xlen(STREAM), 0);
            assert.strictEqual(Number(await admin.get(RETENTION_STATUS_KEYS.trimmedTotal)), 5000);
        });

        it("records the age of the oldest entry any group holds pending, and names it, for the alert", async () => {
            const job = redis.retentionJob();
            const producer = await redis.connect("sprint-service");
            // Published two hours ago, as its ID says; then a newer one, both left pending in different groups.
            const old = `${Date.now() - 7_200_000}-0`;
            await producer.xadd(STREAM, old, ...EVENT);
            await publish(producer, STREAM, 1, EVENT);
            await admin.xreadgroup("GROUP", "project-service", "p-1", "STREAMS", STREAM, ">");
            await admin.xreadgroup("GROUP", "sprint-service", "s-1", "COUNT", 1, "STREAMS", STREAM, ">");
            await admin.xack(STREAM, "sprint-service", old);
            await admin.xreadgroup("GROUP", "sprint-service", "s-1", "STREAMS", STREAM, ">");
            await job.run();
            assert.strictEqual(
                await admin.get(RETENTION_STATUS_KEYS.oldestPending),
                `entry ${old} of group project-service`,
            );
            const age = Number(await admin.get(RETENTION_STATUS_KEYS.oldestPendingAge));
            assert.ok(age >= 7200 && age < 7260, `an age of ${age} s`);
        });

        it("holds back for a group that was never delivered anything, however old the entries", async () => {
            const job = redis.retentionJob();
            const { producer, readers } = await services(redis, ["sprint-service"]);
            const produced = await publish(producer, STREAM, 300, EVENT);
            await readers["sprint-service"].read();
            await readers["sprint-service"].acknowledge();
            const run = await job.run();
            assert.deepStrictEqual(run.steps, [0]);
            assert.strictEqual(run.heldBy, "project-service");
            assert.deepStrictEqual(await ids(admin), produced);
        });

        it("gives a group created at 0 after trimming exactly the entries retention kept", async () => {
            const job = redis.retentionJob();
            const { producer, readers } = await services(redis, GROUPS.slice(0, 2));
            await publish(producer, STREAM, 3000, EVENT);
            await readers["sprint-service"].read();
            await readers["sprint-service"].acknowledge();
            await readers["project-service"].read(1200);
            await readers["project-service"].acknowledge(200);
            await job.run();
            const kept = await ids(admin);
            assert.strictEqual(kept.length, 2000, "retention kept the held and the undelivered entries");
            await redis.provision(["sprint-service", "project-service", "backlog-service"]);
            const late = new GroupReader(await redis.connect("backlog-service"), STREAM, "backlog-service");
            await late.read();
            assert.deepStrictEqual(late.delivered, kept);
        });

        it("trims at most one batch per atomic step, and a run takes steps until less than a batch is ready", async () => {
            const producer = await redis.connect("sprint-service");
            await publish(producer, STREAM, 2500, EVENT);
            await admin.xgroup("SETID", STREAM, "sprint-service", "$");
            await admin.xgroup("SETID", STREAM, "project-service", "$");
            const retention = await redis.connect("dsm-retention");
            const window: RetentionWindow = { batch: 1000, trimUnacknowledged: false };
            assert.deepStrictEqual(await step(retention, window), [1000, ""]);
            assert.strictEqual(await admin.xlen(STREAM), 1500);
            // The rendered run, at the default batch of 500: three full steps, then one that finds nothing and ends it.
            const run = await redis.retentionJob().run();
            assert.deepStrictEqual(run.steps, [500, 500, 500, 0]);
        });
    });

    describe("the window: acknowledged entries kept for replay", () => {
        let redis: RenderedRedis;
        let admin: Redis;
        let retention: Redis;
        const now = Date.now();
        before(async () => {
            redis = await startRenderedRedis();
            admin = await redis.connect("dsm-admin");
            retention = await redis.connect("dsm-retention");
        });
        after(() => redis.stop());

        /** 100 entries two hours old and 100 from now, every one acknowledged (there are no groups). */
        async function fill(): Promise<{ old: string[]; recent: string[] }> {
            await admin.del(STREAM);
            const producer = await redis.connect("sprint-service");
            const old: string[] = [];
            for (let i = 0; i < 100; i++)
                old.push(String(await producer.xadd(STREAM, `${now - 7_200_000}-${i}`, ...EVENT)));
            return { old, recent: await publish(producer, STREAM, 100, EVENT) };
        }

        it("by age: keeps what is younger than retentionMaxAgeSeconds", async () => {
            const { recent } = await fill();
            await step(retention, { batch: 1000, maxAgeSeconds: 3600, trimUnacknowledged: false });
            assert.deepStrictEqual(await ids(admin), recent);
        });

        it("by count: keeps the newest retentionMinEntries, even when they are old", async () => {
            const { old, recent } = await fill();
            await step(retention, { batch: 1000, minEntries: 150, trimUnacknowledged: false });
            assert.deepStrictEqual(await ids(admin), [...old.slice(50), ...recent]);
        });

        it("both: an entry stays when either keeps it", async () => {
            const { recent } = await fill();
            await step(retention, { batch: 1000, maxAgeSeconds: 3600, minEntries: 10, trimUnacknowledged: false });
            assert.deepStrictEqual(await ids(admin), recent, "the age window keeps more than the count");
            const again = await fill();
            await step(retention, { batch: 1000, maxAgeSeconds: 3600, minEntries: 120, trimUnacknowledged: false });
            assert.deepStrictEqual(await ids(admin), [...again.old.slice(80), ...again.recent]);
        });

        it("the rendered defaults keep a day and at least 10000 entries", async () => {
            const { old, recent } = await fill();
            await redis.retentionJob().run();
            assert.deepStrictEqual(await ids(admin), [...old, ...recent]);
        });
    });

    it("retentionTrimUnacknowledged, the opt-in, trims past a stalled group, which then never sees those entries", async () => {
        const redis = await startRenderedRedis({
            retentionTrimUnacknowledged: "true",
            retentionMinEntries: "100",
            retentionMaxAgeSeconds: "0",
        });
        try {
            await redis.provision(["sprint-service", "project-service"]);
            const { producer, readers } = await services(redis, ["sprint-service", "project-service"]);
            const produced = await publish(producer, STREAM, 1000, EVENT);
            await readers["project-service"].read(10);
            const run = await redis.retentionJob().run();
            assert.deepStrictEqual(run.steps, [500, 400]);
            await readers["sprint-service"].read();
            assert.deepStrictEqual(
                readers["sprint-service"].delivered,
                produced.slice(900),
                "the opt-in lost nothing?",
            );
        } finally {
            await redis.stop();
        }
    });

    it("frees a bus already at maxmemory, where every XADD is refused (the script may write under OOM)", async () => {
        const redis = await startRenderedRedis({ ...SMALL_BUS, retentionMinEntries: "0", retentionMaxAgeSeconds: "0" });
        try {
            await redis.provision(["sprint-service"]);
            const { producer, readers } = await services(redis, ["sprint-service"]);
            let refused: Error | undefined;
            while (refused === undefined)
                await publish(producer, STREAM, 1000, EVENT).catch((e: Error) => (refused = e));
            assert.match(refused.message, /^OOM command not allowed/);
            await readers["sprint-service"].read();
            await readers["sprint-service"].acknowledge();

            // The control: the same script without its allow-oom flag is refused on a full bus.
            const retention = await redis.connect("dsm-retention");
            const keys = retentionKeys(STREAM);
            const withoutFlag = RETENTION_SCRIPT.replace(/^#!lua flags=allow-oom\n/, "");
            assert.notStrictEqual(withoutFlag, RETENTION_SCRIPT);
            await assert.rejects(
                retention.eval(
                    withoutFlag,
                    keys.length,
                    ...keys,
                    ...retentionArgs({ batch: 1000, trimUnacknowledged: false }),
                ),
                /OOM/,
            );

            const run = await redis.retentionJob().run();
            assert.ok(run.steps.length > 1 && run.steps[0] === DSM_REDIS_DEFAULTS.retentionBatch, run.output);
            assert.strictEqual(await producer.xlen(STREAM), 0);
            assert.match(String(await producer.xadd(STREAM, "*", ...EVENT)), /^\d+-\d+$/);
        } finally {
            await redis.stop();
        }
    });

    it("fails the run, as the Job must fail for the alert, when Redis refuses it", async () => {
        const redis = await startRenderedRedis();
        try {
            const job = redis.retentionJob();
            // The rendered job, with a password that is not the retention user's.
            const wrong = RetentionJob.prepare(
                named(redis.run, "kubernetes:core/v1:ConfigMap", "redis-retention").inputs.data,
                { host: "127.0.0.1", port: redis.server.port, username: "dsm-retention", password: "not-it" },
            );
            try {
                await assert.rejects(wrong.run(), (error: Error) => {
                    assert.match(error.message, /retention run failed \(1\).*(WRONGPASS|invalid username-password)/s);
                    assert.doesNotMatch(error.message, new RegExp(redis.passwords["dsm-retention"]));
                    return true;
                });
            } finally {
                wrong.remove();
            }
            assert.deepStrictEqual((await job.run()).steps, [0]);
        } finally {
            await redis.stop();
        }
    });

    it("the retention user may run its script and nothing else", async () => {
        const redis = await startRenderedRedis();
        try {
            await redis.provision(["sprint-service"]);
            const retention = await redis.connect("dsm-retention");
            for (const [command, ...args] of [
                ["XADD", STREAM, "*", "a", "b"],
                ["XREADGROUP", "GROUP", "sprint-service", "c", "STREAMS", STREAM, ">"],
                ["XGROUP", "DESTROY", STREAM, "sprint-service"],
                ["DEL", STREAM],
                ["XDEL", STREAM, "0-1"],
                ["FLUSHALL"],
                ["CONFIG", "GET", "maxmemory"],
                ["XTRIM", "other:key", "MAXLEN", "0"],
                // Dead letters: appending only to a dead-letter stream, and hashes only at the cursor key.
                ["XADD", "other:events:dead", "*", "a", "b"],
                ["HSET", "dsm:events", "a", "b"],
                ["SCRIPT", "FLUSH"],
            ]) {
                await assert.rejects(retention.call(command, ...args), /NOPERM/, `${command} was allowed`);
            }
            assert.match(String(await retention.call("XADD", `${STREAM}:dead`, "*", "a", "b")), /^\d+-\d+$/);
            // Inside a script, commands are checked as the caller's too.
            await assert.rejects(
                retention.eval("return redis.call('DEL', KEYS[1])", 1, STREAM),
                /can't run this command/,
            );
        } finally {
            await redis.stop();
        }
    });
});
