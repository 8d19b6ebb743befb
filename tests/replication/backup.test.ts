/**
 * The backup of a replicated bus, on loopback (three real redis-servers with their Sentinels, HAProxy in front,
 * testbed/replicated-bus.ts): the scheduled backup's rendered run.sh, run with `sh` and `redis-cli` as the backup user
 * with the Job's environment, and `npm run backup`'s takeSnapshot, read their pages from a replica: the master's
 * command statistics show no read of the stream, the replica's show every page, and the file holds the bus as the
 * master had it at the cut.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import type Redis from "ioredis";
import * as os from "os";
import * as path from "path";
import { ADMIN_USER, BACKUP_USER } from "../../components/render/acl";
import {
    BACKUP_HOLD_KEY,
    BACKUP_NODES_ENV,
    BACKUP_SCRIPT_FILES,
    backupRunner,
} from "../../components/render/backup-script";
import { readBackup, snapshotDifferences, takeSnapshot } from "../../ops/lib/backup-file";
import { BackupJob } from "../../testbed/backup-job";
import { ReplicatedBus } from "../../testbed/replicated-bus";

const STREAM = "dsm:events";
const GROUP = "project-service-group";
const SERVICE = "sprint-service";

/** How often node `index` has run each of the stream reads a backup's page makes, scripts' calls included. */
async function readsOn(bus: ReplicatedBus, index: number): Promise<{ xrange: number; xpending: number }> {
    const stats = await bus.onNode(index, ADMIN_USER, (c) => c.info("commandstats"));
    const calls = (command: string) =>
        Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, "m").exec(stats)?.[1] ?? 0);
    return { xrange: calls("xrange"), xpending: calls("xpending") };
}

describe("the backup of a replicated bus reads a replica (real redis-server, redis-sentinel and HAProxy on loopback)", function () {
    this.timeout(120_000);
    let bus: ReplicatedBus;
    let admin: Redis;
    let folder: string;
    let master: number;

    before(async () => {
        bus = await ReplicatedBus.start({
            users: [{ name: SERVICE, roles: ["publish", "consume"] }],
            systemUsers: [BACKUP_USER],
        });
        master = await bus.untilSettled();
        admin = bus.client(bus.proxy, ADMIN_USER);
        // Three pages of entries, and over a page pending in the group.
        await admin.xgroup("CREATE", STREAM, GROUP, "$", "MKSTREAM");
        const pipeline = admin.pipeline();
        for (let i = 0; i < 2500; i++) pipeline.xadd(STREAM, "*", "n", String(i));
        await pipeline.exec();
        const read = (await admin.xreadgroup("GROUP", GROUP, "w", "COUNT", 1600, "STREAMS", STREAM, ">")) as Array<
            [string, Array<[string]>]
        >;
        await admin.xack(STREAM, GROUP, ...read[0][1].filter((_, k) => k % 3 === 0).map(([id]) => id));
        // Every replica has it all before the backups start: the comparison below is with the master's state.
        assert.equal(await admin.wait(2, 5000), 2);
    });
    after(async () => {
        admin?.disconnect();
        await bus?.destroy();
    });
    beforeEach(() => {
        folder = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-backups-"));
    });
    afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

    /** The scheduled backup's Job, as the CronJob runs it: Service redis is the proxy, REDIS_NODES every node. */
    function backupJob(): BackupJob {
        const files = {
            ...BACKUP_SCRIPT_FILES,
            "run.sh": backupRunner({ stream: STREAM, scriptDir: "/backup", backupDir: "/backups", keep: 5 }),
        };
        const nodes = bus.topology.nodes.map((host) => `${host}:${bus.topology.redisPort}`).join(" ");
        return BackupJob.prepare(
            files,
            { ...bus.proxy, username: BACKUP_USER, password: bus.passwords[BACKUP_USER] },
            folder,
            { [BACKUP_NODES_ENV]: nodes },
        );
    }

    it("the scheduled backup's Job reads every page from the first replica linked to the master", async () => {
        const source = (await takeSnapshot(admin, STREAM))!;
        const replicas = [0, 1, 2].filter((n) => n !== master);
        const before = await Promise.all([0, 1, 2].map((n) => readsOn(bus, n)));
        const job = backupJob();
        try {
            const { file, output } = await job.run();
            const replica = replicas[0];
            assert.match(output, new RegExp(`reading ${STREAM} from replica ${bus.topology.nodes[replica]}:`));
            const after = await Promise.all([0, 1, 2].map((n) => readsOn(bus, n)));
            assert.deepEqual(after[master], before[master], "the master read no page");
            // Three pages of entries; two of pending entries (the group's 1600 delivered, a third acknowledged).
            assert.equal(after[replica].xrange - before[replica].xrange, 3, "the replica read the entries' pages");
            assert.equal(after[replica].xpending - before[replica].xpending, 2, "and the pending entries' pages");
            const backup = readBackup(fs.readFileSync(file, "utf8"), file);
            assert.deepEqual(snapshotDifferences(backup.snapshot, source), []);
            assert.equal(await admin.exists(BACKUP_HOLD_KEY), 0, "the hold is released on the master");
        } finally {
            job.remove();
        }
    });

    it("passes over a replica that is down, and reads the next one", async () => {
        const [down, next] = [0, 1, 2].filter((n) => n !== master);
        await bus.node(down).kill();
        const job = backupJob();
        try {
            const before = await readsOn(bus, next);
            const { file, output } = await job.run();
            assert.match(output, new RegExp(`from replica ${bus.topology.nodes[next]}:`));
            assert.equal((await readsOn(bus, next)).xrange - before.xrange, 3);
            assert.equal(readBackup(fs.readFileSync(file, "utf8"), file).snapshot.length, 2500);
        } finally {
            job.remove();
            await bus.node(down).start();
        }
    });

    it("npm run backup's snapshot reads its pages from the replica it is given, consistent with the master", async () => {
        const replica = [0, 1, 2].find((n) => n !== master)!;
        const source = (await takeSnapshot(admin, STREAM))!;
        const reader = bus.client({ host: bus.topology.nodes[replica], port: bus.topology.redisPort }, ADMIN_USER);
        try {
            const before = [await readsOn(bus, master), await readsOn(bus, replica)];
            const snapshot = (await takeSnapshot(admin, STREAM, { reader }))!;
            const after = [await readsOn(bus, master), await readsOn(bus, replica)];
            assert.deepEqual(after[0], before[0], "the master read no page");
            assert.equal(after[1].xrange - before[1].xrange, 3);
            assert.deepEqual(snapshotDifferences(snapshot, source), []);
        } finally {
            reader.disconnect();
        }
    });
});
