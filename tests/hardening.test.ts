/** The durable, bounded, locked-down bus, as the program registers it under mocks. */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { sha256Hex } from "../components/render/acl";
import { mockPassword } from "./helpers/mocks";
import { ProgramRun, named, ofType, only, runProgram } from "./helpers/program";

const SECRET = "kubernetes:core/v1:Secret";
const conf = (run: ProgramRun) => named(run, "kubernetes:core/v1:ConfigMap", "redis-config").inputs.data["redis.conf"];
const checksum = (run: ProgramRun) =>
    only(run, "kubernetes:apps/v1:Deployment").inputs.spec.template.metadata.annotations["checksum/config"];

describe("hardening under mocks, with the default config", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram();
    });

    it("renders redis.conf with AOF everysec, maxmemory from the limit, noeviction and the ACL file", () => {
        const text = conf(run);
        for (const line of [
            "appendonly yes",
            "appendfsync everysec",
            'save ""',
            `maxmemory ${92 * 1024 * 1024}`,
            "maxmemory-policy noeviction",
            "aclfile /etc/redis/acl/users.acl",
            "dir /data",
            "port 6379",
        ]) {
            assert.ok(text.split("\n").includes(line), `redis.conf lacks ${line}:\n${text}`);
        }
    });

    it("claims a 1Gi ReadWriteOnce volume from the cluster's default class, without waiting for it to bind", () => {
        const pvc = named(run, "kubernetes:core/v1:PersistentVolumeClaim", "redis-data").inputs;
        assert.deepStrictEqual(pvc.spec, {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "1Gi" } },
        });
        assert.strictEqual(pvc.metadata.annotations["pulumi.com/skipAwait"], "true");
    });

    it("gives each service a Secret redis-<service> with its user, password, host and port, as a secret", () => {
        for (const user of [
            "sprint-service",
            "project-orchestrator",
            "project-service",
            "backlog-service",
            "dsm-admin",
        ]) {
            const secret = named(run, SECRET, `redis-${user}`);
            assert.deepStrictEqual(secret.inputs.stringData, {
                REDIS_USERNAME: user,
                REDIS_PASSWORD: mockPassword(`dsm-redis-${user}-password`),
                REDIS_HOST: "redis.dsm.svc.cluster.local",
                REDIS_PORT: "6379",
            });
            assert.deepStrictEqual(secret.secretInputs, ["stringData"], user);
            assert.strictEqual(secret.inputs.metadata.namespace, "dsm");
        }
    });

    it("writes the ACL file with password hashes only: default user off, each user on dsm:* with its role's commands", () => {
        const acl = named(run, SECRET, "redis-acl");
        assert.deepStrictEqual(acl.secretInputs, ["stringData"]);
        const lines = acl.inputs.stringData["users.acl"].trim().split("\n");
        assert.strictEqual(lines[0], "user default off resetpass ~dsm:* resetchannels +@all -@dangerous");
        assert.strictEqual(
            lines[1],
            `user dsm-admin on #${sha256Hex(mockPassword("dsm-redis-dsm-admin-password"))} ~dsm:* resetchannels +@all -@dangerous +info +acl|setuser +acl|deluser`,
        );
        assert.strictEqual(lines[2], "user dsm-probe on nopass resetchannels -@all +ping");
        const projectService = lines.find((l) => l.startsWith("user project-service "));
        assert.ok(projectService?.includes("+xreadgroup +xack") && !projectService.includes("+xadd"), projectService);
        const orchestrator = lines.find((l) => l.startsWith("user project-orchestrator "));
        assert.ok(orchestrator?.includes("+xadd") && !orchestrator.includes("+xreadgroup"), orchestrator);
    });

    it("never puts a password in plaintext outside secret inputs", () => {
        const passwords = [
            "sprint-service",
            "project-orchestrator",
            "project-service",
            "backlog-service",
            "dsm-admin",
        ].map((u) => mockPassword(`dsm-redis-${u}-password`));
        for (const resource of run.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
            const visible = Object.fromEntries(
                Object.entries(resource.inputs).filter(([key]) => !resource.secretInputs.includes(key)),
            );
            const text = JSON.stringify(visible);
            for (const password of passwords) {
                assert.ok(!text.includes(password), `${resource.type} ${resource.name} shows a password`);
                assert.ok(
                    !text.includes(sha256Hex(password)),
                    `${resource.type} ${resource.name} shows a password hash`,
                );
            }
        }
        const streamGroups = only(run, "pulumi-nodejs:dynamic/dsm:RedisStreamGroups");
        assert.ok(streamGroups.secretInputs.includes("connection"));
    });

    it("admits port 6379 only from pods labelled redis.dsm.io/client in the bus's namespace", () => {
        const policy = named(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "redis").inputs;
        assert.deepStrictEqual(policy.spec, {
            podSelector: { matchLabels: { app: "redis" } },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [
                        {
                            podSelector: { matchLabels: { "redis.dsm.io/client": "true" } },
                            namespaceSelector: {
                                matchExpressions: [
                                    { key: "kubernetes.io/metadata.name", operator: "In", values: ["dsm"] },
                                ],
                            },
                        },
                    ],
                    ports: [{ protocol: "TCP", port: 6379 }],
                },
                {
                    // The exporter's port, from the monitoring namespace only.
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
                    ports: [{ protocol: "TCP", port: 9121 }],
                },
            ],
        });
    });

    it("exports the name of each service's Secret", () => {
        assert.deepStrictEqual(run.outputs.credentialSecrets, {
            "sprint-service": "redis-sprint-service",
            "project-orchestrator": "redis-project-orchestrator",
            "project-service": "redis-project-service",
            "backlog-service": "redis-backlog-service",
        });
    });
});

/** The warnings the program logged while `run` ran. */
async function warningsOf(run: () => Promise<unknown>): Promise<string[]> {
    const warnings: string[] = [];
    const original = pulumi.log.warn;
    pulumi.log.warn = (message: string) => {
        warnings.push(message);
        return Promise.resolve();
    };
    try {
        await run();
        return warnings;
    } finally {
        pulumi.log.warn = original;
    }
}

describe("hardening under mocks, configured", () => {
    it("switches persistence off for a throwaway stack: an emptyDir, AOF off, and a warning", async () => {
        const warnings = await warningsOf(async () => {
            const run = await runProgram({ persistence: "false" });
            assert.strictEqual(
                run.resources.filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim").length,
                0,
            );
            const pod = only(run, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec;
            assert.deepStrictEqual(pod.volumes[0], { name: "data", emptyDir: {} });
            assert.ok(conf(run).split("\n").includes("appendonly no"));
            assert.ok(
                conf(run)
                    .split("\n")
                    .includes(`maxmemory ${184 * 1024 * 1024}`),
            );
        });
        assert.ok(
            warnings.some((w) => /persistence is off: .*every event is lost when the pod restarts/.test(w)),
            warnings.join("\n"),
        );
    });

    it("warns at preview while retentionTrimUnacknowledged is on, and not otherwise", async () => {
        const unsafe = /retentionTrimUnacknowledged is on: .*never sees them/;
        const safe = await warningsOf(() => runProgram());
        assert.ok(!safe.some((w) => unsafe.test(w)), safe.join("\n"));
        const optedIn = await warningsOf(() => runProgram({ retentionTrimUnacknowledged: "true" }));
        assert.ok(
            optedIn.some((w) => unsafe.test(w)),
            optedIn.join("\n"),
        );
    });

    it("takes appendfsync, storage, namespaces and users from the config, and rolls the pod on a config change", async () => {
        const base = await runProgram();
        const run = await runProgram({
            appendfsync: "always",
            storageSize: "5Gi",
            storageClass: "fast-ssd",
            clientNamespaces: '["dsm", "dsm-workers"]',
            users: '[{"name": "audit-service", "roles": ["consume"]}]',
        });
        assert.ok(conf(run).split("\n").includes("appendfsync always"));
        assert.deepStrictEqual(named(run, "kubernetes:core/v1:PersistentVolumeClaim", "redis-data").inputs.spec, {
            accessModes: ["ReadWriteOnce"],
            storageClassName: "fast-ssd",
            resources: { requests: { storage: "5Gi" } },
        });
        const policy = named(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "redis").inputs;
        assert.deepStrictEqual(policy.spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values, [
            "dsm",
            "dsm-workers",
        ]);
        assert.deepStrictEqual(
            ofType(run, SECRET)
                .map((r) => r.inputs.metadata.name)
                .sort(),
            ["redis-acl", "redis-audit-service", "redis-dsm-admin", "redis-dsm-metrics", "redis-dsm-retention"],
        );
        assert.notStrictEqual(checksum(run), checksum(base));
    });

    it("uses passwords set in the config instead of generating them; a rotation reaches the server, not the pod", async () => {
        const password = "a-configured-password-0123456789";
        const first = await runProgram({ passwords: JSON.stringify({ "sprint-service": password }) });
        assert.ok(!first.resources.some((r) => r.name === "dsm-redis-sprint-service-password"));
        assert.strictEqual(named(first, SECRET, "redis-sprint-service").inputs.stringData.REDIS_PASSWORD, password);
        const rotated = await runProgram({ passwords: JSON.stringify({ "sprint-service": `${password}-rotated` }) });
        // The pod does not roll; the users the provisioning applies to the running server change.
        assert.strictEqual(checksum(rotated), checksum(first));
        const rules = (r: typeof first) =>
            JSON.stringify(only(r, "pulumi-nodejs:dynamic/dsm:RedisAclUsers").inputs.users);
        assert.notStrictEqual(rules(rotated), rules(first));
        assert.ok(rules(rotated).includes(sha256Hex(`${password}-rotated`)));
    });

    it("rolls the pod only for what needs a restart: redis.conf, not the users", async () => {
        const base = await runProgram({});
        const withUser = await runProgram({
            users: JSON.stringify([
                { name: "sprint-service", roles: ["publish", "consume"] },
                { name: "audit-service", roles: ["consume"] },
            ]),
        });
        assert.strictEqual(checksum(withUser), checksum(base));
        assert.notStrictEqual(checksum(await runProgram({ memoryLimit: "256Mi" })), checksum(base));
        assert.notStrictEqual(checksum(await runProgram({ appendfsync: "always" })), checksum(base));
    });

    it("admits clients from the bus's own namespace when clientNamespaces is unset", async () => {
        const run = await runProgram({ namespace: "dsm-staging" });
        const policy = named(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "redis").inputs;
        assert.deepStrictEqual(policy.spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values, [
            "dsm-staging",
        ]);
    });

    it("leaves out the NetworkPolicy when networkPolicy is false", async () => {
        const run = await runProgram({ networkPolicy: "false" });
        assert.strictEqual(run.resources.filter((r) => r.type.includes("NetworkPolicy")).length, 0);
    });

    it("writes a user's Secret in the namespaces its service runs in, with the same password, and admits them", async () => {
        const run = await runProgram({
            users: JSON.stringify([
                { name: "sprint-service", roles: ["publish", "consume"], namespaces: ["sprints", "workers"] },
                { name: "project-service", roles: ["consume"] },
            ]),
        });
        const copies = ofType(run, SECRET).filter((s) => s.inputs.metadata.name === "redis-sprint-service");
        assert.deepStrictEqual(copies.map((s) => s.inputs.metadata.namespace).sort(), ["dsm", "sprints", "workers"]);
        assert.strictEqual(
            new Set(copies.map((s) => s.inputs.stringData.REDIS_PASSWORD)).size,
            1,
            "one password in every copy",
        );
        // Each namespace is read first, under a name that says whose it is: a missing one fails the preview there.
        const reads = run.resources.filter(
            (r) => r.type === "kubernetes:core/v1:Namespace" && r.name.includes("-runs-in-"),
        );
        assert.deepStrictEqual(reads.map((r) => r.name).sort(), [
            "dsm-redis-sprint-service-runs-in-sprints",
            "dsm-redis-sprint-service-runs-in-workers",
        ]);
        const policy = named(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "redis").inputs;
        assert.deepStrictEqual(policy.spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values, [
            "dsm",
            "sprints",
            "workers",
        ]);
    });

    it("names the user when a namespace it runs in is not a namespace name", async () => {
        await assert.rejects(
            runProgram({ users: JSON.stringify([{ name: "audit", roles: ["consume"], namespaces: ["Audit_NS"] }]) }),
            /dsm-redis:users: \[0\]\.namespaces\[0\]: "Audit_NS" is not a DNS-1123 label.* \(a namespace audit runs in\)/,
        );
    });
});
