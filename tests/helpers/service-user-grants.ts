/**
 * What each default service user may run on a real server, command by command (testbed/acl-grants.ts): the rendered
 * rules set on a server of the given program, and every command of its table asked with ACL DRYRUN. Shared by the
 * unit tier (Redis 7.0) and the upgrade tier (Valkey), whose servers differ in WAITAOF.
 */
import { strict as assert } from "assert";
import Redis from "ioredis";
import { DEFAULT_SERVICE_USERS, aclRules, commandsFor, sha256Hex } from "../../components/render/acl";
import { ALWAYS_ALLOWED, grantedCommands } from "../../testbed/acl-grants";
import { RedisServer } from "../../testbed/redis-server";

/** Asserts that each service user may run exactly its roles' commands, and a publisher WAIT (and WAITAOF if `waitaof`). */
export async function assertServiceUserGrants(options: { binary?: string; waitaof: boolean }): Promise<void> {
    // No ACL file: the default user may run everything, ACL DRYRUN too, and sets the rendered users' rules.
    const server = await RedisServer.start({ binary: options.binary });
    const client = new Redis({ host: "127.0.0.1", port: server.port, lazyConnect: true });
    try {
        await client.connect();
        const hashes = Object.fromEntries(
            ["dsm-admin", ...DEFAULT_SERVICE_USERS.map((u) => u.name)].map((u) => [u, sha256Hex(u)]),
        );
        for (const rule of aclRules(DEFAULT_SERVICE_USERS, hashes).filter((r) => r.user !== "default")) {
            await client.call("ACL", "SETUSER", rule.user, ...rule.rules);
        }
        for (const user of DEFAULT_SERVICE_USERS) {
            const publishes = user.roles.includes("publish");
            const durable = publishes ? ["wait", ...(options.waitaof ? ["waitaof"] : [])] : [];
            const expected = [...new Set([...ALWAYS_ALLOWED, ...commandsFor(user.roles), ...durable])].sort();
            assert.deepEqual(await grantedCommands(client, user.name), expected, user.name);
        }
    } finally {
        client.disconnect();
        await server.stop();
    }
}
