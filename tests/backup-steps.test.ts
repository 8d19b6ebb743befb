/**
 * The backup's short steps (components/render/backup-script.ts) on a real redis-server running the rendered config:
 * taken while producers and consumers go on, the file restores consistent; retention and the dead-letter move are
 * held off the entries at or before the cut until the backup ends, and no longer than its lease if it dies; one
 * backup at a time.
 */
import * as assert from "assert";
import type Redis from "ioredis";
import { randomBytes } from "crypto";
import {
    BACKUP_CUT_SCRIPT,
    BACKUP_ENTRIES_SCRIPT,
    BACKUP_HOLD_KEY,
    BACKUP_RENEW_SCRIPT,
} from "../components/render/backup-script";
import { compareIds } from "../testbed/bus-history";
import { busyBus } from "../testbed/bus-traffic";
import { BackupError, readBackup, restoreSnapshot, takeSnapshot, writeBackup } from "../ops/lib/backup-file";
import { RenderedRedis, startRenderedRedis } from "./helpers/rendered-redis";

const STREAM = "dsm:events";
const GROUPS = ["sprint-service", "project-service"];
/** Retention may trim whatever every group has acknowledged, so that a trim it holds back shows. */
const TRIM_ALL = { retentionMinEntries: "0", retentionMaxAgeSeconds: "0" };

async function ids(client: Redis, end = "+"): Promise<string[]> {
    return (await client.xrange(STREAM, "-", end)).map(([id]) => id);
}

describe("the backup's short steps on a real redis-server", function () {
    this.timeout(60_000);
    let redis: RenderedRedis;
    let admin: Redis;
    beforeEach(async () => {
        redis = await startRenderedRedis(TRIM_ALL);
        await redis.provision(GROUPS);
        admin = await redis.connect("dsm-admin");
    });
    afterEach(() => redis.stop());

    it("taken while producers publish and consumers read and acknowledge, restores consistent", async () => {
        const producer = await redis.connect("sprint-service");
        for (let i = 0; i < 2000; i++) await producer.xadd(STREAM, "*", "n", String(i));
        const consumers = await Promise.all(GROUPS.map((g) => redis.connect(g)));
        const positions = async () =>
            Object.fromEntries(
                ((await admin.xinfo("GROUPS", STREAM)) as unknown[][]).map((g) => [String(g[1]), String(g[7])]),
            );
        // Each group has read some and holds a third of it pending before the backup starts.
        for (const [i, group] of GROUPS.entries()) {
            const read = await consumers[i].xreadgroup("GROUP", group, "w", "COUNT", 300, "STREAMS", STREAM, ">");
            const got = (read as Array<[string, Array<[string]>]>)[0][1].map(([id]) => id);
            await consumers[i].xack(STREAM, group, ...got.filter((_, k) => k % 3 !== 0));
        }
        const before = await positions();
        let steps = 0;
        const traffic = busyBus(
            producer,
            GROUPS.map((group, i) => ({ client: consumers[i], group })),
            STREAM,
        );
        // Small pages, so that the traffic runs between many steps.
        const snapshot = (await takeSnapshot(admin, STREAM, { page: 50, onStep: () => void steps++ }))!;
        await traffic.stop();
        assert.ok(steps > 40, `${steps} steps`);

        // No entry after the cut, none missing up to it (nothing trims while a backup holds: retention is not run
        // here), and every pending entry's payload in the file.
        assert.deepStrictEqual(
            snapshot.entries.map(([id]) => id),
            await ids(admin, snapshot.lastGeneratedId),
        );
        assert.ok((await admin.xlen(STREAM)) > snapshot.length, "producers published during the backup");
        const inFile = new Set(snapshot.entries.map(([id]) => id));
        const after = await positions();
        for (const group of snapshot.groups) {
            assert.ok(group.pending.length > 0, `${group.name} holds pending entries`);
            for (const p of group.pending)
                assert.ok(inFile.has(p.id), `pending ${p.id} of ${group.name} has its payload`);
            // Its position at the cut: not ahead of the entries, between where it was before and after.
            assert.ok(compareIds(group.lastDeliveredId, snapshot.lastGeneratedId) <= 0);
            assert.ok(compareIds(before[group.name], group.lastDeliveredId) <= 0);
            assert.ok(compareIds(group.lastDeliveredId, after[group.name]) <= 0);
            assert.ok(group.pending.every((p) => compareIds(p.id, group.lastDeliveredId) <= 0));
        }
        // And the file restores it as it was read.
        const target = await startRenderedRedis();
        try {
            const to = await target.connect("dsm-admin");
            await restoreSnapshot(to, readBackup(writeBackup(snapshot, "test"), "f").snapshot, { force: false });
            const restored = (await takeSnapshot(to, STREAM))!;
            assert.deepStrictEqual(restored.entries, snapshot.entries);
            assert.deepStrictEqual(
                restored.groups.map((g) => [g.name, g.lastDeliveredId, g.pending.map((p) => p.id)]),
                snapshot.groups.map((g) => [g.name, g.lastDeliveredId, g.pending.map((p) => p.id)]),
            );
        } finally {
            await target.stop();
        }
    });

    it("holds retention and the dead-letter move off the entries at or before the cut until it ends", async () => {
        const producer = await redis.connect("sprint-service");
        for (let i = 0; i < 300; i++) await producer.xadd(STREAM, "*", "n", String(i));
        for (const group of GROUPS) await admin.xreadgroup("GROUP", group, "w", "STREAMS", STREAM, ">");
        const pendingOf = async (group: string) =>
            ((await admin.xpending(STREAM, group, "-", "+", 1000)) as Array<[string]>).map(([id]) => id);
        // sprint-service acknowledged everything; project-service holds one poison entry, the rest acknowledged.
        const all = await pendingOf("sprint-service");
        await admin.xack(STREAM, "sprint-service", ...all);
        await admin.xack(STREAM, "project-service", ...all.slice(1));
        await admin.call("XCLAIM", STREAM, "project-service", "w", "0", all[0], "IDLE", 3_600_000, "RETRYCOUNT", 9);
        // A backup that fails midway (here, its progress callback throws) releases its hold at once.
        const failed = await takeSnapshot(admin, STREAM, {
            page: 100,
            onStep: () => {
                throw new Error("stopped midway");
            },
        }).catch((error: Error) => error);
        assert.ok(failed instanceof Error && failed.message === "stopped midway", String(failed));
        assert.strictEqual(await admin.exists(BACKUP_HOLD_KEY), 0, "a backup that fails releases its hold");

        // A backup between its cut and its last step: a retention run may neither trim nor move the poison entry.
        const token = randomBytes(6).toString("hex");
        await admin.eval(BACKUP_CUT_SCRIPT, 2, STREAM, BACKUP_HOLD_KEY, token, "60000");
        const run = await redis.retentionJob().run();
        assert.deepStrictEqual(run.steps, [0], "retention trimmed under a backup's hold");
        assert.deepStrictEqual(run.deadLetterSteps, [0], "the dead-letter step moved under a backup's hold");
        assert.strictEqual(await admin.xlen(STREAM), 300);
        assert.deepStrictEqual(await pendingOf("project-service"), [all[0]]);
        // Released, retention proceeds: the poison entry moves, and everything is trimmed.
        await admin.del(BACKUP_HOLD_KEY);
        const free = await redis.retentionJob().run();
        assert.deepStrictEqual(free.deadLetterSteps, [1]);
        assert.strictEqual(await admin.xlen(STREAM), 0);
    });

    it("backs up a full bus, where every write is refused (the hold may be written under OOM)", async () => {
        await redis.stop();
        redis = await startRenderedRedis({
            ...TRIM_ALL,
            memoryLimit: "48Mi",
            memoryRequest: "48Mi",
            retention: "false",
        });
        admin = await redis.connect("dsm-admin");
        const producer = await redis.connect("sprint-service");
        let refused: Error | undefined;
        while (refused === undefined) {
            const pipeline = producer.pipeline();
            for (let i = 0; i < 1000; i++) pipeline.xadd(STREAM, "*", "type", "TASK_UPDATED", "task", "task-7");
            refused = ((await pipeline.exec()) ?? []).map(([error]) => error).find((e) => e !== null) ?? undefined;
        }
        assert.match(refused.message, /^OOM command not allowed/);
        const snapshot = (await takeSnapshot(admin, STREAM))!;
        assert.strictEqual(snapshot.length, await admin.xlen(STREAM));
        assert.strictEqual(await admin.exists(BACKUP_HOLD_KEY), 0, "released");
    });

    it("a backup that dies holds retention no longer than its lease, and its next step is refused", async () => {
        const producer = await redis.connect("sprint-service");
        for (let i = 0; i < 10; i++) await producer.xadd(STREAM, "*", "n", String(i));
        for (const group of GROUPS) {
            const read = (await admin.xreadgroup("GROUP", group, "w", "STREAMS", STREAM, ">")) as Array<
                [string, Array<[string]>]
            >;
            await admin.xack(STREAM, group, ...read[0][1].map(([id]) => id));
        }
        // The cut of a backup that then dies: its hold lapses after its lease, 300 ms here.
        const token = randomBytes(6).toString("hex");
        await admin.eval(BACKUP_CUT_SCRIPT, 2, STREAM, BACKUP_HOLD_KEY, token, "300");
        assert.deepStrictEqual((await redis.retentionJob().run()).steps, [0]);
        await assert.rejects(takeSnapshot(admin, STREAM), (error: Error) => {
            assert.ok(error instanceof BackupError, String(error));
            assert.match(error.message, /^another backup is under way \(holding up to \d+-\d+\); wait for it/);
            return true;
        });
        // Waiting on the lease itself: its time to live, as the server counts it, running out.
        while ((await admin.pttl(BACKUP_HOLD_KEY)) !== -2);
        assert.strictEqual(await admin.exists(BACKUP_HOLD_KEY), 0);
        // Its next renewal is refused, and so is a page read where the hold is gone.
        await assert.rejects(
            admin.eval(BACKUP_RENEW_SCRIPT, 2, STREAM, BACKUP_HOLD_KEY, token, "300"),
            /the backup has lost its hold on retention \(its lease of 300 ms ran out, or another backup took it\): retention may have trimmed entries meanwhile; take the backup again/,
        );
        await assert.rejects(
            admin.eval(BACKUP_ENTRIES_SCRIPT, 2, STREAM, BACKUP_HOLD_KEY, token, "-", "100"),
            /the backup has lost its hold on retention \(its lease ran out, or another backup took it\)/,
        );
        assert.strictEqual(await admin.exists(BACKUP_HOLD_KEY), 0, "the refused renewal wrote nothing");
        assert.deepStrictEqual((await redis.retentionJob().run()).steps, [10]);
        assert.strictEqual(await admin.xlen(STREAM), 0);
    });
});
