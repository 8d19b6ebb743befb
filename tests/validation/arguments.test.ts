/**
 * The one judgement of the component's arguments, argument by argument: each bad value is refused under its own
 * field with a message that shows the value and the accepted form, and the bounds are exactly where they are said to
 * be. (The stack config reaches the same judgement through config/read-config.ts; tests/config shows they agree.)
 */
import * as assert from "assert";
import type { DsmRedisArgs } from "../../components/args";
import { argumentProblems } from "../../components/args";
import { InvalidArgumentsError, formatProblems } from "../../components/validation";

const problemsOf = (args: Record<string, unknown>) =>
    argumentProblems(args as DsmRedisArgs).map((p) => `${p.field}: ${p.message}`);

const WHOLE: Array<[string, number, number]> = [
    ["retentionMaxAgeSeconds", 0, 10 * 365 * 86400],
    ["retentionMinEntries", 0, 1e9],
    ["retentionBatch", 1, 100000],
    ["alertLagEntries", 1, 1e12],
    ["alertPendingIdleSeconds", 1, 30 * 86400],
    ["alertPendingAgeSeconds", 60, 30 * 86400],
    ["alertRetentionStaleSeconds", 60, 30 * 86400],
    ["deadLetterDeliveries", 2, 1000],
    ["deadLetterIdleSeconds", 1, 30 * 86400],
    ["deadLetterMaxEntries", 1, 1e8],
    ["backupKeep", 1, 1000],
    ["alertBackupStaleSeconds", 600, 90 * 86400],
];
const BOOLEANS = [
    "createNamespace",
    "deleteStreamOnDelete",
    "deleteDataOnDestroy",
    "persistence",
    "networkPolicy",
    "retention",
    "retentionTrimUnacknowledged",
    "deadLetters",
    "backup",
    "metrics",
    "monitoring",
];

describe("the arguments, one by one", () => {
    it("accepts the defaults (no arguments at all)", () => {
        assert.deepStrictEqual(problemsOf({}), []);
    });

    it("replicas: 1, or an odd number of nodes from 3 to 7; an even number is refused for having no majority", () => {
        for (const good of [1, 3, 5, 7]) assert.deepStrictEqual(problemsOf({ replicas: good }), [], String(good));
        for (const even of [2, 4, 6]) {
            const [problem, ...rest] = problemsOf({ replicas: even });
            assert.deepStrictEqual(rest, []);
            assert.match(problem, new RegExp(`^replicas: ${even} is an even number of nodes, which has no majority`));
            assert.match(problem, new RegExp(`survive the loss of ${even / 2 - 1}, as ${even - 1} would`));
            assert.match(problem, /expected 1, 3, 5 or 7$/);
        }
        for (const bad of [0, 8, 1.5, "3"]) {
            assert.deepStrictEqual(
                problemsOf({ replicas: bad }),
                [`replicas: ${JSON.stringify(bad)} is not a whole number from 1 to 7; expected 1, 3, 5 or 7`],
                String(bad),
            );
        }
    });

    for (const [field, min, max] of WHOLE) {
        it(`${field}: a whole number from ${min} to ${max}`, () => {
            for (const good of [min, max]) assert.deepStrictEqual(problemsOf({ [field]: good }), [], String(good));
            for (const bad of [min - 1, max + 1, min + 0.5, String(min)]) {
                assert.deepStrictEqual(
                    problemsOf({ [field]: bad }),
                    [`${field}: ${JSON.stringify(bad)} is not a whole number from ${min} to ${max}`],
                    String(bad),
                );
            }
        });
    }

    for (const field of BOOLEANS) {
        it(`${field}: true or false`, () => {
            assert.deepStrictEqual(problemsOf({ [field]: true }), []);
            const refused = problemsOf({ [field]: "yes" });
            assert.strictEqual(refused.length, 1, refused.join("\n"));
            assert.match(refused[0], new RegExp(`^${field}: "yes" is not a boolean`));
        });
    }

    it("alertMemoryRatio: above 0 and at most 1", () => {
        for (const good of [1, 0.8, 0.001]) assert.deepStrictEqual(problemsOf({ alertMemoryRatio: good }), []);
        for (const bad of [0, 1.01, -0.5, "0.8"]) {
            assert.deepStrictEqual(problemsOf({ alertMemoryRatio: bad }), [
                `alertMemoryRatio: ${JSON.stringify(bad)} is not a share of maxmemory; expected a number above 0 and at most 1, e.g. 0.8`,
            ]);
        }
    });

    it("retentionSchedule: five cron fields or a macro", () => {
        for (const good of [
            "* * * * *",
            "*/5 * * * *",
            "0 3 * * 1-5",
            "0,30 * * * *",
            "@hourly",
            "@daily",
            " * * * * * ",
        ]) {
            assert.deepStrictEqual(problemsOf({ retentionSchedule: good }), [], good);
        }
        for (const bad of ["* * * *", "* * * * * *", "every minute", "@often", "x@hourly", "@hourlyx", 5]) {
            assert.deepStrictEqual(
                problemsOf({ retentionSchedule: bad }),
                [
                    `retentionSchedule: ${JSON.stringify(bad)} is not a cron schedule; expected five fields such as "* * * * *" (every minute) or "*/5 * * * *", or @hourly`,
                ],
                String(bad),
            );
        }
    });

    it("metricsImage, image: a pinned image reference", () => {
        assert.deepStrictEqual(problemsOf({ metricsImage: "oliver006/redis_exporter:v1.74.0" }), []);
        for (const field of ["image", "metricsImage"]) {
            assert.match(problemsOf({ [field]: "redis" })[0], new RegExp(`^${field}: .*no tag`));
            assert.match(
                problemsOf({ [field]: 7 })[0],
                new RegExp(`^${field}: 7 is not an image reference; expected `),
            );
        }
    });

    it("monitoringNamespace: a DNS-1123 label", () => {
        assert.deepStrictEqual(problemsOf({ monitoringNamespace: "observability" }), []);
        assert.match(problemsOf({ monitoringNamespace: "Monitoring" })[0], /^monitoringNamespace: "Monitoring" is not/);
    });

    it("monitoring needs metrics: the PodMonitor scrapes the exporter", () => {
        assert.deepStrictEqual(problemsOf({ monitoring: true, metrics: false }), [
            "monitoring: needs metrics: the PodMonitor scrapes the metrics exporter; expected metrics true, or monitoring false",
        ]);
        assert.deepStrictEqual(problemsOf({ monitoring: false, metrics: false }), []);
        assert.deepStrictEqual(problemsOf({ monitoring: true, metrics: true }), []);
    });

    it("provisionerConnection and storageSize: named in their own words", () => {
        assert.match(
            problemsOf({ provisionerConnection: "ssh" })[0],
            /^provisionerConnection: "ssh" is not a connection mode/,
        );
        assert.match(problemsOf({ storageSize: "1GB" })[0], /^storageSize: /);
    });

    it("a memory limit too small for data names what it leaves and the least it needs", () => {
        assert.deepStrictEqual(problemsOf({ resources: { requests: { memory: "8Mi" }, limits: { memory: "47Mi" } } }), [
            'resources.limits.memory: "47Mi" leaves Redis 15 MiB for data after process overhead and AOF-rewrite headroom; expected at least 48Mi',
        ]);
        assert.deepStrictEqual(
            problemsOf({ resources: { requests: { memory: "8Mi" }, limits: { memory: "48Mi" } } }),
            [],
        );
        assert.deepStrictEqual(
            problemsOf({ persistence: false, resources: { requests: { memory: "8Mi" }, limits: { memory: "31Mi" } } }),
            [
                'resources.limits.memory: "31Mi" leaves Redis 15 MiB for data after process overhead; expected at least 32Mi',
            ],
        );
        assert.deepStrictEqual(
            problemsOf({ persistence: false, resources: { requests: { memory: "8Mi" }, limits: { memory: "8Mi" } } }),
            [
                'resources.limits.memory: "8Mi" leaves Redis 0 MiB for data after process overhead; expected at least 32Mi',
            ],
        );
    });

    it("the stream key must be under dsm:, where the ACL users may reach", () => {
        assert.deepStrictEqual(problemsOf({ stream: "dsm:other" }), []);
        assert.deepStrictEqual(problemsOf({ stream: "events" }), [
            'stream: "events" is outside dsm:*, the only keys the ACL users may touch; expected e.g. "dsm:events"',
        ]);
    });

    it("users: names, duplicates, roles and namespaces, each under its own field", () => {
        assert.deepStrictEqual(problemsOf({ users: [] }).length, 1);
        assert.match(problemsOf({ users: [] })[0], /^users: must be a non-empty list; expected a list such as/);
        assert.match(problemsOf({ users: "sprint-service" })[0], /^users: must be a non-empty list/);
        const problems = problemsOf({
            groups: [{ name: "a" }],
            users: [
                { name: "a", roles: ["consume"] },
                { name: "a", roles: ["consume"] },
                { name: "b", roles: ["read"] },
                { name: "c", roles: ["publish"], namespaces: "dsm-workers" },
                { name: "d", roles: ["publish"], namespaces: ["ok", "Not_OK"] },
                { roles: ["publish"] },
            ],
        });
        assert.deepStrictEqual(
            problems.map((p) => p.split(":")[0]),
            ["users[1].name", "users[2].roles", "users[3].namespaces", "users[4].namespaces[1]", "users[5].name"],
            problems.join("\n"),
        );
        assert.ok(problems[0].endsWith('"a" is listed twice'));
        assert.ok(problems[1].endsWith('["read"] is not a non-empty list of "publish", "consume"'), problems[1]);
        assert.ok(
            problems[2].endsWith('"dsm-workers" is not a list of the namespaces c runs in, e.g. ["dsm-workers"]'),
        );
        assert.ok(problems[3].endsWith("(a namespace d runs in)"), problems[3]);
        assert.match(problems[4], /^users\[5\]\.name: \(unset\) is not a DNS-1123 label/);
    });

    it("clientNamespaces: a non-empty list of namespaces", () => {
        assert.deepStrictEqual(problemsOf({ clientNamespaces: ["dsm", "dsm-workers"] }), []);
        for (const bad of [[], "dsm"]) {
            assert.match(
                problemsOf({ clientNamespaces: bad })[0],
                new RegExp(`^clientNamespaces: ${JSON.stringify(bad).replace(/[[\]]/g, "\\$&")} is not `),
            );
        }
        assert.match(problemsOf({ clientNamespaces: ["dsm", "Bad"] })[0], /^clientNamespaces\[1\]: "Bad" is not/);
    });

    it("reports every problem at once, as an InvalidArgumentsError whose errors name each property", () => {
        const problems = argumentProblems({ retentionBatch: 0, alertMemoryRatio: 2 } as DsmRedisArgs);
        const error = new InvalidArgumentsError(problems);
        assert.strictEqual(error.name, "InvalidArgumentsError");
        assert.strictEqual(error.message, `Invalid DsmRedis arguments:\n${formatProblems(problems)}`);
        assert.deepStrictEqual(
            (error as unknown as { errors: Array<{ propertyPath: string; reason: string }> }).errors,
            problems.map((p) => ({ propertyPath: p.field, reason: p.message })),
        );
        assert.deepStrictEqual(
            problems.map((p) => p.field),
            ["retentionBatch", "alertMemoryRatio"],
        );
    });
});
