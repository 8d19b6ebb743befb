import * as assert from "assert";
import { mockPassword } from "./helpers/mocks";
import { ProgramRun, only, runProgram } from "./helpers/program";

describe("the program under mocks, with no config", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram();
    });

    it("registers exactly the expected objects, none of them auto-named", () => {
        const objects = run.resources
            .map((r) => `${r.type} ${(r.inputs as { metadata?: { name?: string } }).metadata?.name ?? r.name}`)
            .sort();
        assert.deepStrictEqual(objects, [
            "dsm:infra:Redis dsm-redis",
            "kubernetes:apps/v1:Deployment redis",
            "kubernetes:batch/v1:CronJob redis-retention",
            "kubernetes:core/v1:ConfigMap redis-config",
            "kubernetes:core/v1:ConfigMap redis-retention",
            "kubernetes:core/v1:Namespace dsm",
            "kubernetes:core/v1:PersistentVolumeClaim redis-data",
            "kubernetes:core/v1:Secret redis-acl",
            "kubernetes:core/v1:Secret redis-backlog-service",
            "kubernetes:core/v1:Secret redis-dsm-admin",
            "kubernetes:core/v1:Secret redis-dsm-metrics",
            "kubernetes:core/v1:Secret redis-dsm-retention",
            "kubernetes:core/v1:Secret redis-project-orchestrator",
            "kubernetes:core/v1:Secret redis-project-service",
            "kubernetes:core/v1:Secret redis-sprint-service",
            "kubernetes:core/v1:Service redis",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy redis",
            "pulumi-nodejs:dynamic/dsm:RedisAclUsers dsm-redis-acl-users",
            "pulumi-nodejs:dynamic/dsm:RedisStreamGroups dsm-redis-stream-groups",
            "pulumi-nodejs:dynamic/dsm:RedisTopologyGuard dsm-redis-topology",
            "pulumi:providers:kubernetes dsm-redis-kubernetes",
            "random:index/randomPassword:RandomPassword dsm-redis-backlog-service-password",
            "random:index/randomPassword:RandomPassword dsm-redis-dsm-admin-password",
            "random:index/randomPassword:RandomPassword dsm-redis-dsm-metrics-password",
            "random:index/randomPassword:RandomPassword dsm-redis-dsm-retention-password",
            "random:index/randomPassword:RandomPassword dsm-redis-project-orchestrator-password",
            "random:index/randomPassword:RandomPassword dsm-redis-project-service-password",
            "random:index/randomPassword:RandomPassword dsm-redis-sprint-service-password",
        ]);
    });

    it("parents every Kubernetes object to the component", () => {
        const component = only(run, "dsm:infra:Redis");
        assert.strictEqual(component.custom, false);
        for (const r of run.resources.filter((x) => x.custom)) {
            assert.ok(r.urn.includes(`::dsm:infra:Redis$${r.type}::`), `${r.urn} is not a child of the component`);
        }
    });

    it("names the namespace exactly dsm, with the recommended labels", () => {
        const metadata = only(run, "kubernetes:core/v1:Namespace").inputs.metadata;
        assert.deepStrictEqual(metadata, {
            name: "dsm",
            labels: {
                "app.kubernetes.io/part-of": "dsm",
                "app.kubernetes.io/managed-by": "pulumi",
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
            },
        });
    });

    it("creates Deployment dsm/redis as the design's manifest, with probes", () => {
        const inputs = only(run, "kubernetes:apps/v1:Deployment").inputs;
        assert.strictEqual(inputs.metadata.name, "redis");
        assert.strictEqual(inputs.metadata.namespace, "dsm");
        assert.strictEqual(inputs.spec.replicas, 1);
        assert.deepStrictEqual(inputs.spec.selector, { matchLabels: { app: "redis" } });
        assert.strictEqual(inputs.spec.template.metadata.labels.app, "redis");
        assert.strictEqual(inputs.metadata.annotations?.["pulumi.com/skipAwait"], undefined);
        const [container, ...others] = inputs.spec.template.spec.containers;
        // Redis, and the metrics exporter beside it.
        assert.deepStrictEqual(
            others.map((c) => [c.name, c.image]),
            [["metrics", "oliver006/redis_exporter:v1.74.0"]],
        );
        assert.strictEqual(container.name, "redis");
        assert.strictEqual(container.image, "redis:7.2-alpine");
        assert.deepStrictEqual(container.ports, [{ name: "redis", containerPort: 6379, protocol: "TCP" }]);
        assert.deepStrictEqual(container.resources, {
            requests: { memory: "100Mi", cpu: "100m" },
            limits: { memory: "200Mi", cpu: "200m" },
        });
        assert.deepStrictEqual(container.args, ["redis-server", "/etc/redis/conf/redis.conf"]);
        assert.deepStrictEqual(inputs.spec.strategy, { type: "Recreate" });
        const ping = ["redis-cli", "--no-auth-warning", "--user", "dsm-probe", "--pass", "dsm-probe", "-e", "ping"];
        assert.deepStrictEqual(container.readinessProbe.exec.command, ping);
        assert.deepStrictEqual(container.startupProbe.exec.command, ping);
        assert.ok(container.startupProbe.failureThreshold * container.startupProbe.periodSeconds >= 600);
        assert.match(container.livenessProbe.exec.command[2], /PONG\|LOADING\*\) exit 0/);
        // The probes connect as dsm-probe, which has no password: the pod holds no credential.
        assert.strictEqual(container.env, undefined);
        assert.match(inputs.spec.template.metadata.annotations["checksum/config"], /^[0-9a-f]{64}$/);
    });

    it("runs the pod as the image's redis user with a restricted security context", () => {
        const pod = only(run, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec;
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.deepStrictEqual(pod.securityContext, {
            runAsNonRoot: true,
            runAsUser: 999,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: "RuntimeDefault" },
        });
        const container = pod.containers[0];
        assert.deepStrictEqual(container.securityContext, {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
        });
        assert.deepStrictEqual(container.volumeMounts, [
            { name: "data", mountPath: "/data" },
            { name: "config", mountPath: "/etc/redis/conf", readOnly: true },
            { name: "acl", mountPath: "/etc/redis/acl", readOnly: true },
        ]);
        assert.deepStrictEqual(pod.volumes, [
            { name: "data", persistentVolumeClaim: { claimName: "redis-data" } },
            { name: "config", configMap: { name: "redis-config" } },
            { name: "acl", secret: { secretName: "redis-acl", defaultMode: 0o440 } },
        ]);
    });

    it("creates ClusterIP Service dsm/redis from 6379 to the container's 6379", () => {
        const inputs = only(run, "kubernetes:core/v1:Service").inputs;
        assert.strictEqual(inputs.metadata.name, "redis");
        assert.strictEqual(inputs.metadata.namespace, "dsm");
        assert.strictEqual(inputs.spec.type, "ClusterIP");
        assert.deepStrictEqual(inputs.spec.selector, { app: "redis" });
        assert.deepStrictEqual(inputs.spec.ports, [{ name: "redis", protocol: "TCP", port: 6379, targetPort: 6379 }]);
    });

    it("exports the namespace, the service name, the in-cluster host and the port", () => {
        assert.deepStrictEqual(run.outputs, {
            namespace: "dsm",
            serviceName: "redis",
            host: "redis.dsm.svc.cluster.local",
            port: 6379,
            stream: "dsm:events",
            groups: ["sprint-service", "project-service", "backlog-service"],
            credentialSecrets: {
                "sprint-service": "redis-sprint-service",
                "project-orchestrator": "redis-project-orchestrator",
                "project-service": "redis-project-service",
                "backlog-service": "redis-backlog-service",
            },
        });
    });

    it("provisions dsm:events and its groups through a port-forward to Service dsm/redis, after the rollout", () => {
        const streamGroups = only(run, "pulumi-nodejs:dynamic/dsm:RedisStreamGroups");
        const inputs = streamGroups.inputs;
        assert.strictEqual(inputs.stream, "dsm:events");
        assert.deepStrictEqual(inputs.groups, [
            { name: "sprint-service", startId: "0" },
            { name: "project-service", startId: "0" },
            { name: "backlog-service", startId: "0" },
        ]);
        assert.deepStrictEqual(inputs.connection, {
            namespace: "dsm",
            service: "redis",
            port: 6379,
            username: "dsm-admin",
            password: mockPassword("dsm-redis-dsm-admin-password"),
        });
        assert.deepStrictEqual(streamGroups.secretInputs, ["connection"]);
        assert.strictEqual(inputs.readinessTimeoutSeconds, 300);
        assert.strictEqual(inputs.deleteStreamOnDelete, false);
        assert.match(String(inputs.__provider), /require\("ioredis"\)/);
        const deployment = only(run, "kubernetes:apps/v1:Deployment").urn;
        const service = only(run, "kubernetes:core/v1:Service").urn;
        assert.ok(streamGroups.dependencies.includes(deployment), streamGroups.dependencies.join(", "));
        assert.ok(streamGroups.dependencies.includes(service), streamGroups.dependencies.join(", "));
    });
});

describe("the program under mocks, with config", () => {
    it("applies namespace, image, port and resources from the stack config", async () => {
        const run = await runProgram({
            namespace: "dsm-staging",
            image: "docker.io/library/redis:7.2.5-alpine",
            port: "6380",
            cpuRequest: "0.25",
            cpuLimit: "500m",
            memoryRequest: "128Mi",
            memoryLimit: "256Mi",
        });
        const deployment = only(run, "kubernetes:apps/v1:Deployment").inputs;
        const container = deployment.spec.template.spec.containers[0];
        assert.strictEqual(deployment.metadata.namespace, "dsm-staging");
        assert.strictEqual(container.image, "docker.io/library/redis:7.2.5-alpine");
        assert.deepStrictEqual(container.resources, {
            requests: { cpu: "0.25", memory: "128Mi" },
            limits: { cpu: "500m", memory: "256Mi" },
        });
        const service = only(run, "kubernetes:core/v1:Service").inputs;
        assert.deepStrictEqual(service.spec.ports[0], { name: "redis", protocol: "TCP", port: 6380, targetPort: 6379 });
        assert.strictEqual(run.outputs.host, "redis.dsm-staging.svc.cluster.local");
    });

    it("creates no namespace when createNamespace is false, and still deploys into it", async () => {
        const run = await runProgram({ createNamespace: "false", namespace: "platform" });
        assert.strictEqual(run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").length, 0);
        assert.strictEqual(only(run, "kubernetes:apps/v1:Deployment").inputs.metadata.namespace, "platform");
    });

    it("uses the stack's kubernetes:kubeconfig and kubernetes:context for the port-forward, or the direct address", async () => {
        const run = await runProgram({
            "kubernetes:context": "prod",
            "kubernetes:kubeconfig": "/home/ci/.kube/config",
        });
        const connection = only(run, "pulumi-nodejs:dynamic/dsm:RedisStreamGroups").inputs.connection;
        assert.deepStrictEqual(connection, {
            namespace: "dsm",
            service: "redis",
            port: 6379,
            kubeconfig: "/home/ci/.kube/config",
            context: "prod",
            username: "dsm-admin",
            password: mockPassword("dsm-redis-dsm-admin-password"),
        });
        const direct = await runProgram({
            provisionerConnection: "direct",
            port: "6380",
            groups: '["a", {"name": "b", "startId": "$"}]',
        });
        const inputs = only(direct, "pulumi-nodejs:dynamic/dsm:RedisStreamGroups").inputs;
        assert.deepStrictEqual(inputs.connection, {
            host: "redis.dsm.svc.cluster.local",
            port: 6380,
            username: "dsm-admin",
            password: mockPassword("dsm-redis-dsm-admin-password"),
        });
        // As the stack gave them: the provider's check gives "a" startId 0 (tests/stream-groups/check-diff.test.ts).
        assert.deepStrictEqual(inputs.groups, [{ name: "a" }, { name: "b", startId: "$" }]);
    });

    it("stops before registering anything when a key is invalid", async () => {
        await assert.rejects(runProgram({ memoryLimit: "100MB" }), (error: Error) => {
            assert.match(error.message, /dsm-redis:memoryLimit: "100MB"/);
            return true;
        });
    });
});
