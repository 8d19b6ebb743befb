/**
 * A replicated bus (replicas 3) as the program registers it under mocks: three Redis nodes with their own claims and
 * a Sentinel each, spread, a disruption budget that keeps a majority, the proxy behind the unchanged Service `redis`,
 * the replication and Sentinel ports open only between the bus's pods, every ACL change sent to every node, and the
 * policy pack passing on all of it. That the scripts and haproxy.cfg fail over for real is the failover tier's proof.
 */
import * as assert from "assert";
import { policies } from "../policy/policies";
import { runPolicies } from "../policy/run-policies";
import { topologyChangeProblem, topologyGuardProvider } from "../components/topology-guard/provider";
import { ProgramRun, asCheckedResources, named, ofType, only, runProgram } from "./helpers/program";

const NODE_HOSTS = [0, 1, 2].map((i) => `redis-node-${i}.redis-nodes.dsm.svc.cluster.local`);

describe("a replicated bus under mocks (replicas 3)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({ replicas: "3" });
    });

    const statefulSet = () => only(run, "kubernetes:apps/v1:StatefulSet").inputs;
    const container = (name: string) => statefulSet().spec.template.spec.containers.find((c) => c.name === name)!;

    it("runs three Redis nodes, each with a claim of its own, named through the headless Service", () => {
        const set = statefulSet();
        assert.strictEqual(set.metadata.name, "redis-node");
        assert.strictEqual(set.spec.replicas, 3);
        assert.strictEqual(set.spec.serviceName, "redis-nodes");
        assert.deepStrictEqual(
            set.spec.volumeClaimTemplates.map((t) => [t.metadata.name, t.spec.accessModes, t.spec.resources.requests]),
            [["data", ["ReadWriteOnce"], { storage: "1Gi" }]],
        );
        assert.deepStrictEqual(
            container("redis").volumeMounts.find((m) => m.mountPath === "/data"),
            { name: "data", mountPath: "/data" },
        );
        // The single node's claim is not made: each node has its own.
        assert.deepStrictEqual(ofType(run, "kubernetes:core/v1:PersistentVolumeClaim"), []);
        const nodes = named(run, "kubernetes:core/v1:Service", "redis-nodes").inputs.spec;
        assert.strictEqual(nodes.clusterIP, "None");
        assert.strictEqual(nodes.publishNotReadyAddresses, true);
        assert.deepStrictEqual(nodes.selector, { app: "redis-node" });
    });

    it("starts each node by its start script, announcing its own DNS name, with passwords from Secrets only", () => {
        const redis = container("redis");
        assert.deepStrictEqual(redis.command, ["sh", "/etc/redis/scripts/node-start.sh"]);
        const env = Object.fromEntries(redis.env.map((e) => [e.name, e.value ?? e.valueFrom]));
        assert.strictEqual(env.ANNOUNCE_HOST, "$(POD_NAME).redis-nodes.$(POD_NAMESPACE).svc.cluster.local");
        assert.deepStrictEqual(env.REPLICATION_PASSWORD, {
            secretKeyRef: { name: "redis-dsm-replication", key: "REDIS_PASSWORD" },
        });
        assert.deepStrictEqual(redis.lifecycle.preStop.exec.command, ["sh", "/etc/redis/scripts/switchover.sh"]);
        // Node 0 takes the master back once in sync: from Redis's postStart hook, Redis the pod's last container (the
        // kubelet starts the next container only after a postStart hook), and still what kubectl exec and logs pick.
        assert.deepStrictEqual(redis.lifecycle.postStart.exec.command, [
            "sh",
            "/etc/redis/scripts/switchover.sh",
            "return",
        ]);
        const template = named(run, "kubernetes:apps/v1:StatefulSet", "redis-node").inputs.spec.template;
        const names = template.spec.containers.map((c: { name: string }) => c.name);
        assert.strictEqual(names[names.length - 1], "redis");
        assert.strictEqual(template.metadata.annotations["kubectl.kubernetes.io/default-container"], "redis");
        const scripts = named(run, "kubernetes:core/v1:ConfigMap", "redis-replication").inputs.data;
        assert.deepStrictEqual(Object.keys(scripts).sort(), ["node-start.sh", "sentinel-start.sh", "switchover.sh"]);
        for (const host of NODE_HOSTS) assert.ok(scripts["sentinel-start.sh"].includes(`${host}:26379`), host);
        for (const user of ["dsm-replication", "dsm-sentinel"]) {
            const secret = named(run, "kubernetes:core/v1:Secret", `redis-${user}`);
            assert.deepStrictEqual(secret.secretInputs, ["stringData"], user);
        }
        const acl: string = named(run, "kubernetes:core/v1:Secret", "redis-acl").inputs.stringData["users.acl"];
        assert.match(acl, /^user dsm-replication on #[0-9a-f]{64} resetchannels -@all \+psync \+replconf \+ping$/m);
        assert.match(acl, /^user dsm-probe on nopass resetchannels -@all \+ping \+role$/m);
    });

    it("puts a Sentinel beside each node, monitoring the bus with a majority of 2", () => {
        const sentinel = container("sentinel");
        assert.deepStrictEqual(sentinel.command, ["sh", "/etc/redis/scripts/sentinel-start.sh"]);
        assert.deepStrictEqual(sentinel.ports, [{ name: "sentinel", containerPort: 26379, protocol: "TCP" }]);
        assert.ok(sentinel.readinessProbe && sentinel.livenessProbe);
        const script = named(run, "kubernetes:core/v1:ConfigMap", "redis-replication").inputs.data["sentinel-start.sh"];
        assert.match(script, /sentinel monitor dsm \$master 2"/);
    });

    it("spreads the nodes over hosts and zones where the scheduler can, and over hosts always when required", async () => {
        const soft = statefulSet().spec.template.spec;
        assert.deepStrictEqual(
            soft.topologySpreadConstraints.map((c) => [c.topologyKey, c.whenUnsatisfiable]),
            [
                ["kubernetes.io/hostname", "ScheduleAnyway"],
                ["topology.kubernetes.io/zone", "ScheduleAnyway"],
            ],
        );
        assert.strictEqual(soft.affinity, undefined);
        const required = await runProgram({ replicas: "3", replicaSpread: "required" });
        const spec = only(required, "kubernetes:apps/v1:StatefulSet").inputs.spec.template.spec;
        assert.deepStrictEqual(spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, [
            { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "redis-node" } } },
        ]);
    });

    it("keeps a majority of the nodes, and one proxy, through a drain", () => {
        const budgets = ofType(run, "kubernetes:policy/v1:PodDisruptionBudget").map((b) => [
            b.inputs.metadata.name,
            b.inputs.spec.minAvailable,
            b.inputs.spec.selector.matchLabels,
        ]);
        assert.deepStrictEqual(budgets, [
            ["redis-node", 2, { app: "redis-node" }],
            ["redis-proxy", 1, { app: "redis" }],
        ]);
    });

    it("keeps Service redis on 6379, selecting only the proxy, which checks every node's role", () => {
        const service = named(run, "kubernetes:core/v1:Service", "redis").inputs.spec;
        assert.deepStrictEqual(service.selector, { app: "redis" });
        assert.deepStrictEqual(
            service.ports.map((p) => p.port),
            [6379],
        );
        const proxy = only(run, "kubernetes:apps/v1:Deployment").inputs;
        assert.strictEqual(proxy.metadata.name, "redis");
        assert.strictEqual(proxy.spec.replicas, 2);
        assert.deepStrictEqual(proxy.spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
        assert.strictEqual(proxy.spec.template.metadata.labels.app, "redis");
        assert.strictEqual(proxy.spec.template.spec.containers[0].image, "haproxy:2.8-alpine");
        assert.notStrictEqual(statefulSet().spec.template.metadata.labels.app, "redis");
        const cfg: string = named(run, "kubernetes:core/v1:ConfigMap", "redis-proxy").inputs.data["haproxy.cfg"];
        assert.match(cfg, /^ {4}bind :6379$/m);
        NODE_HOSTS.forEach((host, i) =>
            assert.match(
                cfg,
                new RegExp(`^ {4}server node-${i} ${host.replace(/\./g, "\\.")}:6379 check .* resolvers cluster`, "m"),
            ),
        );
    });

    it("opens the replication port between the bus's pods only, and Sentinel's to clients too", () => {
        const policy = only(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec;
        const busPods = { matchExpressions: [{ key: "app", operator: "In", values: ["redis", "redis-node"] }] };
        assert.deepStrictEqual(policy.podSelector, busPods);
        const ports = (rule: (typeof policy.ingress)[number]) => rule.ports.map((p) => p.port);
        assert.deepStrictEqual(
            policy.ingress.map((rule) => [rule.from.map((peer) => Object.keys(peer).sort().join("+")), ports(rule)]),
            [
                [["namespaceSelector+podSelector"], [6379, 26379]],
                [["podSelector"], [6379, 26379]],
                // The metrics port, from the monitoring namespace, as on one node.
                [["namespaceSelector"], [9121]],
            ],
        );
        assert.deepStrictEqual(policy.ingress[1].from, [{ podSelector: busPods }]);
    });

    it("hands Sentinel-aware clients the Sentinels and the master's name in each credentials Secret", () => {
        const secret = named(run, "kubernetes:core/v1:Secret", "redis-sprint-service").inputs.stringData;
        assert.strictEqual(secret.REDIS_SENTINELS, NODE_HOSTS.map((host) => `${host}:26379`).join(","));
        assert.strictEqual(secret.REDIS_SENTINEL_MASTER, "dsm");
        assert.strictEqual(secret.REDIS_HOST, "redis.dsm.svc.cluster.local");
    });

    it("lets a client without a password ask a Sentinel only where the master is; the peers log in", () => {
        const script = named(run, "kubernetes:core/v1:ConfigMap", "redis-replication").inputs.data["sentinel-start.sh"];
        const defaultUser = /echo "user default on nopass (.*)"$/m.exec(script)?.[1] ?? "";
        assert.match(defaultUser, /^resetchannels &\+switch-master -@all /);
        for (const allowed of ["+sentinel|get-master-addr-by-name", "+sentinel|sentinels", "+sentinel|replicas"]) {
            assert.ok(defaultUser.split(" ").includes(allowed), allowed);
        }
        assert.doesNotMatch(defaultUser, /failover|\+@|set\b|config/i);
        assert.match(script, /echo "sentinel sentinel-user dsm-sentinel"/);
    });

    it("applies user changes to every node by its own pod, and creates the groups through the proxy", () => {
        const users = ofType(run, "pulumi-nodejs:dynamic/dsm:RedisAclUsers").map(
            (r) => r.inputs.connection as { podSelector?: unknown; service?: string },
        );
        assert.deepStrictEqual(
            users.map((c) => c.podSelector),
            [0, 1, 2].map((i) => ({ "statefulset.kubernetes.io/pod-name": `redis-node-${i}` })),
        );
        const groups = only(run, "pulumi-nodejs:dynamic/dsm:RedisStreamGroups").inputs.connection as {
            service?: string;
        };
        assert.strictEqual(groups.service, "redis");
    });

    it("hands the scheduled backup's Job every node, to read its pages from a replica; the master through Service redis", async () => {
        const backed = await runProgram({ replicas: "3", backup: "true" });
        const cron = named(backed, "kubernetes:batch/v1:CronJob", "redis-backup").inputs.spec;
        const env = cron.jobTemplate.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>;
        const value = (name: string) => env.find((e) => e.name === name)?.value;
        assert.strictEqual(value("REDIS_HOST"), "redis.dsm.svc.cluster.local");
        assert.strictEqual(value("REDIS_NODES"), NODE_HOSTS.map((host) => `${host}:6379`).join(" "));
        // The backup user may ask a node's role, to find a replica.
        const acl = named(backed, "kubernetes:core/v1:Secret", "redis-acl").inputs.stringData["users.acl"] as string;
        assert.match(acl, /^user dsm-backup on #[0-9a-f]{64} .* \+role /m);
        assert.deepStrictEqual(await runPolicies(policies, asCheckedResources(backed)), []);
    });

    it("scrapes the exporter beside each node: the PodMonitor selects the nodes, not the proxy", async () => {
        const monitored = await runProgram({ replicas: "3", monitoring: "true" });
        const { spec: podMonitor } = named(monitored, "kubernetes:monitoring.coreos.com/v1:PodMonitor", "redis")
            .inputs as { spec: { selector: unknown } };
        assert.deepStrictEqual(podMonitor.selector, { matchLabels: { app: "redis-node" } });
        const ports = only(monitored, "kubernetes:apps/v1:StatefulSet").inputs.spec.template.spec.containers.flatMap(
            (c: { ports?: Array<{ name: string }> }) => (c.ports ?? []).map((p) => p.name),
        );
        assert.ok(ports.includes("metrics"), `the nodes' ports: ${ports.join(", ")}`);
    });

    it("passes every policy of the pack, advisory ones too", async () => {
        assert.deepStrictEqual(await runPolicies(policies, asCheckedResources(run)), []);
    });

    it("builds every Kubernetes child after the topology guard, so that a refused change touches nothing", () => {
        const guard = only(run, "pulumi-nodejs:dynamic/dsm:RedisTopologyGuard");
        assert.deepStrictEqual(guard.inputs.replicas, 3);
        const provider = only(run, "pulumi:providers:kubernetes");
        assert.ok(provider.dependencies.includes(guard.urn), "the Kubernetes provider waits for the guard");
    });
});

describe("a number of nodes without a majority, in stack config", () => {
    for (const replicas of ["2", "4"]) {
        it(`refuses replicas ${replicas} before anything is registered, naming dsm-redis:replicas`, async () => {
            await assert.rejects(runProgram({ replicas }), (error: Error) => {
                assert.match(error.message, new RegExp(`dsm-redis:replicas: ${replicas} is an even number of nodes`));
                return true;
            });
        });
    }
});

describe("the topology guard's check, which the engine runs at preview", () => {
    const check = (olds: Record<string, unknown>, news: Record<string, unknown>) =>
        topologyGuardProvider.check!(olds, news);

    it("refuses growing a live bus from 1 to 3 nodes, naming replicas and saying why", async () => {
        const { failures } = await check({ replicas: 1 }, { replicas: 3 });
        assert.strictEqual(failures?.length, 1);
        assert.strictEqual(failures![0].property, "replicas");
        assert.match(failures![0].reason, /^this bus runs 1 node; changing replicas to 3 on a live bus is refused/);
        assert.match(failures![0].reason, /new nodes would start empty/);
        assert.match(failures![0].reason, /"Growing a bus"/);
    });

    it("refuses shrinking, and lets a new bus or an unchanged one through", async () => {
        assert.strictEqual((await check({ replicas: 5 }, { replicas: 3 })).failures?.[0].property, "replicas");
        assert.strictEqual((await check({}, { replicas: 3 })).failures, undefined);
        assert.strictEqual((await check({ replicas: 3 }, { replicas: 3 })).failures, undefined);
        assert.strictEqual(topologyChangeProblem(1, 1), undefined);
    });
});
