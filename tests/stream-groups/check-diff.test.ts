import * as assert from "assert";
import { canonical, diffInputs, groupChanges } from "../../components/stream-groups/diff";
import {
    StreamGroupsInputs,
    checkInputs,
    describeEndpoint,
    isPortForward,
    withDefaults,
} from "../../components/stream-groups/inputs";
import { UNKNOWN } from "../../k8s-grammar/unknown-values";
import { streamGroupsProvider } from "../../components/stream-groups/provider";

const GOOD = {
    stream: "dsm:events",
    groups: [{ name: "sprint-service" }, { name: "project-service", startId: "$" }],
    connection: { host: "redis.dsm.svc.cluster.local", port: 6379 },
};

const failuresOf = (news: Record<string, unknown>) => checkInputs(news).map((f) => `${f.field}: ${f.message}`);

describe("stream-groups check", () => {
    it("accepts good inputs and fills in defaults, startId 0 included", async () => {
        const result = await streamGroupsProvider.check!({}, GOOD);
        assert.strictEqual(result.failures, undefined);
        assert.deepStrictEqual(result.inputs.groups, [
            { name: "sprint-service", startId: "0" },
            { name: "project-service", startId: "$" },
        ]);
        assert.strictEqual(result.inputs.readinessTimeoutSeconds, 300);
        assert.strictEqual(result.inputs.deleteStreamOnDelete, false);
    });

    const bad: Array<[string, Record<string, unknown>, RegExp]> = [
        ["an empty stream", { stream: "" }, /^stream: a stream key must be 1 to 200 printable ASCII/],
        ["a stream with spaces", { stream: "dsm events" }, /^stream: /],
        ["no groups", { groups: [] }, /^groups: must list at least one group/],
        ["a duplicate group", { groups: [{ name: "a" }, { name: "a" }] }, /^groups\[1\]\.name: "a" is listed twice/],
        ["a nameless group", { groups: [{ startId: "0" }] }, /^groups\[0\]\.name: a group name must be/],
        [
            "a bad startId",
            { groups: [{ name: "a", startId: "latest" }] },
            /^groups\[0\]\.startId: must be "0" \(the whole history\), "\$" \(only new entries\) or an entry ID/,
        ],
        ["a startId with a leading zero", { groups: [{ name: "a", startId: "01-0" }] }, /startId/],
        [
            "a connection with both host and namespace",
            { connection: { host: "h", namespace: "dsm", port: 1 } },
            /^connection: gives both host/,
        ],
        ["a connection with neither", { connection: { port: 1 } }, /^connection: gives neither host/],
        [
            "a port out of range",
            { connection: { host: "h", port: 0 } },
            /^connection\.port: must be a whole number from 1 to 65535; got 0/,
        ],
        [
            "a port forward without a target",
            { connection: { namespace: "dsm", port: 6379 } },
            /^connection\.service: give exactly one of service/,
        ],
        [
            "a bad pod selector",
            { connection: { namespace: "dsm", podSelector: {}, port: 6379 } },
            /^connection\.podSelector: must be a non-empty map/,
        ],
        [
            "a connection that is not an object",
            { connection: "redis://h:1" },
            /^connection: must be \{ host, port, … \}/,
        ],
        ["a connection that is a list", { connection: [] }, /^connection: must be \{ host, port/],
        [
            "a direct connection with TLS neither on, off nor configured",
            { connection: { host: "h", port: 1, tls: "yes" } },
            /^connection\.tls: must be true, false or \{ ca\?, servername\? \}; got "yes"$/,
        ],
        [
            "a pod selector with a value that is not text",
            { connection: { namespace: "dsm", podSelector: { app: 1 }, port: 6379 } },
            /^connection\.podSelector: must be a non-empty map/,
        ],
        [
            "a pod selector that is a list",
            { connection: { namespace: "dsm", podSelector: ["app=redis"], port: 6379 } },
            /^connection\.podSelector: /,
        ],
        [
            "a bad namespace",
            { connection: { namespace: "d sm", service: "redis", port: 6379 } },
            /^connection\.namespace: a namespace must be 1 to \d+ printable ASCII characters without spaces; got "d sm"$/,
        ],
        [
            "a bad service name",
            { connection: { namespace: "dsm", service: "", port: 6379 } },
            /^connection\.service: a Service name must be 1 to \d+ printable ASCII characters without spaces; got ""$/,
        ],
        [
            "an empty context",
            { connection: { namespace: "dsm", service: "redis", port: 6379, context: "" } },
            /^connection\.context: must be a non-empty string when given; got ""$/,
        ],
        [
            "a user name that is not text",
            { connection: { host: "h", port: 1, username: 7 } },
            /^connection\.username: must be a non-empty string when given; got 7$/,
        ],
        [
            "a group that is not an object",
            { groups: ["sprint-service"] },
            /^groups\[0\]: must be \{ name, startId\? \}/,
        ],
        ["a startId that is not text", { groups: [{ name: "a", startId: 0 }] }, /^groups\[0\]\.startId: /],
        ["a timeout above an hour", { readinessTimeoutSeconds: 3601 }, /^readinessTimeoutSeconds: /],
        ["a timeout that is text", { readinessTimeoutSeconds: "60" }, /^readinessTimeoutSeconds: /],
        [
            "a zero timeout",
            { readinessTimeoutSeconds: 0 },
            /^readinessTimeoutSeconds: must be a number of seconds above 0 and at most 3600; got 0/,
        ],
        [
            "a non-boolean deleteStreamOnDelete",
            { deleteStreamOnDelete: "yes" },
            /^deleteStreamOnDelete: must be true or false/,
        ],
    ];
    for (const [what, override, expected] of bad) {
        it(`rejects ${what}, naming the field`, async () => {
            const news = { ...GOOD, ...override };
            assert.deepStrictEqual(failuresOf(news).length, 1, failuresOf(news).join("\n"));
            assert.match(failuresOf(news)[0], expected);
            const result = await streamGroupsProvider.check!({}, news);
            assert.strictEqual(result.failures?.length, 1);
        });
    }

    it("never echoes a malformed password or kubeconfig", () => {
        const failures = failuresOf({ ...GOOD, connection: { host: "h", port: 1, password: "" } }).join();
        assert.match(failures, /connection\.password: must be a non-empty string when given; got an empty string/);
        const kube = failuresOf({
            ...GOOD,
            connection: { namespace: "dsm", service: "redis", port: 6379, kubeconfig: 42 },
        }).join();
        assert.ok(!kube.includes("42"), kube);
        assert.match(kube, /connection\.kubeconfig: must be a non-empty string when given; got a value of type number/);
        assert.match(
            failuresOf({
                ...GOOD,
                connection: { namespace: "dsm", service: "redis", port: 6379, kubeconfig: "" },
            }).join(),
            /connection\.kubeconfig: must be a non-empty string when given; got an empty string/,
        );
    });

    it("skips values unknown during preview", () => {
        assert.deepStrictEqual(
            failuresOf({ stream: UNKNOWN, groups: UNKNOWN, connection: UNKNOWN, readinessTimeoutSeconds: UNKNOWN }),
            [],
        );
    });
});

describe("stream-groups endpoints, as logs and errors name them", () => {
    it("names a direct endpoint by URL, TLS included, and a port-forward by its target and context", () => {
        assert.strictEqual(describeEndpoint({ host: "h", port: 1 }), "redis://h:1");
        assert.strictEqual(describeEndpoint({ host: "h", port: 1, tls: true }), "rediss://h:1");
        assert.strictEqual(
            describeEndpoint({ namespace: "dsm", service: "redis", port: 6379 }),
            "service dsm/redis port 6379 via Kubernetes port-forward",
        );
        assert.strictEqual(
            describeEndpoint({
                namespace: "dsm",
                podSelector: { app: "redis", tier: "bus" },
                port: 6379,
                context: "prod",
            }),
            "pods dsm/app=redis,tier=bus port 6379 via Kubernetes port-forward (context prod)",
        );
        assert.ok(isPortForward({ namespace: "dsm", service: "redis", port: 1 }));
        assert.ok(!isPortForward({ host: "h", port: 1 }));
    });
});

describe("stream-groups diff", () => {
    const base = withDefaults({ ...GOOD, __provider: "code v1" }) as StreamGroupsInputs & { __provider?: string };

    it("shows no diff for new provider code or SDK alone", () => {
        assert.deepStrictEqual(diffInputs(base, { ...base, __provider: "code v2" } as StreamGroupsInputs), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
    });
    it("ignores group order and a defaulted startId", () => {
        const reordered = { ...base, groups: [{ name: "project-service", startId: "$" }, { name: "sprint-service" }] };
        assert.strictEqual(diffInputs(base, reordered).changes, false);
    });
    it("sees a group renamed, or its startId changed, with as many groups as before", () => {
        const renamed = { ...base, groups: [{ name: "sprint-service" }, { name: "audit-service", startId: "$" }] };
        assert.strictEqual(diffInputs(base, renamed).changes, true);
        const restarted = { ...base, groups: [{ name: "sprint-service", startId: "$" }, base.groups[1]] };
        assert.strictEqual(diffInputs(base, restarted).changes, true);
    });
    it("ignores the order of keys, in the connection and in each group", () => {
        const connection = base.connection as unknown as Record<string, unknown>;
        const reversed = Object.fromEntries(Object.entries(connection).reverse());
        assert.notDeepStrictEqual(Object.keys(reversed), Object.keys(connection));
        const groups = base.groups.map((g) => ({ startId: g.startId, name: g.name }));
        const diff = diffInputs(base, { ...base, connection: reversed, groups } as unknown as StreamGroupsInputs);
        assert.strictEqual(diff.changes, false);
        assert.strictEqual(
            canonical({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } }),
            '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}',
        );
        assert.strictEqual(canonical({ a: 1, b: undefined }), canonical({ a: 1 }));
    });
    it("compares groups that are not a list (a value the check refuses) as they are, without failing", () => {
        const without = { ...base, groups: undefined } as unknown as StreamGroupsInputs;
        assert.strictEqual(diffInputs(without, without).changes, false);
        assert.strictEqual(diffInputs(base, without).changes, true);
    });
    it("names the groups to add and to remove by name, whatever their startId", () => {
        assert.deepStrictEqual(
            groupChanges(
                [
                    { name: "a", startId: "0" },
                    { name: "b", startId: "0" },
                ],
                [
                    { name: "b", startId: "$" },
                    { name: "c", startId: "0" },
                ],
            ),
            { add: [{ name: "c", startId: "0" }], remove: ["a"] },
        );
        assert.deepStrictEqual(groupChanges([{ name: "a", startId: "0" }], [{ name: "a", startId: "0" }]), {
            add: [],
            remove: [],
        });
    });
    it("replaces on a new stream", () => {
        assert.deepStrictEqual(diffInputs(base, { ...base, stream: "dsm:events:v2" }).replaces, ["stream"]);
    });
    it("updates in place on groups, connection, timeout or deleteStreamOnDelete", () => {
        for (const change of [
            { groups: [...base.groups, { name: "audit-service", startId: "0" }] },
            { connection: { ...base.connection, password: "rotated" } },
            { connection: { namespace: "dsm", service: "redis", port: 6379, context: "prod" } },
            { readinessTimeoutSeconds: 60 },
            { deleteStreamOnDelete: true },
        ]) {
            const diff = diffInputs(base, { ...base, ...change });
            assert.deepStrictEqual(
                diff,
                { changes: true, replaces: [], deleteBeforeReplace: false },
                JSON.stringify(change),
            );
        }
    });
});
