/** The walker every workload policy shares: which resources hold a pod spec, where, and their containers. */
import * as assert from "assert";
import { containersOf, displayName, objectAt, shown, workloadOf } from "../../policy/workloads";

// The policy SDK's own sentinel for a value unknown at preview (internal to it, so read from it here).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const UNKNOWN = (require("@pulumi/policy/proxy") as { unknownStringValue: string }).unknownStringValue;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const UNKNOWN_OBJECT = (require("@pulumi/policy/proxy") as { unknownObjectValue: string }).unknownObjectValue;

describe("the workload walker", () => {
    it("takes only plain, known objects as objects", () => {
        const object = { a: 1 };
        assert.strictEqual(objectAt(object), object);
        for (const other of [undefined, null, "text", 7, true, [], [object], UNKNOWN_OBJECT]) {
            assert.strictEqual(objectAt(other), undefined, String(other));
        }
    });

    it("names a resource namespace/name, or name, or its Pulumi name when the name is not known", () => {
        assert.strictEqual(displayName({ metadata: { name: "redis", namespace: "dsm" } }, "r"), "dsm/redis");
        assert.strictEqual(displayName({ metadata: { name: "redis" } }, "r"), "redis");
        assert.strictEqual(displayName({ metadata: { name: "redis", namespace: UNKNOWN } }, "r"), "redis");
        assert.strictEqual(displayName({ metadata: { name: UNKNOWN, namespace: "dsm" } }, "r"), "r");
        assert.strictEqual(displayName({ metadata: { name: 7 } }, "r"), "r");
        assert.strictEqual(displayName({}, "r"), "r");
    });

    it("finds the pod spec and the pod's metadata where each kind keeps them", () => {
        const template = { metadata: { labels: { app: "redis" } }, spec: { containers: [] } };
        const deployment = workloadOf("kubernetes:apps/v1:Deployment", { spec: { template } }, "d");
        assert.deepStrictEqual(
            [
                deployment?.kind,
                deployment?.podSpec,
                deployment?.podMetadata,
                deployment?.podSpecPath,
                deployment?.isPatch,
            ],
            ["Deployment", template.spec, template.metadata, "spec.template.spec", false],
        );
        const pod = workloadOf("kubernetes:core/v1:Pod", { metadata: { name: "p" }, spec: { containers: [] } }, "p");
        assert.deepStrictEqual(
            [pod?.podMetadata, pod?.podSpecPath, pod?.displayName],
            [{ name: "p" }, "spec", "Pod p"],
        );
        const patch = workloadOf("kubernetes:apps/v1:DeploymentPatch", {}, "d");
        assert.deepStrictEqual(
            [patch?.isPatch, patch?.podSpec, patch?.displayName],
            [true, undefined, "DeploymentPatch d"],
        );
        const cron = workloadOf("kubernetes:batch/v1:CronJob", { spec: { jobTemplate: {} } }, "c");
        assert.strictEqual(cron?.podSpec, undefined, "a missing level on the way is no pod spec, not a crash");
        assert.strictEqual(workloadOf("kubernetes:core/v1:Service", {}, "s"), undefined);
        assert.strictEqual(workloadOf("random:index/randomPassword:RandomPassword", {}, "s"), undefined);
    });

    it("lists containers in order, init first, skipping what is not a container, naming the nameless by index", () => {
        const workload = workloadOf(
            "kubernetes:core/v1:Pod",
            {
                spec: {
                    initContainers: [{ name: "init" }],
                    containers: [{ name: "redis" }, null, { image: "x:1" }, { name: UNKNOWN }, "bad"],
                    ephemeralContainers: UNKNOWN,
                },
            },
            "p",
        );
        assert.ok(workload);
        const refs = containersOf(workload);
        assert.deepStrictEqual(
            refs.map((r) => [r.list, r.index, r.name, r.path]),
            [
                ["initContainers", 0, "init", "spec.initContainers[0]"],
                ["containers", 0, "redis", "spec.containers[0]"],
                ["containers", 2, "#2", "spec.containers[2]"],
                ["containers", 3, "#3", "spec.containers[3]"],
            ],
        );
        assert.deepStrictEqual(
            containersOf(workload, ["containers"]).map((r) => r.name),
            ["redis", "#2", "#3"],
        );
        const empty = workloadOf("kubernetes:apps/v1:Deployment", {}, "d");
        assert.ok(empty);
        assert.deepStrictEqual(containersOf(empty), []);
    });

    it("shows a found value as JSON, and an absent one as (unset)", () => {
        assert.deepStrictEqual([shown(undefined), shown(null), shown("x"), shown(1)], ["(unset)", "null", '"x"', "1"]);
    });
});
