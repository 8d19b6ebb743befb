/**
 * Backup and restore on real redis-servers running the rendered config: a bus with consumer groups, consumers and
 * pending entries is backed up while it is written to, restored into a fresh server, and compared; a damaged file
 * and a bus that has data are refused.
 */
import * as assert from "assert";
import type Redis from "ioredis";
import {
    BackupError,
    StreamSnapshot,
    readBackup,
    restorablePart,
    restoreSnapshot,
    snapshotDifferences,
    takeSnapshot,
    writeBackup,
} from "../ops/lib/backup-file";
import { RenderedRedis, startRenderedRedis } from "./helpers/rendered-redis";

const STREAM = "dsm:events";

describe("backup and restore of the bus", function () {
    this.timeout(60_000);
    let source: RenderedRedis;
    let target: RenderedRedis;
    let sourceAdmin: Redis;
    let targetAdmin: Redis;
    let snapshot: StreamSnapshot;

    before(async () => {
        // One after the other: each renders the program under the SDK's global mocks.
        source = await startRenderedRedis();
        target = await startRenderedRedis();
        sourceAdmin = await source.connect("dsm-admin");
        targetAdmin = await target.connect("dsm-admin");
        await source.provision(["sprint-service", "project-service", "backlog-service"]);
        const producer = await source.connect("sprint-service");
        for (let i = 0; i < 500; i++) await producer.xadd(STREAM, "*", "type", "TASK_UPDATED", "task", `task-${i}`);
        // Three groups at three positions: one read and acknowledged all, one holds pending entries of two
        // consumers (one delivered twice), one never read.
        const sprint = await source.connect("sprint-service");
        await sprint.xreadgroup("GROUP", "sprint-service", "worker-1", "COUNT", 500, "STREAMS", STREAM, ">");
        const all = (await sprint.xpending(STREAM, "sprint-service", "-", "+", 500)) as Array<[string]>;
        await sprint.xack(STREAM, "sprint-service", ...all.map(([id]) => id));
        const project = await source.connect("project-service");
        await project.xreadgroup("GROUP", "project-service", "worker-a", "COUNT", 30, "STREAMS", STREAM, ">");
        await project.xreadgroup("GROUP", "project-service", "worker-b", "COUNT", 20, "STREAMS", STREAM, ">");
        const [[firstPending]] = (await project.xpending(STREAM, "project-service", "-", "+", 1)) as Array<[string]>;
        await project.xclaim(STREAM, "project-service", "worker-b", 0, firstPending);
    });
    after(() => Promise.all([source.stop(), target.stop()]));

    it("takes the whole bus in one command, while it is written to", async () => {
        const producer = await source.connect("sprint-service");
        let writing = true;
        const writes = (async () => {
            while (writing) await producer.xadd(STREAM, "*", "type", "SprintStarted");
        })();
        snapshot = (await takeSnapshot(sourceAdmin, STREAM))!;
        writing = false;
        await writes;
        // Consistent: the length, the last ID and the entries agree, whatever was written around it.
        assert.strictEqual(snapshot.entries.length, snapshot.length);
        assert.strictEqual(snapshot.entries[snapshot.entries.length - 1][0], snapshot.lastGeneratedId);
        const project = snapshot.groups.find((g) => g.name === "project-service")!;
        assert.strictEqual(project.pending.length, 50);
        assert.deepStrictEqual([...project.consumers].sort(), ["worker-a", "worker-b"]);
        assert.strictEqual(project.pending[0].deliveryCount, 2);
        assert.strictEqual(snapshot.groups.find((g) => g.name === "sprint-service")!.pending.length, 0);
    });

    it("restores into a fresh server the same entries, groups, positions, consumers and pending entries", async () => {
        const file = writeBackup(snapshot, "redis 7.0.15");
        const backup = readBackup(file, "bus.backup.json");
        assert.deepStrictEqual(
            backup.summary.groups.find((g) => g.name === "project-service"),
            {
                name: "project-service",
                lastDeliveredId: snapshot.groups.find((g) => g.name === "project-service")!.lastDeliveredId,
                pending: 50,
            },
        );
        await restoreSnapshot(targetAdmin, backup.snapshot, { force: false });
        const restored = (await takeSnapshot(targetAdmin, STREAM))!;
        assert.deepStrictEqual(snapshotDifferences(snapshot, restored), []);
        // And the restored bus works on: a consumer reads on from its group's position.
        const backlog = await target.connect("backlog-service");
        const [[, entries]] = (await backlog.xreadgroup(
            "GROUP",
            "backlog-service",
            "w",
            "COUNT",
            5,
            "STREAMS",
            STREAM,
            ">",
        )) as Array<[string, unknown[]]>;
        assert.strictEqual(entries.length, 5);
        const project = await target.connect("project-service");
        const pending = (await project.xpending(STREAM, "project-service")) as [
            number,
            string,
            string,
            Array<[string, string]>,
        ];
        assert.strictEqual(pending[0], 50);
    });

    it("refuses a file whose checksum fails, and restores nothing", async () => {
        const file = writeBackup(snapshot, "redis 7.0.15").replace('"task-7"', '"task-X"');
        assert.throws(
            () => readBackup(file, "tampered.json"),
            (e: unknown) =>
                e instanceof BackupError &&
                /tampered\.json is damaged: its snapshot's SHA-256 is [0-9a-f]{64}, and the file says/.test(e.message),
        );
    });

    it("refuses to overwrite a bus that has data, unless forced", async () => {
        const before = await targetAdmin.xlen(STREAM);
        await assert.rejects(
            restoreSnapshot(targetAdmin, snapshot, { force: false }),
            /stream dsm:events already holds \d+ entries and 3 groups; nothing was restored\. Pass --force/,
        );
        assert.strictEqual(await targetAdmin.xlen(STREAM), before);
        await restoreSnapshot(targetAdmin, snapshot, { force: true });
        assert.deepStrictEqual(snapshotDifferences(snapshot, (await takeSnapshot(targetAdmin, STREAM))!), []);
    });

    it("restores without --force into a new bus's stream: never written to, its groups having delivered nothing", async () => {
        await targetAdmin.del(STREAM);
        for (const group of ["sprint-service", "project-service", "backlog-service"]) {
            await targetAdmin.xgroup("CREATE", STREAM, group, "$", "MKSTREAM");
        }
        await restoreSnapshot(targetAdmin, snapshot, { force: false });
        assert.deepStrictEqual(snapshotDifferences(snapshot, (await takeSnapshot(targetAdmin, STREAM))!), []);
    });

    it("refuses without --force an empty stream that was written to, or whose group has delivered", async () => {
        // Entries added, then trimmed: the stream is empty, but its last ID says it held data.
        await targetAdmin.del(STREAM);
        await targetAdmin.xadd(STREAM, "*", "type", "x");
        await targetAdmin.xtrim(STREAM, "MAXLEN", 0);
        await assert.rejects(
            restoreSnapshot(targetAdmin, snapshot, { force: false }),
            /stream dsm:events already holds 0 entries and 0 groups; nothing was restored/,
        );
        // A group that has a consumer, on a stream never written to.
        await targetAdmin.del(STREAM);
        await targetAdmin.xgroup("CREATE", STREAM, "sprint-service", "$", "MKSTREAM");
        await targetAdmin.xgroup("CREATECONSUMER", STREAM, "sprint-service", "worker-1");
        await assert.rejects(
            restoreSnapshot(targetAdmin, snapshot, { force: false }),
            /already holds 0 entries and 1 group;/,
        );
        assert.strictEqual(await targetAdmin.exists(STREAM), 1, "left as it was");
    });

    it("says which pending entries cannot come back: those whose message was deleted before the backup", async () => {
        const [deleted] = snapshot.groups.find((g) => g.name === "project-service")!.pending;
        await sourceAdmin.xdel(STREAM, deleted.id);
        const withHole = (await takeSnapshot(sourceAdmin, STREAM))!;
        const { snapshot: restorable, pendingLost } = restorablePart(withHole);
        assert.strictEqual(pendingLost, 1);
        await restoreSnapshot(targetAdmin, withHole, { force: true });
        assert.deepStrictEqual(snapshotDifferences(restorable, (await takeSnapshot(targetAdmin, STREAM))!), []);
    });
});
