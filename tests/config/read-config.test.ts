import * as assert from "assert";
import { DSM_REDIS_DEFAULTS } from "../../components/args";
import { CONFIG_KEYS } from "../../config/keys";
import * as pulumi from "@pulumi/pulumi";
import {
    ConfigSource,
    InvalidSettingsError,
    configKeyOfArgument,
    readConfig,
    stackConfigSource,
} from "../../config/read-config";
import { MOCKS } from "../helpers/mocks";

function source(values: Record<string, string>): ConfigSource {
    return { project: "dsm-redis", get: (key) => values[key], keys: () => Object.keys(values) };
}

function problemsOf(values: Record<string, string>): InvalidSettingsError["problems"] {
    try {
        readConfig(source(values));
    } catch (error) {
        assert.ok(error instanceof InvalidSettingsError, `expected InvalidSettingsError, got ${String(error)}`);
        return error.problems;
    }
    assert.fail(`expected ${JSON.stringify(values)} to be rejected`);
}

describe("readConfig", () => {
    it("sets no argument for an empty config, so the component's defaults apply", () => {
        assert.deepStrictEqual(readConfig(source({})), { args: {}, options: {} });
    });

    it("documents each key's default as the component's default for its argument", () => {
        const d = DSM_REDIS_DEFAULTS;
        const byKey: Record<string, string> = {
            namespace: d.namespace,
            createNamespace: String(d.createNamespace),
            image: d.image,
            port: String(d.port),
            cpuRequest: d.resources.requests.cpu,
            cpuLimit: d.resources.limits.cpu,
            memoryRequest: d.resources.requests.memory,
            memoryLimit: d.resources.limits.memory,
            stream: d.stream,
            groups: JSON.stringify(d.groups.map((g) => g.name)),
            readinessTimeoutSeconds: String(d.readinessTimeoutSeconds),
            deleteStreamOnDelete: String(d.deleteStreamOnDelete),
            provisionerConnection: d.provisionerConnection,
            persistence: String(d.persistence),
            storageSize: d.storageSize,
            storageClass: "(the cluster's default class)",
            appendfsync: d.appendfsync,
            replicas: String(d.replicas),
            replicaSpread: d.replicaSpread,
            proxyImage: d.proxyImage,
            users: JSON.stringify(d.users),
            deleteDataOnDestroy: String(d.deleteDataOnDestroy),
            protect: "false",
            passwords: "(generated once and kept)",
            networkPolicy: String(d.networkPolicy),
            clientNamespaces: "(the bus's own namespace and every namespace a service user runs in)",
            retention: String(d.retention),
            retentionMaxAgeSeconds: String(d.retentionMaxAgeSeconds),
            retentionMinEntries: String(d.retentionMinEntries),
            retentionSchedule: d.retentionSchedule,
            retentionBatch: String(d.retentionBatch),
            retentionTrimUnacknowledged: String(d.retentionTrimUnacknowledged),
            deadLetters: String(d.deadLetters),
            deadLetterDeliveries: String(d.deadLetterDeliveries),
            deadLetterIdleSeconds: String(d.deadLetterIdleSeconds),
            deadLetterMaxEntries: String(d.deadLetterMaxEntries),
            backup: String(d.backup),
            backupSchedule: d.backupSchedule,
            backupKeep: String(d.backupKeep),
            backupClaim: "(a claim redis-backups of backupStorageSize, which the bus makes)",
            backupStorageSize: d.backupStorageSize,
            metrics: String(d.metrics),
            metricsImage: d.metricsImage,
            monitoring: String(d.monitoring),
            monitoringNamespace: d.monitoringNamespace,
            alertLagEntries: String(d.alertLagEntries),
            alertPendingIdleSeconds: String(d.alertPendingIdleSeconds),
            alertPendingAgeSeconds: String(d.alertPendingAgeSeconds),
            alertMemoryRatio: String(d.alertMemoryRatio),
            alertRetentionStaleSeconds: String(d.alertRetentionStaleSeconds),
            alertBackupStaleSeconds: String(d.alertBackupStaleSeconds),
        };
        assert.deepStrictEqual(Object.fromEntries(CONFIG_KEYS.map((k) => [k.key, k.default])), byKey);
    });

    it("reads each key's text as its argument's type", () => {
        assert.deepStrictEqual(
            readConfig(
                source({
                    protect: "true",
                    port: "16379",
                    persistence: "false",
                    memoryLimit: "256Mi",
                    groups: '["a", {"name": "b", "startId": "$"}]',
                    passwords: '{"sprint-service": "0123456789abcdef"}',
                    clientNamespaces: '["dsm", "workers"]',
                }),
            ),
            {
                options: { protect: true },
                args: {
                    port: 16379,
                    persistence: false,
                    resources: { limits: { memory: "256Mi" } },
                    groups: [{ name: "a" }, { name: "b", startId: "$" }],
                    passwords: { "sprint-service": "0123456789abcdef" },
                    clientNamespaces: ["dsm", "workers"],
                },
            },
        );
    });

    it("accepts valid non-default values", () => {
        const { args } = readConfig(
            source({
                namespace: "events-1",
                image: "registry.example.com:5000/redis@sha256:" + "a".repeat(64),
                port: "16379",
                cpuRequest: "0.1",
                cpuLimit: "1",
                memoryRequest: "1e8",
                memoryLimit: "1Gi",
            }),
        );
        assert.strictEqual(args.port, 16379);
        assert.strictEqual(args.resources?.requests?.memory, "1e8");
    });

    const invalid: Array<[string, Record<string, string>, string, RegExp]> = [
        [
            "an empty stream key",
            { stream: "" },
            "dsm-redis:stream",
            /a stream key must be 1 to 200 printable ASCII characters/,
        ],
        [
            "groups that are not JSON",
            { groups: "sprint-service,backlog-service" },
            "dsm-redis:groups",
            /is not JSON; expected a JSON list of group names/,
        ],
        ["groups that are not a list", { groups: '{"name":"a"}' }, "dsm-redis:groups", /must list at least one group/],
        ["a duplicate group", { groups: '["a","a"]' }, "dsm-redis:groups", /\[1\]\.name: "a" is listed twice/],
        [
            "a group with a bad startId",
            { groups: '[{"name":"a","startId":"newest"}]' },
            "dsm-redis:groups",
            /\[0\]\.startId: must be "0"/,
        ],
        [
            "a non-numeric timeout",
            { readinessTimeoutSeconds: "five" },
            "dsm-redis:readinessTimeoutSeconds",
            /must be a number of seconds/,
        ],
        [
            "a timeout above an hour",
            { readinessTimeoutSeconds: "7200" },
            "dsm-redis:readinessTimeoutSeconds",
            /at most 3600/,
        ],
        [
            "a non-boolean deleteStreamOnDelete",
            { deleteStreamOnDelete: "sometimes" },
            "dsm-redis:deleteStreamOnDelete",
            /not a boolean/,
        ],
        [
            "an unknown provisionerConnection",
            { provisionerConnection: "vpn" },
            "dsm-redis:provisionerConnection",
            /expected "port-forward" or "direct"/,
        ],
        [
            "a stream outside dsm:*",
            { stream: "events" },
            "dsm-redis:stream",
            /outside dsm:\*, the only keys the ACL users may touch/,
        ],
        ["a non-boolean persistence", { persistence: "on" }, "dsm-redis:persistence", /not a boolean/],
        ["a storage size in bytes-with-B", { storageSize: "10GB" }, "dsm-redis:storageSize", /unknown suffix "GB"/],
        ["a bad storage class", { storageClass: "Fast_SSD" }, "dsm-redis:storageClass", /not a StorageClass name/],
        [
            "a bad backup claim",
            { backupClaim: "Backups" },
            "dsm-redis:backupClaim",
            /^"Backups" is not a PersistentVolumeClaim name \(a DNS-1123 subdomain\); expected e\.g\. "dsm-backups", or unset for a claim of the bus's own$/,
        ],
        [
            "an unknown fsync policy",
            { appendfsync: "no" },
            "dsm-redis:appendfsync",
            /expected "everysec" .* or "always"/,
        ],
        [
            "a memory limit too small for maxmemory",
            { memoryLimit: "40Mi", memoryRequest: "40Mi" },
            "dsm-redis:memoryLimit",
            /leaves Redis 12 MiB for data .*expected at least 48Mi/,
        ],
        ["users that are not JSON", { users: "sprint-service" }, "dsm-redis:users", /is not JSON/],
        [
            "a user with no roles",
            { users: '[{"name":"a","roles":[]}]' },
            "dsm-redis:users",
            /\[0\]\.roles: \[\] is not a non-empty list/,
        ],
        [
            "a user with an unknown role",
            { users: '[{"name":"a","roles":["admin"]}]' },
            "dsm-redis:users",
            /\[0\]\.roles: \["admin"\] is not/,
        ],
        [
            "a reserved user name",
            { users: '[{"name":"default","roles":["publish"]}]' },
            "dsm-redis:users",
            /"default" is reserved/,
        ],
        [
            "a user name that cannot name a Secret",
            { users: '[{"name":"Sprint_Service","roles":["publish"]}]' },
            "dsm-redis:users",
            /not a DNS-1123 label/,
        ],
        [
            "a password for no user",
            { passwords: '{"nobody":"0123456789abcdef0123"}' },
            "dsm-redis:passwords",
            /nobody: "nobody" is not a user; expected one of dsm-admin, sprint-service/,
        ],
        [
            "a short password",
            { passwords: '{"sprint-service":"short"}' },
            "dsm-redis:passwords",
            /at least 16 characters/,
        ],
        [
            "a users list that is not JSON, shown as it was given (it holds no secret)",
            { users: '[{"name":"audit-service"' },
            "dsm-redis:users",
            /^"\[\{\\"name\\":\\"audit-service\\"" is not JSON; expected /,
        ],
        [
            "a password object that is not JSON",
            { passwords: "hunter2-hunter2-hunter2" },
            "dsm-redis:passwords",
            /^the value is not JSON/,
        ],
        ["a non-boolean networkPolicy", { networkPolicy: "1" }, "dsm-redis:networkPolicy", /not a boolean/],
        [
            "a bad client namespace",
            { clientNamespaces: '["dsm","Other_NS"]' },
            "dsm-redis:clientNamespaces",
            /"Other_NS" is not a DNS-1123 label/,
        ],
        [
            "a quantity with a byte suffix",
            { memoryLimit: "100MB" },
            "dsm-redis:memoryLimit",
            /"100MB": it is not a valid quantity: unknown suffix "MB".*Kubernetes quantity/,
        ],
        ["a quantity in the wrong case", { memoryRequest: "100mi" }, "dsm-redis:memoryRequest", /did you mean "Mi"/],
        ["memory in milli-bytes", { memoryRequest: "100m" }, "dsm-redis:memoryRequest", /thousandths of a byte.*"Mi"/],
        ["a zero limit", { cpuLimit: "0" }, "dsm-redis:cpuLimit", /it is not above zero; expected a positive quantity/],
        ["a quantity without digits", { cpuRequest: "m" }, "dsm-redis:cpuRequest", /it has no digits/],
        ["an image without a tag", { image: "redis" }, "dsm-redis:image", /"redis" is not pinned: it has no tag/],
        ["an image tagged latest", { image: "redis:latest" }, "dsm-redis:image", /its tag is "latest"/],
        ["an image with an empty tag", { image: "redis:" }, "dsm-redis:image", /the tag after ":" is empty/],
        ["an image with a short digest", { image: "redis@sha256:abc" }, "dsm-redis:image", /exactly 64 lower-case hex/],
        [
            "a namespace that is not a DNS-1123 label",
            { namespace: "DSM_events" },
            "dsm-redis:namespace",
            /"DSM_events" is not a DNS-1123 label/,
        ],
        ["a namespace that is too long", { namespace: "a".repeat(64) }, "dsm-redis:namespace", /at most 63/],
        [
            "a non-numeric port",
            { port: "redis" },
            "dsm-redis:port",
            /"redis" is not a TCP port; expected a whole number from 1 to 65535/,
        ],
        ["a port out of range", { port: "70000" }, "dsm-redis:port", /not a TCP port/],
        [
            "a cpu request above its limit",
            { cpuRequest: "300m" },
            "dsm-redis:cpuRequest",
            /request "300m" is above the limit "200m"; expected a request at most the limit/,
        ],
        [
            "a memory request above its limit, compared exactly",
            { memoryRequest: "209715201", memoryLimit: "200Mi" },
            "dsm-redis:memoryRequest",
            /above the limit/,
        ],
        [
            "a createNamespace that is not a boolean",
            { createNamespace: "yes" },
            "dsm-redis:createNamespace",
            /not a boolean; expected true or false/,
        ],
        [
            "a misspelt key",
            { memorylimit: "1Gi" },
            "dsm-redis:memorylimit",
            /not a setting of this program; expected one of .*memoryLimit/,
        ],
    ];
    for (const [what, values, field, message] of invalid) {
        it(`rejects ${what}, naming ${field}`, () => {
            const problems = problemsOf(values);
            assert.strictEqual(problems.length, 1, JSON.stringify(problems));
            assert.strictEqual(problems[0].field, field);
            assert.match(problems[0].message, message);
        });
    }

    it("keeps text as text, and reads numbers only when the whole text is one", () => {
        const { args } = readConfig(
            source({ image: "redis:7", readinessTimeoutSeconds: "60", alertMemoryRatio: "0.75" }),
        );
        assert.deepStrictEqual(
            [args.image, args.readinessTimeoutSeconds, args.alertMemoryRatio],
            ["redis:7", 60, 0.75],
        );
        for (const text of ["60s", "x60", "6.0.1", "1e3", ".5"]) {
            assert.deepStrictEqual(problemsOf({ retentionBatch: text }), [
                {
                    field: "dsm-redis:retentionBatch",
                    message: `${JSON.stringify(text)} is not a whole number from 1 to 100000`,
                },
            ]);
        }
    });

    it("keeps a text key's text as text even when it reads as a boolean or a number", () => {
        const { args } = readConfig(source({ namespace: "true", storageClass: "false", monitoringNamespace: "42" }));
        assert.deepStrictEqual([args.namespace, args.storageClass, args.monitoringNamespace], ["true", "false", "42"]);
    });

    it("names the key a nested argument's problem belongs to, with the rest of its path", () => {
        assert.deepStrictEqual(problemsOf({ groups: '[{"name":"Bad Name"}]' }), [
            {
                field: "dsm-redis:groups",
                message:
                    '[0].name: a group name must be 1 to 200 printable ASCII characters without spaces; got "Bad Name"',
            },
        ]);
        assert.deepStrictEqual(problemsOf({ cpuRequest: "300m", cpuLimit: "200m" }), [
            {
                field: "dsm-redis:cpuRequest",
                message: 'the request "300m" is above the limit "200m"; expected a request at most the limit',
            },
        ]);
    });

    it("maps an argument path to its config key: the longest owner, and a path no key owns as it is", () => {
        assert.deepStrictEqual(configKeyOfArgument("resources.limits.memory"), { key: "memoryLimit", rest: "" });
        assert.deepStrictEqual(configKeyOfArgument("users[1].roles"), { key: "users", rest: "[1].roles" });
        assert.deepStrictEqual(configKeyOfArgument("groups.0"), { key: "groups", rest: "0" });
        assert.deepStrictEqual(configKeyOfArgument("resources"), { key: "resources", rest: "" });
        assert.deepStrictEqual(configKeyOfArgument("streamX"), { key: "streamX", rest: "" });
    });

    it("reads the stack's own keys from the engine's config, without other projects' keys", async () => {
        await pulumi.runtime.setMocks(MOCKS, "dsm-redis", "dev", false);
        pulumi.runtime.setAllConfig({ "dsm-redis:namespace": "bus", "other:namespace": "theirs", "dsm-redisx:a": "b" });
        try {
            const stack = stackConfigSource();
            assert.strictEqual(stack.project, "dsm-redis");
            assert.strictEqual(stack.get("namespace"), "bus");
            assert.strictEqual(stack.get("stream"), undefined);
            assert.deepStrictEqual(stack.keys(), ["namespace"]);
        } finally {
            pulumi.runtime.setAllConfig({});
        }
    });

    it("refuses a passwords value that is JSON but not an object, without showing it", () => {
        for (const text of ['["hunter2-hunter2-hunter2"]', "null", '"hunter2-hunter2-hunter2"', "42"]) {
            assert.deepStrictEqual(problemsOf({ passwords: text }), [
                {
                    field: "dsm-redis:passwords",
                    message:
                        "is not an object; expected a secret JSON object of user name to password, set with: pulumi config set --secret --path 'passwords.sprint-service' <password>",
                },
            ]);
        }
    });

    it("names a misspelt key and every key there is; a bad option as a boolean", () => {
        const [misspelt] = problemsOf({ namspace: "dsm" });
        assert.strictEqual(misspelt.field, "dsm-redis:namspace");
        assert.strictEqual(
            misspelt.message,
            `is not a setting of this program; expected one of ${CONFIG_KEYS.map((k) => k.key).join(", ")}`,
        );
        assert.deepStrictEqual(problemsOf({ protect: "yes" }), [
            { field: "dsm-redis:protect", message: '"yes" is not a boolean; expected true or false' },
        ]);
        assert.deepStrictEqual(readConfig(source({ protect: "true" })).options, { protect: true });
    });

    it("files a problem deep in an argument under its key, with the rest of the path", () => {
        assert.deepStrictEqual(
            problemsOf({ memoryLimit: "100MB" }).map((p) => p.field),
            ["dsm-redis:memoryLimit"],
        );
        const [user] = problemsOf({ users: '[{"name": "Bad_Name", "roles": ["consume"]}]' });
        assert.strictEqual(user.field, "dsm-redis:users");
        assert.match(user.message, /^\[0\]\.name: "Bad_Name" is not a DNS-1123 label/);
    });

    it("is an InvalidSettingsError by name, listing every problem", () => {
        try {
            readConfig(source({ namspace: "x", protect: "1" }));
            assert.fail("accepted");
        } catch (error) {
            assert.ok(error instanceof InvalidSettingsError);
            assert.strictEqual(error.name, "InvalidSettingsError");
            assert.ok(error.message.startsWith("Invalid DSM Redis settings:\n"), error.message);
            assert.strictEqual(error.problems.length, 2);
        }
    });

    it("never echoes a password, even a malformed one", () => {
        for (const passwords of [
            '{"sprint-service":"short"}',
            "hunter2-hunter2-hunter2",
            '{"sprint-service":"with spaces in it ok?"}',
        ]) {
            const text = problemsOf({ passwords })
                .map((p) => p.message)
                .join("\n");
            for (const secret of ["short", "hunter2", "with spaces"]) assert.ok(!text.includes(secret), text);
        }
    });

    it("accepts a request equal to its limit written differently (1Gi = 1024Mi)", () => {
        assert.doesNotThrow(() => readConfig(source({ memoryRequest: "1024Mi", memoryLimit: "1Gi" })));
    });

    it("reports every bad key at once, one line each, in the error message", () => {
        let message = "";
        try {
            readConfig(source({ image: "redis:latest", port: "x", namespace: "-bad" }));
        } catch (error) {
            message = (error as Error).message;
        }
        const lines = message.split("\n").filter((l) => l.startsWith("  - "));
        assert.deepStrictEqual(
            lines.map((l) => l.split(":").slice(0, 2).join(":").trim()),
            ["- dsm-redis:namespace", "- dsm-redis:image", "- dsm-redis:port"],
        );
    });
});
