/**
 * The judgement's own mechanics, beside the argument-by-argument cases (arguments.test.ts): problems come in the
 * settings table's order whatever found them, a value of the wrong type is one problem and never a crash, and the
 * engine's shape for check failures.
 */
import * as assert from "assert";
import { DSM_REDIS_DEFAULTS, argumentProblems } from "../../components/args";
import type { DsmRedisArgs } from "../../components/args";
import { asCheckFailures } from "../../components/problems";
import { ARGUMENT_SETTINGS } from "../../components/settings";
import { normalisedUsers, settingsProblems } from "../../components/validation";

const fieldsOf = (args: Record<string, unknown>) => argumentProblems(args as DsmRedisArgs).map((p) => p.field);
const tableIndex = (argument: string) => ARGUMENT_SETTINGS.findIndex((s) => s.argument === argument);

describe("the judgement's mechanics", () => {
    it("lists problems in the table's order, nested and indexed fields under their setting, whatever found them", () => {
        const fields = fieldsOf({
            // Given in an order unlike the table's; found by judges (each setting) and by rules (users, resources).
            alertMemoryRatio: 2,
            users: [{ name: "BAD", roles: ["publish"] }],
            resources: { requests: { memory: "1Ki" }, limits: { memory: "1Ki" } },
            retentionBatch: 0,
            namespace: "NOPE",
        });
        assert.deepStrictEqual(fields, [
            "namespace",
            "resources.limits.memory",
            "users[0].name",
            "retentionBatch",
            "alertMemoryRatio",
        ]);
        const order = ["namespace", "resources.limits.memory", "users", "retentionBatch", "alertMemoryRatio"].map(
            tableIndex,
        );
        assert.deepStrictEqual(
            [...order].sort((a, b) => a - b),
            order,
            "the expectation above is the table's order",
        );
    });

    it("keeps the order they were found in within one setting", () => {
        const problems = settingsProblems({
            ...DSM_REDIS_DEFAULTS,
            passwords: { nobody: "x".repeat(20), "dsm-admin": "short" },
            namespace: "NOPE",
        });
        assert.deepStrictEqual(
            problems.map((p) => p.field),
            ["namespace", "passwords.nobody", "passwords.dsm-admin"],
        );
    });

    it("takes passwords that are not an object as none, rather than failing", () => {
        for (const passwords of [null, "secret", 42]) {
            const fields = settingsProblems({ ...DSM_REDIS_DEFAULTS, passwords }).map((p) => p.field);
            assert.ok(!fields.some((f) => f.startsWith("passwords.")), `${String(passwords)}: ${fields.join(", ")}`);
        }
    });

    it("a stream key that is not text is one problem, and a key must start with dsm: exactly", () => {
        assert.deepStrictEqual(fieldsOf({ stream: 42 }), ["stream"]);
        assert.deepStrictEqual(fieldsOf({ stream: "dsx:events" }), ["stream"]);
        assert.deepStrictEqual(fieldsOf({ stream: "dsm:orders" }), []);
    });

    it("judges the memory limit against persistence only when persistence is a boolean", () => {
        assert.deepStrictEqual(
            fieldsOf({ persistence: "yes", resources: { requests: { memory: "20Mi" }, limits: { memory: "20Mi" } } }),
            ["persistence"],
        );
        assert.deepStrictEqual(
            fieldsOf({ persistence: true, resources: { requests: { memory: "20Mi" }, limits: { memory: "20Mi" } } }),
            ["resources.limits.memory"],
        );
    });

    it("deduplicates each user's roles and namespaces, and leaves out namespaces not given", () => {
        assert.deepStrictEqual(
            normalisedUsers([
                { name: "a", roles: ["publish", "publish", "consume"] },
                { name: "b", roles: ["consume"], namespaces: ["x", "x", "y"] },
            ]),
            [
                { name: "a", roles: ["publish", "consume"] },
                { name: "b", roles: ["consume"], namespaces: ["x", "y"] },
            ],
        );
        assert.ok(!("namespaces" in normalisedUsers([{ name: "a", roles: ["publish"] }])[0]));
    });

    it("hands problems to the engine as its check failures: property and reason", () => {
        assert.deepStrictEqual(asCheckFailures([{ field: "groups[1].name", message: "is empty" }]), [
            { property: "groups[1].name", reason: "is empty" },
        ]);
    });
});
