/** redis-cluster-internal's pure check over a stack's resources: which Services select Redis, and what exposes them. */
import * as assert from "assert";
import {
    REDIS_CLUSTER_INTERNAL_DEFAULTS,
    StackResource,
    checkRedisClusterInternal,
} from "../../policy/redis-cluster-internal";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const UNKNOWN = (require("@pulumi/policy/proxy") as { unknownStringValue: string }).unknownStringValue;

let counter = 0;
function resource(type: string, props: Record<string, unknown>): StackResource {
    counter += 1;
    return { type, name: `r${counter}`, urn: `urn:${counter}`, props };
}
const svc = (spec: Record<string, unknown>, namespace?: string) =>
    resource("kubernetes:core/v1:Service", { metadata: { name: "bus", namespace }, spec });
function workload(image: unknown, labels: Record<string, unknown>, namespace?: string, list = "containers") {
    return resource("kubernetes:apps/v1:Deployment", {
        metadata: { name: "w", namespace },
        spec: { template: { metadata: { labels }, spec: { [list]: [{ name: "c", image }] } } },
    });
}
const check = (resources: StackResource[], config = REDIS_CLUSTER_INTERNAL_DEFAULTS) =>
    checkRedisClusterInternal(resources, config).map((r) => r.message);

describe("redis-cluster-internal, over the stack's resources", () => {
    it("says exactly what external IPs do, and takes an empty list as none", () => {
        assert.deepStrictEqual(check([svc({ selector: { app: "redis" }, externalIPs: ["192.0.2.1"] }, "dsm")]), [
            'Service dsm/bus: spec.externalIPs is ["192.0.2.1"]: external IPs route outside traffic to the Redis pods; expected no externalIPs',
        ]);
        assert.deepStrictEqual(check([svc({ selector: { app: "redis" }, externalIPs: [] })]), []);
    });

    it("skips Services with no selector, an empty one, or one whose values are not known text", () => {
        for (const spec of [{}, { selector: {} }, { selector: { app: 5 } }, { selector: { app: UNKNOWN } }]) {
            assert.deepStrictEqual(check([svc({ ...spec, type: "NodePort" })]), [], JSON.stringify(spec));
        }
        assert.deepStrictEqual(check([svc({ selector: { app: "redis", n: 5 }, type: "NodePort" })]).length, 1);
        assert.deepStrictEqual(check([svc({ selector: { app: "redis" }, type: UNKNOWN })]), []);
    });

    it("needs every label of a configured selector, and an empty one selects nothing", () => {
        const config = { redisSelectors: [{ app: "redis", tier: "bus" }] };
        assert.deepStrictEqual(check([svc({ selector: { app: "redis" }, type: "NodePort" })], config), []);
        assert.strictEqual(
            check([svc({ selector: { app: "redis", tier: "bus" }, type: "NodePort" })], config).length,
            1,
        );
        assert.deepStrictEqual(
            check([svc({ selector: { app: "web" }, type: "NodePort" })], { redisSelectors: [{}] }),
            [],
        );
    });

    it("knows Redis by the last path component of a running container's image", () => {
        const exposed = (ns?: string) => svc({ selector: { app: "cache" }, type: "LoadBalancer" }, ns);
        const runs = (image: unknown, list?: string) =>
            check([workload(image, { app: "cache" }, undefined, list), exposed()]).length === 1;
        assert.ok(runs("redis:7.2"));
        assert.ok(runs("registry.example.com/team/redis-stack:7"));
        assert.ok(!runs("rediscover:1"), "redis must be a word of its own");
        assert.ok(!runs("redis/cache:1"), "the last component counts, not the first");
        assert.ok(!runs("Redis:7"), "a malformed image is no Redis");
        assert.ok(!runs(7));
        assert.ok(!runs("redis:7", "initContainers"), "an init container does not serve");
        assert.strictEqual(
            check([workload("redis:7", { app: "cache", other: 5 }, "dsm"), exposed("dsm")]).length,
            1,
            "in the Service's namespace",
        );
        assert.strictEqual(check([workload("redis:7", { app: "cache" }, "dsm"), exposed("other")]).length, 0);
        assert.ok(!runs("myredis:1"), "redis must begin the name");
        assert.ok(runs("redis"), "a bare name");
    });

    it("matches a Service's known text labels to a Redis pod's, in the same namespace or both unset", () => {
        const redis = workload("redis:7", { app: "cache" });
        const lb = (selector: Record<string, unknown>) => svc({ selector, type: "LoadBalancer" });
        assert.strictEqual(check([redis, lb({ app: "cache", n: 5 })]).length, 1, "a number is no label value");
        assert.strictEqual(check([redis, lb({ app: "cache", x: UNKNOWN })]).length, 1, "an unknown is skipped");
        const oddNamespace = resource("kubernetes:apps/v1:Deployment", {
            metadata: { name: "w", namespace: 5 },
            spec: {
                template: { metadata: { labels: { app: "cache" } }, spec: { containers: [{ image: "redis:7" }] } },
            },
        });
        assert.strictEqual(
            check([oddNamespace, lb({ app: "cache" })]).length,
            1,
            "a namespace that is no text is unset",
        );
        const bare = resource("kubernetes:core/v1:Pod", { spec: { containers: [{ image: "redis:7" }] } });
        assert.deepStrictEqual(check([bare, lb({ app: "cache" })]), [], "a pod without labels is selected by nothing");
        const noMetadata = resource("kubernetes:apps/v1:Deployment", {
            spec: {
                template: { metadata: { labels: { app: "cache" } }, spec: { containers: [{ image: "redis:7" }] } },
            },
        });
        assert.strictEqual(check([noMetadata, lb({ app: "cache" })]).length, 1);
        assert.strictEqual(
            check([
                noMetadata,
                resource("kubernetes:core/v1:Service", { spec: { selector: { app: "cache" }, type: "NodePort" } }),
            ]).length,
            1,
        );
    });

    it("judges Services only", () => {
        const controller = resource("kubernetes:core/v1:ReplicationController", {
            metadata: { name: "rc", namespace: "dsm" },
            spec: { selector: { app: "redis" }, type: "NodePort", externalIPs: ["192.0.2.1"] },
        });
        assert.deepStrictEqual(check([controller]), []);
    });
});
