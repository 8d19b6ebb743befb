import * as assert from "assert";
import { noDefaultNamespace } from "../../policy/no-default-namespace";
import { probesPresent } from "../../policy/probes-present";
import { redisClusterInternal } from "../../policy/redis-cluster-internal";
import { runPolicies } from "../../policy/run-policies";
import { rawProps } from "../../policy/unknown";
import { deployment, goodContainer, goodPod, messagesFor } from "../helpers/policy";

/** The key under which the policy SDK's proxy hands out the raw props (internal to the SDK, so read from it here). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PROXY_TARGET = (require("@pulumi/policy/proxy") as { getSpecialProxyTarget: string }).getSpecialProxyTarget;

function service(spec: Record<string, unknown>, namespace = "dsm") {
    return { metadata: { name: "redis", namespace }, spec: { ports: [{ port: 6379 }], ...spec } };
}

describe("probes-present", () => {
    it("is advisory, and wants readiness and liveness on long-running containers", async () => {
        assert.strictEqual(probesPresent.enforcementLevel, "advisory");
        const props = deployment(goodPod({ containers: [goodContainer({ livenessProbe: undefined })] }));
        assert.deepStrictEqual(await messagesFor(probesPresent, "kubernetes:apps/v1:StatefulSet", props), [
            'StatefulSet dsm/app, container "app": spec.template.spec.containers[0].livenessProbe is (unset): a long-running container has no livenessProbe; expected an exec, httpGet, tcpSocket or grpc probe',
        ]);
    });
    it("leaves Jobs, CronJobs and init containers alone, and takes requiredProbes from config", async () => {
        const bare = goodPod({
            containers: [{ name: "x", image: "x:1" }],
            initContainers: [{ name: "i", image: "i:1" }],
        });
        assert.deepStrictEqual(await messagesFor(probesPresent, "kubernetes:batch/v1:Job", deployment(bare)), []);
        const messages = await messagesFor(probesPresent, "kubernetes:apps/v1:Deployment", deployment(bare), {
            requiredProbes: ["startupProbe"],
        });
        assert.deepStrictEqual(
            messages.map((m) => m.split(" is ")[0]),
            ['Deployment dsm/app, container "x": spec.template.spec.containers[0].startupProbe'],
        );
    });
});

describe("redis-cluster-internal", () => {
    const run = async (resources: Array<{ type: string; props: Record<string, unknown> }>, config = {}) =>
        (
            await runPolicies(
                [redisClusterInternal],
                resources.map((r, i) => ({ ...r, name: `r${i}`, urn: `urn:${i}` })),
                { "redis-cluster-internal": config },
            )
        ).map((v) => `${v.urn} ${v.message}`);

    it("admits a ClusterIP Service and an unset type", async () => {
        assert.deepStrictEqual(
            await run([
                {
                    type: "kubernetes:core/v1:Service",
                    props: service({ type: "ClusterIP", selector: { app: "redis" } }),
                },
            ]),
            [],
        );
        assert.deepStrictEqual(
            await run([{ type: "kubernetes:core/v1:Service", props: service({ selector: { app: "redis" } }) }]),
            [],
        );
    });

    for (const type of ["NodePort", "LoadBalancer"]) {
        it(`rejects a ${type} Service selecting app=redis, attributed to the Service`, async () => {
            const [message] = await run([
                {
                    type: "kubernetes:core/v1:Service",
                    props: service({ type, selector: { app: "redis", tier: "bus" } }),
                },
            ]);
            assert.strictEqual(
                message,
                `urn:0 Service dsm/redis: spec.type is "${type}": a Service selecting Redis pods is reachable from outside the cluster; expected "ClusterIP" (or unset); reach Redis from outside with kubectl port-forward`,
            );
        });
    }

    it("rejects externalIPs on a ClusterIP Service", async () => {
        const [message] = await run([
            {
                type: "kubernetes:core/v1:Service",
                props: service({ selector: { app: "redis" }, externalIPs: ["192.0.2.1"] }),
            },
        ]);
        assert.match(message, /spec\.externalIPs is \["192\.0\.2\.1"\]: external IPs/);
    });

    it("finds Redis by the image of a workload in the same namespace when labels say nothing", async () => {
        const cache = deployment(goodPod({ containers: [goodContainer({ image: "bitnami/redis:7.2" })] }), "cache");
        const exposed = {
            type: "kubernetes:core/v1:Service",
            props: service({ type: "LoadBalancer", selector: { app: "cache" } }),
        };
        assert.strictEqual((await run([{ type: "kubernetes:apps/v1:Deployment", props: cache }, exposed])).length, 1);
        const web = deployment(goodPod({ containers: [goodContainer({ image: "nginx:1.27" })] }), "cache");
        assert.deepStrictEqual(await run([{ type: "kubernetes:apps/v1:Deployment", props: web }, exposed]), []);
        const elsewhere = { ...exposed, props: service({ type: "LoadBalancer", selector: { app: "cache" } }, "other") };
        assert.deepStrictEqual(await run([{ type: "kubernetes:apps/v1:Deployment", props: cache }, elsewhere]), []);
    });

    it("takes redisSelectors from config", async () => {
        const svc = {
            type: "kubernetes:core/v1:Service",
            props: service({ type: "NodePort", selector: { role: "bus" } }),
        };
        assert.deepStrictEqual(await run([svc]), []);
        assert.strictEqual((await run([svc], { redisSelectors: [{ role: "bus" }] })).length, 1);
    });
});

describe("no-default-namespace", () => {
    const check = (type: string, props: Record<string, unknown>, providerProps?: Record<string, unknown>) =>
        messagesFor(noDefaultNamespace, type, props, {}, providerProps === undefined ? {} : { providerProps });

    it("rejects the default namespace and an unset one", async () => {
        assert.deepStrictEqual(
            await check("kubernetes:core/v1:ConfigMap", { metadata: { name: "c", namespace: "default" } }),
            [
                'ConfigMap default/c: metadata.namespace is "default": the object is in the default namespace; expected a namespace other than "default", e.g. "dsm"',
            ],
        );
        assert.match(
            (await check("kubernetes:apps/v1:Deployment", { metadata: { name: "d" } }))[0],
            /no namespace is set here or on the provider/,
        );
    });
    it("takes an empty namespace as none, and a resource without metadata as unset, not as a crash", async () => {
        const unset =
            'metadata.namespace is "": no namespace is set here or on the provider, so the kubeconfig\'s (usually default) applies';
        const [empty] = await check("kubernetes:core/v1:ConfigMap", { metadata: { name: "c", namespace: "" } });
        assert.ok(empty.includes(unset), empty);
        const [bare] = await check("kubernetes:core/v1:ConfigMap", {});
        assert.match(
            bare,
            /^ConfigMap .*: metadata\.namespace is \(unset\): no namespace is set here or on the provider/,
        );
    });
    it("leaves lists of objects alone: a List is not itself in a namespace", async () => {
        assert.deepStrictEqual(await check("kubernetes:core/v1:ConfigMapList", { metadata: {} }), []);
        assert.strictEqual((await check("kubernetes:core/v1:ConfigMap", { metadata: {} })).length, 1);
    });
    it("accepts a namespace set on the object or on its provider", async () => {
        assert.deepStrictEqual(
            await check("kubernetes:core/v1:Service", { metadata: { name: "s", namespace: "dsm" } }),
            [],
        );
        assert.deepStrictEqual(
            await check("kubernetes:core/v1:Service", { metadata: { name: "s" } }, { namespace: "dsm" }),
            [],
        );
        assert.strictEqual(
            (await check("kubernetes:core/v1:Service", { metadata: { name: "s" } }, { namespace: "default" })).length,
            1,
        );
    });
    it("takes further disallowed namespaces from config", async () => {
        const props = { metadata: { name: "s", namespace: "kube-system" } };
        assert.deepStrictEqual(await messagesFor(noDefaultNamespace, "kubernetes:core/v1:Service", props), []);
        const [message] = await messagesFor(noDefaultNamespace, "kubernetes:core/v1:Service", props, {
            disallowedNamespaces: ["kube-system"],
        });
        assert.match(
            message,
            /is "kube-system": the object is in the kube-system namespace, which disallowedNamespaces names; expected a namespace other than "default", "kube-system"/,
        );
    });

    it("ignores cluster-scoped kinds and non-Kubernetes types", async () => {
        for (const type of [
            "kubernetes:core/v1:Namespace",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
            "kubernetes:storage.k8s.io/v1:StorageClass",
            "kubernetes:yaml/v2:ConfigGroup",
            "dsm:infra:Redis",
        ]) {
            assert.deepStrictEqual(await check(type, { metadata: { name: "x" } }), [], type);
        }
    });

    it("leaves custom kinds alone unless namespacedKinds names them: a ClusterIssuer has no namespace", async () => {
        const issuer = { metadata: { name: "letsencrypt" } };
        assert.deepStrictEqual(await check("kubernetes:cert-manager.io/v1:ClusterIssuer", issuer), []);
        const monitor = { metadata: { name: "redis" } };
        assert.deepStrictEqual(await check("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", monitor), []);
        const [message] = await messagesFor(
            noDefaultNamespace,
            "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
            monitor,
            {
                namespacedKinds: ["monitoring.coreos.com/ServiceMonitor"],
            },
        );
        assert.match(message, /^ServiceMonitor redis: metadata\.namespace is \(unset\): no namespace is set/);
    });
});

describe("rawProps", () => {
    it("reads through the SDK's proxy to the raw props, and takes props without one as they are", () => {
        const plain = { metadata: { name: "redis" } };
        assert.strictEqual(rawProps(plain), plain);
        const target = { metadata: { name: "raw" } };
        const proxied = new Proxy(plain, {
            get: (object, key) => (key === PROXY_TARGET ? target : Reflect.get(object, key)),
        });
        assert.strictEqual(rawProps(proxied), target);
        for (const odd of [null, "text", 7]) {
            const withOdd = { [PROXY_TARGET]: odd } as Record<string, unknown>;
            assert.strictEqual(rawProps(withOdd), withOdd, String(odd));
        }
    });
});
