/**
 * User changes without an outage, on a real redis-server running the rendered config and ACL file: while a producer
 * and a consumer keep working, the RedisAclUsers provider adds a user, rotates passwords (a service's and the admin's)
 * and removes a user. Other connections stay up, a rotated password works at once for new connections, and a removed
 * user's connections are closed.
 */
import * as assert from "assert";
import { aclUsersProvider } from "../components/acl-users/provider";
import type { AclUsersInputs } from "../components/acl-users/inputs";
import { aclRules, sha256Hex, ServiceUser } from "../components/render/acl";
import { RenderedRedis, startRenderedRedis } from "./helpers/rendered-redis";
import type Redis from "ioredis";

const STREAM = "dsm:events";

describe("user changes reach the running server without a restart", function () {
    this.timeout(60_000);
    let redis: RenderedRedis;
    let passwords: Record<string, string>;
    let users: ServiceUser[];

    const inputsFor = (
        current: ServiceUser[],
        pw: Record<string, string>,
        admin = pw["dsm-admin"],
    ): AclUsersInputs => ({
        users: aclRules(current, Object.fromEntries(Object.entries(pw).map(([u, p]) => [u, sha256Hex(p)]))),
        connection: { host: "127.0.0.1", port: redis.server.port, username: "dsm-admin", password: admin },
        readinessTimeoutSeconds: 10,
    });

    /** A producer and a consumer that never stop until told, counting what they did and every error. */
    function traffic(producer: Redis, consumer: Redis) {
        const counts = { produced: 0, consumed: 0, errors: [] as string[] };
        let running = true;
        const produce = (async () => {
            while (running) {
                await producer.xadd(STREAM, "*", "type", "TASK_UPDATED").then(
                    () => counts.produced++,
                    (e: Error) => counts.errors.push(`producer: ${e.message}`),
                );
            }
        })();
        const consume = (async () => {
            while (running) {
                try {
                    const reply = (await consumer.xreadgroup(
                        "GROUP",
                        "project-service",
                        "c1",
                        "COUNT",
                        10,
                        "BLOCK",
                        50,
                        "STREAMS",
                        STREAM,
                        ">",
                    )) as Array<[string, Array<[string, string[]]>]> | null;
                    for (const [, entries] of reply ?? []) {
                        if (entries.length > 0)
                            await consumer.xack(STREAM, "project-service", ...entries.map(([id]) => id));
                        counts.consumed += entries.length;
                    }
                } catch (e) {
                    counts.errors.push(`consumer: ${(e as Error).message}`);
                }
            }
        })();
        return {
            counts,
            /** Resolves once both have done at least `n` more of their work, so each step happens under load. */
            async progress(n: number) {
                const [p, c] = [counts.produced, counts.consumed];
                while (counts.produced < p + n || counts.consumed < c + n) await new Promise((r) => setImmediate(r));
            },
            async stop() {
                running = false;
                await Promise.all([produce, consume]);
            },
        };
    }

    before(async () => {
        redis = await startRenderedRedis();
        passwords = { ...redis.passwords };
        users = [
            { name: "sprint-service", roles: ["publish", "consume"] },
            { name: "project-orchestrator", roles: ["publish"] },
            { name: "project-service", roles: ["consume"] },
            { name: "backlog-service", roles: ["consume"] },
        ];
        await redis.provision(["project-service", "backlog-service"]);
        // The state as the first deploy leaves it: the provider's create sets what the file already says.
        await aclUsersProvider.create(inputsFor(users, passwords));
    });
    after(() => redis.stop());

    it("keeps a producer and a consumer working, with no error, through an added user, rotations and a removal", async () => {
        const producer = await redis.connect("sprint-service");
        const consumer = await redis.connect("project-service");
        const backlog = await redis.connect("backlog-service");
        const load = traffic(producer, consumer);
        await load.progress(20);

        // A user added: it can connect at once.
        let before = inputsFor(users, passwords);
        users = [...users, { name: "audit-service", roles: ["consume"] }];
        passwords = { ...passwords, "audit-service": "audit-service-password-0001" };
        await aclUsersProvider.update!("acl-users", before, inputsFor(users, passwords));
        assert.strictEqual(
            (await (await redis.connect("audit-service", passwords["audit-service"])).xlen(STREAM)) >= 0,
            true,
        );
        await load.progress(20);

        // A service's password rotated: new connections need the new one; the producer's connection goes on.
        before = inputsFor(users, passwords);
        const oldProducerPassword = passwords["sprint-service"];
        passwords = { ...passwords, "sprint-service": "sprint-service-rotated-0002" };
        await aclUsersProvider.update!("acl-users", before, inputsFor(users, passwords));
        await redis.connect("sprint-service", passwords["sprint-service"]);
        await assert.rejects(redis.connect("sprint-service", oldProducerPassword), /WRONGPASS/);
        await load.progress(20);

        // The admin's password rotated: the provider connects with the old one to set the new one.
        before = inputsFor(users, passwords);
        const oldAdmin = passwords["dsm-admin"];
        passwords = { ...passwords, "dsm-admin": "dsm-admin-rotated-password-0003" };
        await aclUsersProvider.update!("acl-users", before, inputsFor(users, passwords));
        await redis.connect("dsm-admin", passwords["dsm-admin"]);
        await assert.rejects(redis.connect("dsm-admin", oldAdmin), /WRONGPASS/);
        await load.progress(20);

        // A user removed: its open connection is closed, and it can connect no more.
        before = inputsFor(users, passwords);
        users = users.filter((u) => u.name !== "backlog-service");
        await aclUsersProvider.update!("acl-users", before, inputsFor(users, passwords));
        await assert.rejects(backlog.ping(), /Connection is closed|ECONNRESET|Stream isn't writeable/);
        await assert.rejects(redis.connect("backlog-service"), /WRONGPASS/);
        await load.progress(20);

        await load.stop();
        assert.deepStrictEqual(load.counts.errors, []);
        assert.ok(load.counts.produced >= 100 && load.counts.consumed >= 100, JSON.stringify(load.counts));
        assert.strictEqual(await producer.ping(), "PONG", "the producer's first connection is still up");
        assert.strictEqual(await consumer.ping(), "PONG", "the consumer's first connection is still up");
    });

    it("takes the new admin password when the server already has it (a pod started with the new ACL file)", async () => {
        const before = inputsFor(users, passwords);
        const rotated = { ...passwords, "dsm-admin": "dsm-admin-rotated-again-00004" };
        const after = inputsFor(users, rotated);
        // The server learnt the new password first, as a new pod reading the updated file would have.
        const admin = await redis.connect("dsm-admin", passwords["dsm-admin"]);
        const adminRule = after.users.find((r) => r.user === "dsm-admin")!;
        await admin.call("ACL", "SETUSER", "dsm-admin", "reset", ...adminRule.rules);
        await aclUsersProvider.update!("acl-users", before, { ...after, users: [...after.users] });
        passwords = rotated;
        await redis.connect("dsm-admin", passwords["dsm-admin"]);
    });

    it("plans an update, never a replacement, and none for equal users", async () => {
        const same = inputsFor(users, passwords);
        assert.strictEqual((await aclUsersProvider.diff!("acl-users", same, same)).changes, false);
        const rotated = inputsFor(users, { ...passwords, "project-service": "project-service-rotated-0005" });
        const diff = await aclUsersProvider.diff!("acl-users", same, rotated);
        assert.deepStrictEqual([diff.changes, diff.replaces], [true, []]);
    });
});
