/**
 * The scheduled backup (`backup`): the CronJob as the program renders it, and its run.sh and scripts run for real
 * with `sh` and `redis-cli` as the backup user against a real redis-server with the rendered config, a folder
 * standing in for the claim. Each file restores into a second server as the source was at the cut; the newest
 * `backupKeep` are kept; a failed run keeps nothing of itself and records its failure; the backup user may only
 * read the bus.
 */
import * as assert from "assert";
import * as fs from "fs";
import type Redis from "ioredis";
import * as os from "os";
import * as path from "path";
import { BACKUP_HOLD_KEY, BACKUP_STATUS_KEYS } from "../components/render/backup-script";
import { BACKUP_USER } from "../components/render/acl";
import { policies } from "../policy/policies";
import { runPolicies } from "../policy/run-policies";
import { BackupError, readBackup, restoreSnapshot, snapshotDifferences, takeSnapshot } from "../ops/lib/backup-file";
import { compareIds } from "../testbed/bus-history";
import { busyBus } from "../testbed/bus-traffic";
import { asCheckedResources, named, runProgram } from "./helpers/program";
import { RenderedRedis, startRenderedRedis } from "./helpers/rendered-redis";

const STREAM = "dsm:events";
const GROUPS = ["sprint-service", "project-service"];
const ON = { backup: "true", backupKeep: "2" };

/** Publishes `count` entries; each group reads `read` of them and acknowledges every third. */
async function fill(redis: RenderedRedis, count: number, read: number): Promise<void> {
    const producer = await redis.connect("sprint-service");
    const pipeline = producer.pipeline();
    for (let i = 0; i < count; i++) pipeline.xadd(STREAM, "*", "n", String(i), "body", `event ${i}\n"quoted" \\ ü`);
    await pipeline.exec();
    for (const group of GROUPS) {
        const consumer = await redis.connect(group);
        const got = (await consumer.xreadgroup("GROUP", group, "w", "COUNT", read, "STREAMS", STREAM, ">")) as Array<
            [string, Array<[string]>]
        >;
        const ids = got[0][1].map(([id]) => id);
        const acknowledged = ids.filter((_, k) => k % 3 === 0);
        if (acknowledged.length > 0) await consumer.xack(STREAM, group, ...acknowledged);
    }
}

describe("the scheduled backup, rendered and run for real", function () {
    this.timeout(60_000);

    describe("as the program renders it", () => {
        it("is off by default: no CronJob, claim or user", async () => {
            const run = await runProgram();
            assert.ok(!run.resources.some((r) => /backup/.test(r.name)), "nothing of the backup by default");
        });

        it("renders a CronJob that writes to a claim of its own, as its own user, and the pack passes", async () => {
            const run = await runProgram({ ...ON, backupSchedule: "0 */6 * * *", backupStorageSize: "5Gi" });
            const cron = named(run, "kubernetes:batch/v1:CronJob", "redis-backup").inputs.spec;
            assert.strictEqual(cron.schedule, "0 */6 * * *");
            assert.strictEqual(cron.concurrencyPolicy, "Forbid");
            const pod = cron.jobTemplate.spec.template.spec;
            const [container] = pod.containers;
            assert.strictEqual(container.image, "redis:7.2-alpine");
            assert.deepStrictEqual(container.command, ["sh", "/backup/run.sh"]);
            assert.deepStrictEqual(
                container.env.map((e: { name: string; value?: string }) => [e.name, e.value]),
                [
                    ["REDIS_HOST", "redis.dsm.svc.cluster.local"],
                    ["REDIS_PORT", "6379"],
                    ["REDIS_USERNAME", BACKUP_USER],
                    ["REDISCLI_AUTH", undefined],
                ],
            );
            assert.deepStrictEqual(container.env[3].valueFrom, {
                secretKeyRef: { name: "redis-dsm-backup", key: "REDIS_PASSWORD" },
            });
            assert.deepStrictEqual(pod.volumes[1], {
                name: "backups",
                persistentVolumeClaim: { claimName: "redis-backups" },
            });
            const claim = named(run, "kubernetes:core/v1:PersistentVolumeClaim", "redis-backups").inputs.spec;
            assert.strictEqual(claim.resources.requests.storage, "5Gi");
            assert.strictEqual(pod.securityContext.runAsNonRoot, true);
            assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
            assert.strictEqual(
                cron.jobTemplate.spec.template.metadata.labels["redis.dsm.io/client"],
                "true",
                "the NetworkPolicy admits it",
            );
            assert.deepStrictEqual(await runPolicies(policies, asCheckedResources(run)), []);
        });

        it("writes to an existing claim when backupClaim names one, and makes none", async () => {
            const run = await runProgram({ ...ON, backupClaim: "dsm-backups" });
            const pod = named(run, "kubernetes:batch/v1:CronJob", "redis-backup").inputs.spec.jobTemplate.spec.template
                .spec;
            assert.strictEqual(pod.volumes[1].persistentVolumeClaim.claimName, "dsm-backups");
            assert.ok(!run.resources.some((r) => r.name === "redis-backups"));
        });
    });

    describe("its run.sh and scripts on a real redis-server", () => {
        let redis: RenderedRedis;
        let admin: Redis;
        let folder: string;
        beforeEach(async () => {
            redis = await startRenderedRedis(ON);
            await redis.provision(GROUPS);
            admin = await redis.connect("dsm-admin");
            folder = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-backups-"));
        });
        afterEach(async () => {
            await redis.stop();
            fs.rmSync(folder, { recursive: true, force: true });
        });

        it("writes a file that restores into a second server as the source was at the cut", async () => {
            // Three pages of entries, and over a page of pending entries in one group.
            await fill(redis, 2500, 1600);
            const source = (await takeSnapshot(admin, STREAM))!;
            const { file } = await redis.backupJob(folder).run();
            assert.match(path.basename(file), /^dsm-redis-\d{8}T\d{6}Z-[0-9a-f]{8}\.backup$/);
            const backup = readBackup(fs.readFileSync(file, "utf8"), file);
            assert.deepStrictEqual(snapshotDifferences(backup.snapshot, source), []);
            assert.ok(source.groups.some((g) => g.pending.length > 1000) && source.length === 2500);
            assert.match(backup.server, /^redis 7\./);

            const target = await startRenderedRedis();
            try {
                const to = await target.connect("dsm-admin");
                const progress: number[] = [];
                await restoreSnapshot(to, backup.snapshot, {
                    force: false,
                    progressEvery: 1000,
                    onProgress: ({ entries, of }) => progress.push(entries, of),
                });
                assert.deepStrictEqual(snapshotDifferences((await takeSnapshot(to, STREAM))!, source), []);
                assert.deepStrictEqual(progress, [1000, 2500, 2000, 2500, 2500, 2500], "progress as entries go in");
            } finally {
                await target.stop();
            }
            // It recorded its success, which the alerts read, and released its hold.
            const [success, entries, failure] = await admin.mget(
                BACKUP_STATUS_KEYS.lastSuccess,
                BACKUP_STATUS_KEYS.lastEntries,
                BACKUP_STATUS_KEYS.lastFailure,
            );
            assert.ok(Math.abs(Number(success) - Date.now() / 1000) < 30, `last success ${success}`);
            assert.deepStrictEqual([entries, failure], ["2500", null]);
            assert.strictEqual(await admin.exists(BACKUP_HOLD_KEY), 0);
        });

        it("taken while producers publish and consumers read and acknowledge, restores consistent", async () => {
            await fill(redis, 1500, 500);
            const producer = await redis.connect("sprint-service");
            const consumer = await redis.connect("project-service");
            const traffic = busyBus(producer, [{ client: consumer, group: "project-service" }], STREAM, 5);
            const { file } = await redis.backupJob(folder).run();
            await traffic.stop();
            const { snapshot } = readBackup(fs.readFileSync(file, "utf8"), file);
            assert.ok((await admin.xlen(STREAM)) > snapshot.length, "producers published during the backup");
            const inFile = new Set(snapshot.entries.map(([id]) => id));
            for (const group of snapshot.groups) {
                assert.ok(compareIds(group.lastDeliveredId, snapshot.lastGeneratedId) <= 0, `${group.name} ahead`);
                for (const p of group.pending) assert.ok(inFile.has(p.id), `pending ${p.id} has its payload`);
            }
            const target = await startRenderedRedis();
            try {
                const to = await target.connect("dsm-admin");
                await restoreSnapshot(to, snapshot, { force: false });
                assert.deepStrictEqual(snapshotDifferences((await takeSnapshot(to, STREAM))!, snapshot), []);
            } finally {
                await target.stop();
            }
        });

        it("keeps the newest backupKeep files, and none of a run that failed, whose failure it records", async () => {
            await fill(redis, 10, 5);
            const job = redis.backupJob(folder);
            const made: string[] = [];
            for (let i = 0; i < 3; i++) made.push((await job.run()).file);
            assert.deepStrictEqual(job.files(), made.slice(1).sort(), "the oldest went; the two newest are kept");

            // A run that fails midway: its stream is gone.
            await admin.rename(STREAM, "dsm:elsewhere");
            await assert.rejects(job.run(), /there is no stream dsm:events to back up/);
            assert.deepStrictEqual(job.files(), made.slice(1).sort(), "nothing of the failed run, nothing removed");
            const [success, failure] = await admin.mget(BACKUP_STATUS_KEYS.lastSuccess, BACKUP_STATUS_KEYS.lastFailure);
            assert.ok(Number(failure) >= Number(success), `failure ${failure} after success ${success}`);

            // A run whose folder cannot be written: it fails before a step, and leaves no hold behind.
            await admin.rename("dsm:elsewhere", STREAM);
            fs.rmSync(folder, { recursive: true });
            await assert.rejects(job.run(), /backup failed/);
            assert.strictEqual(await admin.exists(BACKUP_HOLD_KEY), 0);
        });

        it("a refused step fails the run, releases the hold, and the file it began is removed", async () => {
            await fill(redis, 2500, 10);
            // Another backup holds the bus: this one's cut is refused.
            await admin.set(BACKUP_HOLD_KEY, "0-1 someone-else", "PX", 60_000);
            await assert.rejects(redis.backupJob(folder).run(), /another backup is under way/);
            assert.deepStrictEqual(fs.readdirSync(folder), []);
            assert.strictEqual(await admin.get(BACKUP_HOLD_KEY), "0-1 someone-else", "another's hold is left");
        });

        it("runs as a user that may read the bus and write only the backup's own keys", async () => {
            await fill(redis, 3, 1);
            const backup = await redis.connect(BACKUP_USER);
            await assert.rejects(backup.xadd(STREAM, "*", "n", "1"), /NOPERM/);
            await assert.rejects(backup.del(STREAM), /NOPERM/);
            await assert.rejects(backup.set("dsm:other", "1"), /NOPERM/);
            await assert.rejects(
                backup.eval("return redis.call('XTRIM', KEYS[1], 'MAXLEN', 0)", 1, STREAM),
                /can't run this command/,
            );
            assert.strictEqual(await admin.xlen(STREAM), 3);
            assert.strictEqual(await backup.set("dsm:backup:probe", "1"), "OK");
        });
    });

    describe("its file, as npm run restore reads it", () => {
        let text: string;
        before(async () => {
            const redis = await startRenderedRedis(ON);
            const folder = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-backups-"));
            try {
                await redis.provision(GROUPS);
                await fill(redis, 20, 10);
                const { file } = await redis.backupJob(folder).run();
                text = fs.readFileSync(file, "utf8");
            } finally {
                await redis.stop();
                fs.rmSync(folder, { recursive: true, force: true });
            }
        });

        it("is refused when unfinished, damaged or of another format, each saying so", () => {
            const lines = text.split("\n");
            const refused = (changed: string, message: RegExp) =>
                assert.throws(
                    () => readBackup(changed, "b.backup"),
                    (e: Error) => e instanceof BackupError && message.test(e.message),
                );
            refused(lines.slice(0, -2).join("\n") + "\n", /b\.backup is incomplete: its last line is not its checksum/);
            refused(
                text.replace('"n","1"', '"n","2"'),
                /b\.backup is damaged: the SHA-256 of its steps is [0-9a-f]{64}/,
            );
            refused(
                text.replace("dsm-redis-backup-steps/1", "dsm-redis-backup-steps/9"),
                /its format is "dsm-redis-backup-steps\/9", expected/,
            );
            assert.strictEqual(readBackup(text, "b.backup").snapshot.length, 20);
        });
    });
});
