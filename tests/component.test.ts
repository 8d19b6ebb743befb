import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DSM_REDIS_TYPE, DsmRedis, DsmRedisArgs, InvalidArgumentsError } from "../components";
import { MOCKS } from "./helpers/mocks";
import { registrationsSettled, resolve } from "./helpers/program";

interface Registration {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    readonly provider?: string;
}

describe("DsmRedis arguments", () => {
    const registered: Registration[] = [];
    before(async () => {
        pulumi.runtime.setAllConfig({});
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push({
                        type: args.type,
                        name: args.name,
                        inputs: args.inputs,
                        provider: args.provider,
                    });
                    return MOCKS.newResource(args);
                },
                call: MOCKS.call,
            },
            "dsm-redis",
            "dev",
            false,
        );
    });

    /** The names registered under a component's name: its children (components are not mocked resources). */
    async function registeredUnder(name: string): Promise<Registration[]> {
        await registrationsSettled();
        return registered.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
    }

    function thrown(make: () => unknown): InvalidArgumentsError {
        try {
            make();
        } catch (error) {
            assert.ok(error instanceof InvalidArgumentsError, String(error));
            return error;
        }
        assert.fail("expected an InvalidArgumentsError");
    }

    const plainCases: Array<[string, DsmRedisArgs, string, RegExp]> = [
        [
            "a request above its limit",
            { resources: { requests: { cpu: "1" }, limits: { cpu: "500m" } } },
            "resources.requests.cpu",
            /the request "1" is above the limit "500m"/,
        ],
        [
            "a memory limit that leaves Redis nothing (maxmemory would be negative)",
            { resources: { requests: { memory: "10Mi" }, limits: { memory: "10Mi" } } },
            "resources.limits.memory",
            /"10Mi" leaves Redis 0 MiB for data .*expected at least 48Mi/,
        ],
        [
            "an empty list of client namespaces (a NetworkPolicy `In` with no values)",
            { clientNamespaces: [] },
            "clientNamespaces",
            /\[\] is not a non-empty list of namespaces/,
        ],
        [
            "a user that is not a DNS-1123 label",
            { users: [{ name: "Sprint_Service", roles: ["publish"] }] },
            "users[0].name",
            /"Sprint_Service" is not a DNS-1123 label/,
        ],
        [
            "a reserved user",
            { users: [{ name: "dsm-admin", roles: ["consume"] }] },
            "users[0].name",
            /"dsm-admin" is reserved/,
        ],
        [
            "a user without roles",
            { users: [{ name: "audit-service", roles: [] }] },
            "users[0].roles",
            /\[\] is not a non-empty list/,
        ],
        [
            "a password for a user that does not exist",
            { passwords: { "audit-service": "a-long-enough-password-1" } },
            "passwords.audit-service",
            /"audit-service" is not a user/,
        ],
        [
            "a short password, without showing it",
            { passwords: { "sprint-service": "short pw" } },
            "passwords.sprint-service",
            /the password of sprint-service is not a string of at least 16 characters/,
        ],
        ["a stream outside dsm:*", { stream: "events" }, "stream", /"events" is outside dsm:\*/],
        ["a storage size that is no quantity", { storageSize: "5GB" }, "storageSize", /"5GB": it is not a valid/],
        [
            "a StorageClass that is no DNS name",
            { storageClass: "Fast SSD" },
            "storageClass",
            /"Fast SSD" is not a StorageClass name/,
        ],
        [
            "a client namespace that is not a DNS-1123 label",
            { clientNamespaces: ["dsm", "DSM_Workers"] },
            "clientNamespaces[1]",
            /"DSM_Workers" is not a DNS-1123 label/,
        ],
        ["a group listed twice", { groups: [{ name: "a" }, { name: "a" }] }, "groups[1].name", /listed twice/],
        ["a port out of range", { port: 70000 }, "port", /70000 is not a TCP port/],
    ];
    for (const [what, args, field, message] of plainCases) {
        it(`refuses ${what}, naming ${field}, before registering anything`, async () => {
            const name = `bad-${plainCases.findIndex(([w]) => w === what)}`;
            const error = thrown(() => new DsmRedis(name, args));
            assert.ok(pulumi.InputPropertiesError.isInstance(error), "reported the way the SDK reports field errors");
            assert.deepStrictEqual(
                error.errors.map((e) => e.propertyPath),
                [field],
            );
            assert.match(error.errors[0].reason, message);
            assert.match(error.message, new RegExp(`${field.replace(/[.[\]]/g, "\\$&")}: `));
            assert.ok(!error.message.includes("short pw"), "the password is not shown");
            assert.deepStrictEqual(await registeredUnder(name), [], "nothing of a half-built bus");
        });
    }

    it("reports every bad argument at once", () => {
        const error = thrown(() => new DsmRedis("many", { namespace: "-bad", image: "redis:latest", port: 0 }));
        assert.deepStrictEqual(
            error.errors.map((e) => e.propertyPath),
            ["namespace", "image", "port"],
        );
    });

    it("validates an argument given as an Output once it resolves", async () => {
        const bus = new DsmRedis("late", { image: pulumi.output("redis:latest") });
        await assert.rejects(
            resolve(bus.deployment.spec.template.spec.containers.apply((c) => c[0].image)),
            /image: "redis:latest" is not pinned/,
        );
    });

    it("validates a password given as an Output once it resolves, without showing it", async () => {
        const bus = new DsmRedis("late-password", { passwords: { "sprint-service": pulumi.output("too short") } });
        await assert.rejects(resolve(bus.credentials["sprint-service"].stringData), (error: Error) => {
            assert.match(error.message, /passwords\.sprint-service: the password of sprint-service is not/);
            assert.ok(!error.message.includes("too short"));
            return true;
        });
    });

    it("accepts valid Outputs", async () => {
        const bus = new DsmRedis("ok", { namespace: pulumi.output("dsm"), port: pulumi.output(6379) });
        assert.strictEqual(await resolve(bus.host), "redis.dsm.svc.cluster.local");
    });

    it("takes a partial resource override, keeping the other defaults", async () => {
        const bus = new DsmRedis("partial", { resources: { limits: { memory: "512Mi" } } });
        const resources = await resolve(bus.deployment.spec.template.spec.containers.apply((c) => c[0].resources));
        assert.deepStrictEqual(resources, {
            requests: { cpu: "100m", memory: "100Mi" },
            limits: { cpu: "200m", memory: "512Mi" },
        });
    });

    it("exposes its children, and credentialSecrets waits for the Secrets", async () => {
        const bus = new DsmRedis("children", {});
        assert.ok(bus.namespaceResource instanceof k8s.core.v1.Namespace);
        assert.ok(bus.configMap instanceof k8s.core.v1.ConfigMap);
        assert.ok(bus.aclSecret instanceof k8s.core.v1.Secret);
        assert.ok(bus.dataClaim instanceof k8s.core.v1.PersistentVolumeClaim);
        assert.ok(bus.networkPolicy instanceof k8s.networking.v1.NetworkPolicy);
        assert.deepStrictEqual(Object.keys(bus.credentials).sort(), [
            "backlog-service",
            "dsm-admin",
            "dsm-metrics",
            "dsm-retention",
            "project-orchestrator",
            "project-service",
            "sprint-service",
        ]);
        const secrets = bus.credentialSecrets as unknown as { resources(): Promise<Set<pulumi.Resource>> };
        const dependencies = await secrets.resources();
        for (const user of ["sprint-service", "backlog-service"]) {
            assert.ok(dependencies.has(bus.credentials[user]), `credentialSecrets depends on the Secret of ${user}`);
        }
        assert.deepStrictEqual(await resolve(bus.credentialSecrets), {
            "sprint-service": "redis-sprint-service",
            "project-orchestrator": "redis-project-orchestrator",
            "project-service": "redis-project-service",
            "backlog-service": "redis-backlog-service",
        });
    });

    it("builds its own Kubernetes provider from args.kubernetes, and the port-forward uses the same kubeconfig", async () => {
        const kubeconfig = "apiVersion: v1\nkind: Config\n";
        const bus = new DsmRedis("cluster", { kubernetes: { kubeconfig, context: "ci" } });
        const children = await registeredUnder("cluster");
        const provider = children.find((r) => r.type === "pulumi:providers:kubernetes");
        assert.ok(provider !== undefined && bus.kubernetesProvider !== undefined);
        assert.strictEqual(provider.inputs.context, "ci");
        const objects = children.filter((r) => r.type.startsWith("kubernetes:"));
        assert.ok(objects.length > 5);
        for (const object of objects)
            assert.match(object.provider ?? "", /pulumi:providers:kubernetes::cluster-kubernetes::/);
        const connection = await resolve(bus.streamGroups.connection);
        assert.strictEqual((connection as { kubeconfig?: string }).kubeconfig, kubeconfig);
        assert.strictEqual((connection as { context?: string }).context, "ci");
    });

    it("refuses a Kubernetes provider in the options, which it would not use, saying how to give the cluster", async () => {
        const provider = new k8s.Provider("elsewhere", { context: "other" });
        const error = thrown(() => new DsmRedis("foreign", {}, { providers: [provider] }));
        assert.deepStrictEqual(
            error.errors.map((e) => e.propertyPath),
            ["kubernetes"],
        );
        assert.match(error.message, /pass its kubeconfig \(and context\) as args\.kubernetes/);
        assert.deepStrictEqual(await registeredUnder("foreign"), []);
        assert.throws(() => new DsmRedis("foreign-direct", { provisionerConnection: "direct" }, { provider }));
    });

    it("builds its own provider from the stack's kubernetes config when no cluster is given, with Secrets mutable", async () => {
        pulumi.runtime.setConfig("kubernetes:context", "from-stack");
        try {
            const bus = new DsmRedis("own-provider", {});
            const provider = (await registeredUnder("own-provider")).find(
                (r) => r.type === "pulumi:providers:kubernetes",
            );
            assert.ok(provider !== undefined && bus.kubernetesProvider !== undefined);
            assert.strictEqual(provider.inputs.context, "from-stack");
            // In place: by default the Kubernetes provider replaces a Secret whose data changes.
            assert.strictEqual(provider.inputs.enableSecretMutable, "true");
            assert.strictEqual(provider.inputs.enableConfigMapMutable, "true");
            const connection = (await resolve(bus.streamGroups.connection)) as { context?: string };
            assert.strictEqual(connection.context, "from-stack");
        } finally {
            pulumi.runtime.setAllConfig({});
        }
    });

    it("keeps its type tokens, which are part of every URN", () => {
        // Renaming either would replace the whole bus; a rename must come with an alias (README, "Versioning").
        assert.strictEqual(DSM_REDIS_TYPE, "dsm:infra:Redis");
        const bus = new DsmRedis("tokens", {});
        return resolve(pulumi.all([bus.urn, bus.streamGroups.urn])).then(([component, groups]) => {
            assert.match(component, /::dsm:infra:Redis::tokens$/);
            assert.match(groups, /\$pulumi-nodejs:dynamic\/dsm:RedisStreamGroups::tokens-stream-groups$/);
        });
    });
});
