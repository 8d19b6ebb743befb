/**
 * The stream-groups provider's methods, called as the engine calls them, against real redis-servers the tests start.
 */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import Redis from "ioredis";
import { DirectConnection, StreamGroupsInputs } from "../../components/stream-groups/inputs";
import { streamGroupsProvider as provider } from "../../components/stream-groups/provider";
import { countingRelay } from "../../bench/round-trips";
import { cuttingRelay } from "../../testbed/fakes/cutting-relay";
import { RedisServer } from "../helpers/redis-server";

const STREAM = "dsm:events";

function inputs(server: RedisServer, overrides: Partial<StreamGroupsInputs> = {}): StreamGroupsInputs {
    const connection: DirectConnection = { host: "127.0.0.1", port: server.port };
    return {
        stream: STREAM,
        groups: [
            { name: "sprint-service", startId: "0" },
            { name: "project-service", startId: "0" },
            { name: "backlog-service", startId: "0" },
        ],
        connection,
        readinessTimeoutSeconds: 10,
        deleteStreamOnDelete: false,
        ...overrides,
    };
}

async function groupsOf(
    client: Redis,
    stream = STREAM,
): Promise<Record<string, { pending: number; lastDelivered: string }>> {
    const reply = (await client.xinfo("GROUPS", stream)) as unknown[][];
    return Object.fromEntries(
        reply.map((flat) => {
            const f = new Map<string, unknown>();
            for (let i = 0; i < flat.length; i += 2) f.set(String(flat[i]), flat[i + 1]);
            return [
                String(f.get("name")),
                { pending: Number(f.get("pending")), lastDelivered: String(f.get("last-delivered-id")) },
            ];
        }),
    );
}

/** Captures what the provider logs (it logs through pulumi.log.info) for the length of a test. */
function captureLog(onMessage: (message: string) => void = () => undefined): { messages: string[]; restore(): void } {
    const original = pulumi.log.info;
    const messages: string[] = [];
    pulumi.log.info = (message: string) => {
        messages.push(message);
        onMessage(message);
        return Promise.resolve();
    };
    return { messages, restore: () => (pulumi.log.info = original) };
}

/** Sum of calls of the named commands since the last CONFIG RESETSTAT, from INFO commandstats. */
async function commandCalls(client: Redis, names: readonly string[]): Promise<number> {
    const info = await client.info("commandstats");
    let total = 0;
    for (const line of info.split("\n")) {
        const match = /^cmdstat_([a-z|]+):calls=(\d+)/.exec(line.trim());
        if (match && names.some((n) => match[1] === n || match[1].startsWith(`${n}|`))) total += Number(match[2]);
    }
    return total;
}

const WRITE_COMMANDS = ["xgroup", "xadd", "del", "unlink", "eval", "evalsha", "set", "xtrim", "xdel"];

describe("stream-groups provider against a real redis-server", function () {
    this.timeout(30_000);
    let server: RedisServer;
    let client: Redis;

    beforeEach(async () => {
        server = await RedisServer.start();
        client = new Redis({ host: "127.0.0.1", port: server.port, lazyConnect: true });
        await client.connect();
    });

    afterEach(async () => {
        client.disconnect();
        await server.destroy();
    });

    describe("create", () => {
        it("creates the stream and every group on an empty server, each at the start of history", async () => {
            const result = await provider.create(inputs(server));
            assert.strictEqual(result.id, STREAM);
            assert.strictEqual(await client.type(STREAM), "stream");
            assert.deepStrictEqual(await groupsOf(client), {
                "sprint-service": { pending: 0, lastDelivered: "0-0" },
                "project-service": { pending: 0, lastDelivered: "0-0" },
                "backlog-service": { pending: 0, lastDelivered: "0-0" },
            });
            assert.strictEqual(await client.xlen(STREAM), 0);
        });

        it("keeps an existing stream's entries, and hands startId 0 the history and $ only new entries", async () => {
            await client.xadd(STREAM, "*", "type", "SprintStarted");
            await provider.create(
                inputs(server, {
                    groups: [
                        { name: "replayer", startId: "0" },
                        { name: "tailer", startId: "$" },
                    ],
                }),
            );
            assert.strictEqual(await client.xlen(STREAM), 1);
            const replayed = await client.xreadgroup("GROUP", "replayer", "c1", "COUNT", 10, "STREAMS", STREAM, ">");
            const tailed = await client.xreadgroup("GROUP", "tailer", "c1", "COUNT", 10, "STREAMS", STREAM, ">");
            assert.strictEqual(
                (replayed as unknown[][])[0][1] instanceof Array && (replayed as [string, unknown[]][])[0][1].length,
                1,
            );
            assert.strictEqual(tailed, null);
        });

        it("counts existing groups as done and leaves their position alone", async () => {
            const id = await client.xadd(STREAM, "*", "type", "TASK_UPDATED");
            await client.xgroup("CREATE", STREAM, "sprint-service", "$");
            const result = await provider.create(inputs(server));
            assert.strictEqual(result.id, STREAM);
            const groups = await groupsOf(client);
            assert.strictEqual(groups["sprint-service"].lastDelivered, id);
            assert.strictEqual(groups["backlog-service"].lastDelivered, "0-0");
        });

        it("refuses a key of another type with a clear error and leaves the key untouched", async () => {
            await client.set(STREAM, "not a stream");
            await assert.rejects(
                provider.create(inputs(server)),
                /key "dsm:events" holds a string, not a stream; it was left untouched/,
            );
            assert.strictEqual(await client.get(STREAM), "not a stream");
        });

        it("provisions in three round trips: authenticate, name and check readiness, then every XGROUP at once", async () => {
            const relay = await countingRelay(server.port);
            try {
                await client.config("RESETSTAT");
                await provider.create({ ...inputs(server), connection: { host: "127.0.0.1", port: relay.port } });
                assert.strictEqual(relay.roundTrips(), 3);
                assert.strictEqual(await commandCalls(client, ["xgroup"]), 3);
                assert.strictEqual(await commandCalls(client, ["ping"]), 1);
            } finally {
                relay.close();
            }
        });
    });

    describe("timing and faults", () => {
        it("waits for a Redis that comes up 1-2 s after create starts, logging while it waits", async () => {
            const late = await RedisServer.prepareOnFreePort();
            const started = Date.now();
            let starting: Promise<void> | undefined;
            const log = captureLog((message) => {
                // Start the server from the provider's own progress messages, once a second has passed.
                if (starting === undefined && message.startsWith("waiting for Redis") && Date.now() - started >= 1000) {
                    starting = late.start();
                }
            });
            try {
                await provider.create(inputs(late));
                const elapsed = Date.now() - started;
                assert.ok(elapsed >= 1000 && elapsed < 5000, `took ${elapsed} ms`);
                assert.ok(
                    log.messages.some((m) => m.startsWith(`waiting for Redis at redis://127.0.0.1:${late.port}: `)),
                    log.messages.join("\n"),
                );
                assert.ok(log.messages.some((m) => m.startsWith(`Redis at redis://127.0.0.1:${late.port} is ready`)));
                const check = new Redis({ host: "127.0.0.1", port: late.port });
                assert.strictEqual(await check.type(STREAM), "stream");
                check.disconnect();
            } finally {
                log.restore();
                await starting;
                await late.destroy();
            }
        });

        it("fails within the timeout when Redis never comes up, naming the endpoint and the last error", async () => {
            const never = await RedisServer.prepareOnFreePort();
            const log = captureLog();
            const started = Date.now();
            try {
                await assert.rejects(
                    provider.create(inputs(never, { readinessTimeoutSeconds: 2 })),
                    new RegExp(
                        `Redis at redis://127\\.0\\.0\\.1:${never.port} was not ready within 2s \\(\\d+ attempts\\); last error: .*ECONNREFUSED`,
                    ),
                );
                const elapsed = Date.now() - started;
                assert.ok(elapsed >= 1900 && elapsed < 3000, `took ${elapsed} ms`);
                assert.ok(log.messages.length >= 3, "backoff retried several times");
            } finally {
                log.restore();
                await never.destroy();
            }
        });

        it("converges when redis-server is killed midway through a create and restarted", async () => {
            const durable = await RedisServer.start({ config: ["appendonly yes", "appendfsync always"] });
            const groups = Array.from({ length: 50 }, (_, i) => ({ name: `group-${i}`, startId: "0" }));
            const reached = 20;
            // The relay lets exactly the first 20 XGROUPs of the pipeline through, so the kill lands at a known point.
            const relay = await cuttingRelay(durable.port, { command: "XGROUP", forward: reached });
            try {
                const creating = provider
                    .create({
                        ...inputs(durable, { groups, readinessTimeoutSeconds: 1 }),
                        connection: { host: "127.0.0.1", port: relay.port },
                    })
                    .then(
                        () => "completed",
                        (error: Error) => error.message,
                    );
                await relay.answered;
                await durable.stop("SIGKILL");
                const first = await creating;
                assert.notStrictEqual(first, "completed");
                await durable.start();
                const check = new Redis({ host: "127.0.0.1", port: durable.port });
                try {
                    // With appendfsync always, every group the server acknowledged survived the kill, and no other.
                    assert.strictEqual(Object.keys(await groupsOf(check)).length, reached);
                    await provider.create(inputs(durable, { groups }));
                    assert.strictEqual(
                        Object.keys(await groupsOf(check)).length,
                        groups.length,
                        `first attempt: ${first}`,
                    );
                } finally {
                    check.disconnect();
                }
            } finally {
                relay.close();
                await durable.destroy();
            }
        });
    });

    describe("auth", () => {
        let secured: RedisServer;
        const password = "s3cret-Pa55word-for-tests";
        beforeEach(async () => {
            secured = await RedisServer.start({
                config: ["user default off", `user provisioner on >${password} ~dsm:* resetchannels +@all`],
            });
        });
        afterEach(() => secured.destroy());

        it("works with the right user and password", async () => {
            await provider.create(
                inputs(secured, {
                    connection: { host: "127.0.0.1", port: secured.port, username: "provisioner", password },
                }),
            );
        });

        it("fails at once, without the password in the error, when it is wrong or missing", async () => {
            const started = Date.now();
            await assert.rejects(
                provider.create(
                    inputs(secured, {
                        connection: {
                            host: "127.0.0.1",
                            port: secured.port,
                            username: "provisioner",
                            password: "wrong-password-xyz",
                        },
                    }),
                ),
                (error: Error) => {
                    assert.match(error.message, /refused the credentials: WRONGPASS/);
                    assert.ok(
                        !error.message.includes("wrong-password-xyz") && !error.message.includes(password),
                        error.message,
                    );
                    return true;
                },
            );
            await assert.rejects(provider.create(inputs(secured)), /refused the credentials: (NOAUTH|WRONGPASS)/);
            assert.ok(Date.now() - started < 2000, "credential errors are not retried until the timeout");
        });
    });

    describe("update", () => {
        it("adds new groups and removes dropped ones without pending entries", async () => {
            const olds = inputs(server);
            await provider.create(olds);
            const news = inputs(server, {
                groups: [
                    { name: "sprint-service", startId: "0" },
                    { name: "audit-service", startId: "$" },
                ],
            });
            await provider.update!(STREAM, olds, news);
            assert.deepStrictEqual(Object.keys(await groupsOf(client)).sort(), ["audit-service", "sprint-service"]);
        });

        it("refuses to remove a group with pending entries, naming it and the count, and changes nothing", async () => {
            const olds = inputs(server);
            await provider.create(olds);
            await client.xadd(STREAM, "*", "type", "SprintStarted");
            await client.xadd(STREAM, "*", "type", "TASK_UPDATED");
            await client.xreadgroup("GROUP", "backlog-service", "worker-1", "COUNT", 10, "STREAMS", STREAM, ">");
            const news = inputs(server, {
                groups: [{ name: "sprint-service" }, { name: "project-service" }, { name: "new-service" }],
            });
            await assert.rejects(
                provider.update!(STREAM, olds, news),
                /refusing to remove group "backlog-service" \(2 pending entries\) from "dsm:events"/,
            );
            assert.deepStrictEqual(Object.keys(await groupsOf(client)).sort(), [
                "backlog-service",
                "project-service",
                "sprint-service",
            ]);
        });

        it("sends no command at all when only the connection or timeout changes", async () => {
            const olds = inputs(server);
            await provider.create(olds);
            await client.config("RESETSTAT");
            const news = {
                ...olds,
                readinessTimeoutSeconds: 60,
                connection: { ...olds.connection, username: "default" },
            };
            const result = await provider.update!(STREAM, olds, news);
            assert.deepStrictEqual((result.outs as StreamGroupsInputs).connection, news.connection);
            assert.strictEqual(await commandCalls(client, [...WRITE_COMMANDS, "ping", "hello", "auth"]), 0);
        });

        it("converges when re-run after it was interrupted between removal and creation", async () => {
            const olds = inputs(server);
            await provider.create(olds);
            await client.xgroup("DESTROY", STREAM, "backlog-service"); // the removal had happened
            const news = inputs(server, {
                groups: [{ name: "sprint-service" }, { name: "project-service" }, { name: "audit-service" }],
            });
            await provider.update!(STREAM, olds, news);
            assert.deepStrictEqual(Object.keys(await groupsOf(client)).sort(), [
                "audit-service",
                "project-service",
                "sprint-service",
            ]);
        });
    });

    describe("delete", () => {
        it("keeps the stream and its entries, and removes only groups with nothing pending", async () => {
            const props = inputs(server);
            await provider.create(props);
            await client.xadd(STREAM, "*", "type", "SprintStarted");
            await client.xreadgroup("GROUP", "sprint-service", "worker-1", "COUNT", 10, "STREAMS", STREAM, ">");
            const log = captureLog();
            try {
                await provider.delete!(STREAM, props);
            } finally {
                log.restore();
            }
            assert.strictEqual(await client.xlen(STREAM), 1);
            assert.deepStrictEqual(Object.keys(await groupsOf(client)), ["sprint-service"]);
            assert.ok(
                log.messages.some((m) => /kept group sprint-service on dsm:events .*1 entries still pending/.test(m)),
            );
        });

        it("deletes the stream too when deleteStreamOnDelete is set", async () => {
            const props = inputs(server, { deleteStreamOnDelete: true });
            await provider.create(props);
            await client.xadd(STREAM, "*", "type", "SprintStarted");
            await provider.delete!(STREAM, props);
            assert.strictEqual(await client.exists(STREAM), 0);
        });
    });

    describe("read (refresh)", () => {
        it("reports only the managed groups that really exist, so drift shows", async () => {
            const props = inputs(server);
            await provider.create(props);
            await client.xgroup("DESTROY", STREAM, "project-service");
            await client.xgroup("CREATE", STREAM, "someone-elses", "$");
            const result = await provider.read!(STREAM, props);
            assert.deepStrictEqual(
                (result.props as StreamGroupsInputs).groups.map((g) => g.name),
                ["sprint-service", "backlog-service"],
            );
            const diff = await provider.diff!(STREAM, result.props as StreamGroupsInputs, props);
            assert.strictEqual(diff.changes, true);
            await provider.update!(STREAM, result.props as StreamGroupsInputs, props);
            assert.deepStrictEqual(Object.keys(await groupsOf(client)).sort(), [
                "backlog-service",
                "project-service",
                "someone-elses",
                "sprint-service",
            ]);
        });
    });
});
