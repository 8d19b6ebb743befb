/**
 * The rendered redis.conf and ACL file, proven on a real redis-server: durability across SIGKILL, the memory guard,
 * the ACL users, and probes that fail when auth fails.
 */
import * as assert from "assert";
import { execFile } from "child_process";
import Redis from "ioredis";
import { RenderedRedis, startRenderedRedis } from "./helpers/rendered-redis";
import { assertServiceUserGrants } from "./helpers/service-user-grants";

const STREAM = "dsm:events";
const CONTAINER_MEMORY_LIMIT = 200 * 1024 * 1024;

interface GroupState {
    pending: number;
    lastDelivered: string;
    pendingIds: string[];
}

const GROUPS = ["sprint-service", "project-service", "backlog-service"];

async function snapshot(client: Redis): Promise<{ entries: string[]; groups: Record<string, GroupState> }> {
    const entries = ((await client.xrange(STREAM, "-", "+")) as Array<[string, string[]]>).map(
        ([id, fields]) => `${id} ${fields.join(" ")}`,
    );
    const groups: Record<string, GroupState> = {};
    for (const flat of (await client.xinfo("GROUPS", STREAM)) as unknown[][]) {
        const f = new Map<string, unknown>();
        for (let i = 0; i < flat.length; i += 2) f.set(String(flat[i]), flat[i + 1]);
        const name = String(f.get("name"));
        const pending = (await client.xpending(STREAM, name, "-", "+", 10_000)) as Array<
            [string, string, number, number]
        >;
        groups[name] = {
            pending: Number(f.get("pending")),
            lastDelivered: String(f.get("last-delivered-id")),
            pendingIds: pending.map((p) => `${p[0]}@${p[1]}`),
        };
    }
    return { entries, groups };
}

describe("the rendered configuration on a real redis-server", function () {
    this.timeout(120_000);

    for (const appendfsync of ["everysec", "always"] as const) {
        it(`keeps every entry, group position and pending entry across a SIGKILL (appendfsync ${appendfsync})`, async () => {
            const redis = await startRenderedRedis({ appendfsync });
            try {
                await redis.provision(GROUPS);
                const producer = await redis.connect("sprint-service");
                const pipeline = producer.pipeline();
                for (let i = 0; i < 1000; i++)
                    pipeline.xadd(STREAM, "*", "type", i % 2 ? "TASK_UPDATED" : "SprintStarted", "seq", String(i));
                await pipeline.exec();
                const projects = await redis.connect("project-service");
                const read = (await projects.xreadgroup(
                    "GROUP",
                    "project-service",
                    "worker-1",
                    "COUNT",
                    300,
                    "STREAMS",
                    STREAM,
                    ">",
                )) as Array<[string, Array<[string, string[]]>]>;
                const ids = read[0][1].map(([id]) => id);
                assert.strictEqual(await projects.xack(STREAM, "project-service", ...ids.slice(0, 100)), 100);
                const backlog = await redis.connect("backlog-service");
                await backlog.xreadgroup("GROUP", "backlog-service", "worker-9", "COUNT", 50, "STREAMS", STREAM, ">");

                const before = await snapshot(producer);
                assert.strictEqual(before.entries.length, 1000);
                assert.strictEqual(before.groups["project-service"].pending, 200);
                assert.strictEqual(before.groups["backlog-service"].pending, 50);

                await redis.server.stop("SIGKILL");
                await redis.server.start();
                const after = await snapshot(await redis.connect("sprint-service"));
                assert.deepStrictEqual(after, before);
            } finally {
                await redis.stop();
            }
        });
    }

    it("needs the default user's permissions: without them, Redis 7.0 drops group positions on restart (redis/redis#14541)", async () => {
        // The control for the rule in render/acl.ts: the same scenario, with the default user stripped of commands.
        const redis = await startRenderedRedis({}, (acl) =>
            acl.replace(/^user default .*$/m, "user default off resetpass -@all"),
        );
        try {
            await redis.provision(GROUPS);
            const producer = await redis.connect("sprint-service");
            for (let i = 0; i < 100; i++) await producer.xadd(STREAM, "*", "type", "TASK_UPDATED");
            const projects = await redis.connect("project-service");
            await projects.xreadgroup("GROUP", "project-service", "worker-1", "COUNT", 30, "STREAMS", STREAM, ">");
            const before = await snapshot(producer);
            assert.strictEqual(before.groups["project-service"].pending, 30);
            await redis.server.stop("SIGKILL");
            await redis.server.start();
            const after = await snapshot(await redis.connect("sprint-service"));
            assert.strictEqual(after.entries.length, 100, "the entries themselves survive");
            assert.notDeepStrictEqual(after.groups["project-service"], before.groups["project-service"]);
        } finally {
            await redis.stop();
        }
    });

    it("refuses XADD with OOM past maxmemory, stays up under the container limit, evicts nothing, and consumers go on", async () => {
        const redis = await startRenderedRedis();
        try {
            await redis.provision(GROUPS);
            const producer = await redis.connect("sprint-service");
            const payload = "x".repeat(1024);
            let added = 0;
            let oom: string | undefined;
            for (let batch = 0; batch < 400 && oom === undefined; batch++) {
                const pipeline = producer.pipeline();
                for (let i = 0; i < 1000; i++) pipeline.xadd(STREAM, "*", "type", "TASK_UPDATED", "payload", payload);
                for (const [error] of (await pipeline.exec()) ?? []) {
                    if (error === null) added++;
                    else oom ??= error.message;
                }
            }
            assert.match(oom ?? "no error", /^OOM command not allowed when used memory > 'maxmemory'/);
            const admin = await redis.connect("dsm-admin");
            assert.strictEqual(await admin.ping(), "PONG");
            const memory = await admin.info("memory");
            const rss = Number(/used_memory_rss:(\d+)/.exec(memory)?.[1]);
            const maxmemory = Number(/maxmemory:(\d+)/.exec(memory)?.[1]);
            assert.strictEqual(maxmemory, 92 * 1024 * 1024);
            assert.ok(rss < CONTAINER_MEMORY_LIMIT, `RSS ${rss} is not under the 200Mi limit`);
            assert.strictEqual(await producer.xlen(STREAM), added, "entries were evicted");
            assert.match(await admin.info("stats"), /evicted_keys:0\r?\n/);
            const consumer = await redis.connect("backlog-service");
            const read = (await consumer.xreadgroup(
                "GROUP",
                "backlog-service",
                "worker-1",
                "COUNT",
                10,
                "STREAMS",
                STREAM,
                ">",
            )) as Array<[string, Array<[string, string[]]>]>;
            assert.strictEqual(read[0][1].length, 10);
            assert.strictEqual(await consumer.xack(STREAM, "backlog-service", ...read[0][1].map(([id]) => id)), 10);
        } finally {
            await redis.stop();
        }
    });

    describe("ACL users", () => {
        let redis: RenderedRedis;
        before(async () => {
            redis = await startRenderedRedis();
            await redis.provision(GROUPS);
        });
        after(() => redis.stop());

        const denied = (client: Redis, command: string, ...args: string[]) =>
            assert.rejects(
                client.call(command, ...args),
                /^ReplyError: NOPERM|NOPERM/,
                `${command} ${args.join(" ")} was allowed`,
            );

        for (const [user, roles] of [
            ["sprint-service", ["publish", "consume"]],
            ["project-orchestrator", ["publish"]],
            ["project-service", ["consume"]],
            ["backlog-service", ["consume"]],
        ] as const) {
            it(`${user} runs exactly its commands on dsm:* and nothing dangerous`, async () => {
                const client = await redis.connect(user);
                if ((roles as readonly string[]).includes("publish")) {
                    assert.match((await client.xadd(STREAM, "*", "type", "SprintStarted")) ?? "", /^\d+-\d+$/);
                } else {
                    await denied(client, "XADD", STREAM, "*", "type", "x");
                }
                if ((roles as readonly string[]).includes("consume")) {
                    const group = user === "project-orchestrator" ? "sprint-service" : user;
                    await client.xreadgroup("GROUP", group, `${user}-1`, "COUNT", 1, "STREAMS", STREAM, ">");
                    assert.strictEqual(typeof (await client.xack(STREAM, group, "0-1")), "number");
                    await client.xpending(STREAM, group);
                    await client.xautoclaim(STREAM, group, `${user}-1`, 60_000, "0-0");
                } else {
                    await denied(client, "XREADGROUP", "GROUP", "sprint-service", "c", "STREAMS", STREAM, ">");
                }
                await denied(client, "FLUSHALL");
                await denied(client, "CONFIG", "GET", "maxmemory");
                await denied(client, "KEYS", "*");
                await denied(client, "DEL", STREAM);
                await denied(client, "XGROUP", "DESTROY", STREAM, "project-service");
                await denied(
                    client,
                    (roles as readonly string[]).includes("publish") ? "XADD" : "XLEN",
                    "other:key",
                    ...((roles as readonly string[]).includes("publish") ? ["*", "a", "b"] : []),
                );
            });
        }

        it("lets each service user run exactly its roles' commands, a publisher WAIT, and not WAITAOF, which Redis 7.0 lacks (every command asked)", async () => {
            await assertServiceUserGrants({ waitaof: false });
        });

        it("lets a publisher make a durable publish: XADD, then WAIT", async () => {
            const producer = await redis.connect("project-orchestrator");
            await producer.xadd(STREAM, "*", "type", "SprintStarted");
            // No replica here: WAIT answers at once with the replicas that have the entry.
            assert.strictEqual(await producer.call("WAIT", "0", "100"), 0);
            await assert.rejects(
                producer.call("WAITAOF", "1", "0", "100"),
                /unknown command/,
                "Redis 7.0 has no WAITAOF",
            );
        });

        it("lets the admin provision but not flush, reconfigure or scan", async () => {
            const admin = await redis.connect("dsm-admin");
            assert.strictEqual(await admin.xgroup("CREATE", STREAM, "audit", "$"), "OK");
            await denied(admin, "FLUSHALL");
            await denied(admin, "CONFIG", "SET", "maxmemory", "0");
            await denied(admin, "KEYS", "*");
            await denied(admin, "SHUTDOWN");
        });

        it("refuses the default user and wrong passwords", async () => {
            const anonymous = new Redis({
                host: "127.0.0.1",
                port: redis.server.port,
                lazyConnect: true,
                retryStrategy: () => null,
                maxRetriesPerRequest: 0,
                enableReadyCheck: false,
            });
            anonymous.on("error", () => undefined);
            try {
                await anonymous.connect();
                await assert.rejects(anonymous.xlen(STREAM), /NOAUTH/);
                await assert.rejects(anonymous.call("AUTH", "default", "anything"), /WRONGPASS/);
            } finally {
                anonymous.disconnect();
            }
            await assert.rejects(redis.connect("sprint-service", "not-the-password-at-all"), /WRONGPASS/);
        });
    });

    describe("probes", () => {
        let redis: RenderedRedis;
        before(async () => {
            redis = await startRenderedRedis();
        });
        after(() => redis.stop());

        /** Runs a probe's exec command as the kubelet would, against this server's port, with no credential. */
        function runProbe(command: string[]): Promise<number> {
            const port = String(redis.server.port);
            const [program, ...args] =
                command[0] === "redis-cli"
                    ? ["redis-cli", "-p", port, ...command.slice(1)]
                    : [command[0], command[1], command[2].replace(/redis-cli /g, `redis-cli -p ${port} `)];
            const env = { ...process.env };
            delete env.REDISCLI_AUTH;
            return new Promise((resolve) => {
                execFile(program, args, { env }, (error) => resolve(error === null ? 0 : Number(error.code ?? 1)));
            });
        }

        it("hold no credential: no environment, no password of any user", () => {
            for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"] as const) {
                assert.ok(!redis.container[probe].exec.command.join(" ").includes(redis.passwords["dsm-admin"]));
            }
            assert.strictEqual(redis.container.env, undefined);
        });

        it("connect as a user that may only PING", async () => {
            const probe = new Redis({
                port: redis.server.port,
                username: "dsm-probe",
                password: "any",
                lazyConnect: true,
            });
            await probe.connect();
            try {
                assert.strictEqual(await probe.ping(), "PONG");
                await assert.rejects(probe.xlen(STREAM), /NOPERM/);
                await assert.rejects(probe.call("INFO"), /NOPERM/);
            } finally {
                probe.disconnect();
            }
        });

        for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"] as const) {
            it(`${probe} passes as the probe user, and fails when the server refuses it`, async () => {
                const command = redis.container[probe].exec.command;
                assert.strictEqual(await runProbe(command), 0);
                const admin = await redis.connect("dsm-admin", redis.passwords["dsm-admin"]);
                try {
                    await admin.call("ACL", "SETUSER", "dsm-probe", "off");
                    assert.notStrictEqual(await runProbe(command), 0);
                } finally {
                    await admin.call("ACL", "SETUSER", "dsm-probe", "on");
                    admin.disconnect();
                }
            });
        }
    });
});
