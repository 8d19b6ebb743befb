/**
 * The default bus, applied by the admission suite, rolls out on the real control plane: the Deployment becomes
 * Available and the Service gets endpoints; the stream-groups provider works through a real port-forward
 * (@kubernetes/client-node, kube-apiserver, KWOK, the node agent's redis-server); verify's checks pass, and fail on the
 * right check; and what Kubernetes forbids changing is refused by the API server.
 */
import * as assert from "assert";
import * as fs from "fs";
import Redis from "ioredis";
import * as path from "path";
import { BACKUP_USER } from "../../components/render/acl";
import { BACKUP_STATUS_KEYS } from "../../components/render/backup-script";
import { readBackup, restoreSnapshot, snapshotDifferences, takeSnapshot } from "../../ops/lib/backup-file";
import { RedisServer } from "../../testbed/redis-server";
import { only, runProgram } from "../../ops/lib/mock-program";
import { streamGroupsProvider } from "../../components/stream-groups/provider";
import { StreamGroupsInputs } from "../../components/stream-groups/inputs";
import { kubectl } from "../../testbed/cluster/local-cluster";
import { verifyBus } from "../../ops/lib/verify-checks";
import { apply, refusal } from "./kube";
import { localCluster } from "./hooks";
import { Manifest, manifestsOf, programManifests } from "./manifests";

const k = (...args: string[]) => kubectl(localCluster(), args);

function adminPassword(): string {
    return Buffer.from(
        k("get", "secret", "redis-dsm-admin", "-n", "dsm", "-o", "jsonpath={.data.REDIS_PASSWORD}"),
        "base64",
    ).toString();
}

/** A client straight to the node agent's redis-server, beside the port-forward, to check what the provider did. */
function direct(): Redis {
    return new Redis({
        host: "127.0.0.1",
        port: localCluster().redisPort,
        username: "dsm-admin",
        password: adminPassword(),
        lazyConnect: true,
        maxRetriesPerRequest: 1,
    });
}

describe("the bus on the real control plane", () => {
    it("rolls out: the Deployment becomes Available and the Service gets a ready endpoint", () => {
        k("wait", "--for=condition=Available", "deployment/redis", "-n", "dsm", "--timeout=120s");
        k(
            "wait",
            "--for=jsonpath={.endpoints[0].conditions.ready}=true",
            "endpointslice",
            "-l",
            "kubernetes.io/service-name=redis",
            "-n",
            "dsm",
            "--timeout=60s",
        );
        const slice = JSON.parse(
            k("get", "endpointslice", "-l", "kubernetes.io/service-name=redis", "-n", "dsm", "-o", "json"),
        );
        assert.deepStrictEqual(
            slice.items[0].ports.map((p: { port: number }) => p.port),
            [6379],
        );
    });

    it("runs retention as Jobs of the CronJob, whose pods the namespace's restricted Pod Security admits", () => {
        k("create", "job", "retention-now", "--from=cronjob/redis-retention", "-n", "dsm");
        k("wait", "--for=create", "pod", "-l", "job-name=retention-now", "-n", "dsm", "--timeout=60s");
        const [pod] = JSON.parse(k("get", "pod", "-l", "job-name=retention-now", "-n", "dsm", "-o", "json")).items;
        const [container] = pod.spec.containers;
        assert.strictEqual(container.image, "redis:7.2-alpine");
        assert.deepStrictEqual(
            container.env.find((e: { name: string }) => e.name === "REDIS_USERNAME"),
            { name: "REDIS_USERNAME", value: "dsm-retention" },
        );
        // The client label, which the NetworkPolicy admits to Redis.
        assert.strictEqual(pod.metadata.labels["redis.dsm.io/client"], "true");
        // The node agent ran its rendered script against the bus's Redis: the Job completes by what really ran.
        k("wait", "--for=condition=complete", "job/retention-now", "-n", "dsm", "--timeout=90s");
    });

    describe("dead letters, moved by a Job of the rendered CronJob", function () {
        this.timeout(120_000);
        const group = "poison-drill";
        let client: Redis;
        before(async () => {
            client = direct();
            await client.connect();
        });
        after(async () => {
            await client.xgroup("DESTROY", "dsm:events", group);
            client.disconnect();
        });

        it("moves a poison entry to dsm:events:dead, acknowledged in its group, with where it came from", async () => {
            await client.xgroup("CREATE", "dsm:events", group, "$", "MKSTREAM");
            const id = String(await client.xadd("dsm:events", "*", "type", "TASK_UPDATED", "taskId", "poison-1"));
            await client.xreadgroup("GROUP", group, "worker-1", "STREAMS", "dsm:events", ">");
            // As five failed deliveries and ten idle minutes leave it: the defaults deadLetterDeliveries 5 and
            // deadLetterIdleSeconds 600, set through XCLAIM so that nothing sleeps.
            await client.call("XCLAIM", "dsm:events", group, "worker-1", "0", id, "IDLE", 600_000, "RETRYCOUNT", 5);
            k("create", "job", "dead-letters-now", "--from=cronjob/redis-retention", "-n", "dsm");
            k("wait", "--for=condition=complete", "job/dead-letters-now", "-n", "dsm", "--timeout=90s");

            assert.deepStrictEqual((await client.xpending("dsm:events", group))[0], 0, "still pending in its group");
            const letters = (await client.xrange("dsm:events:dead", "-", "+")) as Array<[string, string[]]>;
            const moved = letters.map(([, fields]) => fields).find((fields) => fields[1] === id);
            assert.deepStrictEqual(
                moved?.filter((_, i) => i % 2 === 0),
                [
                    "dead-letter:id",
                    "dead-letter:group",
                    "dead-letter:consumer",
                    "dead-letter:deliveries",
                    "dead-letter:idle-ms",
                    "type",
                    "taskId",
                ],
            );
            assert.deepStrictEqual(
                [moved?.[3], moved?.[5], moved?.[7], moved?.[11], moved?.[13]],
                [group, "worker-1", "5", "TASK_UPDATED", "poison-1"],
            );
            // The Job's output, kept in its pod's status: the rendered loop's own lines.
            const [pod] = JSON.parse(
                k("get", "pod", "-l", "job-name=dead-letters-now", "-n", "dsm", "-o", "json"),
            ).items;
            const message = String(pod.status.containerStatuses[0].state.terminated.message);
            assert.match(message, /^dead letters moved \d+$/m);
            assert.match(message, /^trimmed \d+/m);
        });

        it("fails the Job when its script fails (here, refused by Redis): nothing is reported complete unless it ran", () => {
            const job = JSON.parse(
                k(
                    "create",
                    "job",
                    "refused-now",
                    "--from=cronjob/redis-retention",
                    "-n",
                    "dsm",
                    "--dry-run=client",
                    "-o",
                    "json",
                ),
            );
            const [container] = job.spec.template.spec.containers;
            container.env = container.env.map((e: { name: string; value?: string }) =>
                e.name === "REDIS_USERNAME" ? { ...e, value: "no-such-user" } : e,
            );
            kubectl(localCluster(), ["apply", "-f", "-"], JSON.stringify(job));
            k("wait", "--for=condition=failed", "job/refused-now", "-n", "dsm", "--timeout=90s");
            const [pod] = JSON.parse(k("get", "pod", "-l", "job-name=refused-now", "-n", "dsm", "-o", "json")).items;
            const terminated = pod.status.containerStatuses[0].state.terminated;
            assert.notStrictEqual(terminated.exitCode, 0);
            assert.match(String(terminated.message), /WRONGPASS|NOAUTH|AUTH failed/);
        });
    });

    describe("the scheduled backup, run by a Job of the rendered CronJob, and restored", function () {
        this.timeout(120_000);
        let client: Redis;
        before(async () => {
            client = direct();
            await client.connect();
        });
        const group = "backup-drill";
        after(async () => {
            await client.xgroup("DESTROY", "dsm:events", group);
            client.disconnect();
        });

        it("writes a file to its claim that restores into a second server as the bus was at the cut", async () => {
            // The bus with `backup` on, as `pulumi up` makes it: its objects applied, and its new user set on the
            // running server by the provisioning (RedisAclUsers), here as that resource's inputs say.
            const run = await runProgram({ backup: "true" });
            apply(manifestsOf(run));
            const { users } = only(run, "pulumi-nodejs:dynamic/dsm:RedisAclUsers").inputs as unknown as {
                users: Array<{ user: string; rules: string[] }>;
            };
            const backupUser = users.find((u) => u.user === BACKUP_USER);
            await client.call("ACL", "SETUSER", BACKUP_USER, "reset", ...(backupUser?.rules ?? []));

            await client.xgroup("CREATE", "dsm:events", group, "0", "MKSTREAM");
            for (let i = 0; i < 1200; i++)
                await client.xadd("dsm:events", "*", "type", "SprintStarted", "n", String(i));
            await client.xreadgroup("GROUP", group, "worker-1", "COUNT", 1100, "STREAMS", "dsm:events", ">");
            k("create", "job", "backup-now", "--from=cronjob/redis-backup", "-n", "dsm");
            k("wait", "--for=condition=complete", "job/backup-now", "-n", "dsm", "--timeout=90s");
            const atCut = (await takeSnapshot(client, "dsm:events"))!;

            // The newest file in the claim's volume, where the Job wrote it.
            const volume = k("get", "pvc", "redis-backups", "-n", "dsm", "-o", "jsonpath={.spec.volumeName}");
            const folder = k("get", "pv", volume, "-o", "jsonpath={.spec.hostPath.path}");
            const [newest] = fs
                .readdirSync(folder)
                .filter((name) => name.endsWith(".backup"))
                .map((name) => path.join(folder, name))
                .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
            const backup = readBackup(fs.readFileSync(newest, "utf8"), newest);
            assert.deepStrictEqual(snapshotDifferences(backup.snapshot, atCut), []);
            assert.ok(backup.snapshot.groups.find((g) => g.name === group)!.pending.length === 1100);

            const second = await RedisServer.prepareOnFreePort();
            await second.start();
            const target = new Redis({ port: second.port, lazyConnect: true, maxRetriesPerRequest: 1 });
            try {
                await target.connect();
                await restoreSnapshot(target, backup.snapshot, { force: false });
                assert.deepStrictEqual(snapshotDifferences((await takeSnapshot(target, "dsm:events"))!, atCut), []);
            } finally {
                // Closed whatever happened: a client left reconnecting would keep mocha from exiting.
                target.disconnect();
                await second.destroy();
            }
            assert.ok(Number(await client.get(BACKUP_STATUS_KEYS.lastSuccess)) > 0, "its success recorded");
        });

        it("admits README's pod that reads the backups' claim, read-only, under the restricted profile", () => {
            const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
            const block = readme
                .split("<!-- kubectl-run backup-reader: start")[1]
                ?.split("<!-- kubectl-run backup-reader: end")[0];
            const overrides = /--overrides='([^']+)'/.exec(block ?? "")?.[1];
            assert.ok(overrides !== undefined, "README has the backup reader between its markers");
            k(
                "run",
                "backup-reader",
                "-n",
                "dsm",
                "--restart=Never",
                "--image=redis:7.2-alpine",
                `--overrides=${overrides}`,
            );
            const pod = JSON.parse(k("get", "pod", "backup-reader", "-n", "dsm", "-o", "json"));
            assert.deepStrictEqual(pod.spec.volumes[0].persistentVolumeClaim, {
                claimName: "redis-backups",
                readOnly: true,
            });
            k("delete", "pod", "backup-reader", "-n", "dsm", "--wait=false");
        });
    });

    describe("the stream-groups provider, through a real port-forward", function () {
        this.timeout(120_000);
        const inputs = (groups: string[]): StreamGroupsInputs => ({
            stream: "dsm:events",
            groups: groups.map((name) => ({ name, startId: "0" })),
            connection: {
                namespace: "dsm",
                service: "redis",
                port: 6379,
                kubeconfig: localCluster().kubeconfig,
                username: "dsm-admin",
                password: adminPassword(),
            },
            readinessTimeoutSeconds: 60,
            deleteStreamOnDelete: false,
        });
        const groupsOnServer = async () => {
            const client = direct();
            await client.connect();
            try {
                const groups = (await client.xinfo("GROUPS", "dsm:events")) as string[][];
                return groups.map((g) => g[1]).sort();
            } finally {
                client.disconnect();
            }
        };
        const commandCount = async (): Promise<number> => {
            const client = direct();
            await client.connect();
            try {
                const stats = (await client.info("commandstats")) + (await client.info("stats"));
                const xgroup = /cmdstat_xgroup\|create:calls=(\d+)/.exec(stats)?.[1] ?? "0";
                return Number(xgroup);
            } finally {
                client.disconnect();
            }
        };

        it("creates the stream and its groups", async () => {
            const checked = await streamGroupsProvider.check!(
                {},
                inputs(["sprint-service", "project-service"]) as never,
            );
            assert.strictEqual(checked.failures, undefined);
            await streamGroupsProvider.create(checked.inputs);
            assert.deepStrictEqual(await groupsOnServer(), ["project-service", "sprint-service"]);
        });

        it("updates: adds a group and removes one", async () => {
            await streamGroupsProvider.update!(
                "dsm:events",
                inputs(["sprint-service", "project-service"]),
                inputs(["sprint-service", "backlog-service"]),
            );
            assert.deepStrictEqual(await groupsOnServer(), ["backlog-service", "sprint-service"]);
        });

        it("does nothing at all on a no-op: no change planned, no command sent", async () => {
            const same = inputs(["sprint-service", "backlog-service"]);
            assert.strictEqual((await streamGroupsProvider.diff!("dsm:events", same, same)).changes, false);
            const before = await commandCount();
            await streamGroupsProvider.update!("dsm:events", same, same);
            assert.strictEqual(await commandCount(), before);
        });

        it("deletes the groups and keeps the stream, its events being data", async () => {
            const client = direct();
            await client.connect();
            await client.xadd("dsm:events", "*", "type", "SprintStarted");
            client.disconnect();
            await streamGroupsProvider.delete!("dsm:events", inputs(["sprint-service", "backlog-service"]));
            assert.deepStrictEqual(await groupsOnServer(), []);
        });
    });

    describe("verify's checks", function () {
        this.timeout(120_000);
        const target = () => ({
            namespace: "dsm",
            serviceName: "redis",
            port: 6379,
            stream: "dsm:events",
            groups: ["sprint-service"],
            kubeconfig: localCluster().kubeconfig,
            timeoutSeconds: 10,
        });
        const failing = async () =>
            (await verifyBus(target())).filter((r) => !r.ok).map((r) => `${r.check}: ${r.detail}`);

        before(async () => {
            const client = direct();
            await client.connect();
            await client.xgroup("CREATE", "dsm:events", "sprint-service", "0", "MKSTREAM");
            client.disconnect();
        });

        it("all pass, the pod's log read by kubectl logs included", async () => {
            assert.deepStrictEqual(await failing(), []);
            assert.match(k("logs", "deploy/redis", "-n", "dsm"), /Ready to accept connections/);
        });

        it("fail on the stream checks, and only there, when the stream is missing", async () => {
            const client = direct();
            await client.connect();
            await client.del("dsm:events");
            client.disconnect();
            const failures = await failing();
            assert.ok(failures.length > 0 && failures.every((f) => f.startsWith("XINFO")), failures.join("\n"));
        });

        it("fail on the pod check when the pod is not Ready", async () => {
            const pod = k("get", "pods", "-n", "dsm", "-l", "app=redis", "-o", "jsonpath={.items[0].metadata.name}");
            k(
                "patch",
                "pod",
                pod,
                "-n",
                "dsm",
                "--subresource=status",
                "--type=merge",
                "-p",
                JSON.stringify({
                    status: { conditions: [{ type: "Ready", status: "False", reason: "TestNotReady" }] },
                }),
            );
            try {
                const failures = await failing();
                assert.match(failures[0] ?? "", /^pod is Running and Ready: /);
            } finally {
                // A new pod replaces it, Ready again, for the suites after this one.
                k("delete", "pod", pod, "-n", "dsm", "--wait=true");
                k("wait", "--for=condition=Available", "deployment/redis", "-n", "dsm", "--timeout=120s");
            }
        });
    });

    describe("fields Kubernetes forbids changing", () => {
        it("refuses another selector on the Deployment, which is why the program never changes it", async () => {
            const deployment = (await programManifests()).find((m) => m.kind === "Deployment") as Manifest & {
                spec: { selector: { matchLabels: Record<string, string> } };
            };
            const changed = {
                ...deployment,
                spec: { ...deployment.spec, selector: { matchLabels: { app: "redis-2" } } },
            };
            assert.match(refusal([changed]), /spec\.selector: Invalid value: .*field is immutable/);
            // Every config renders the same selector, so no config change can reach this refusal.
            const other = (await programManifests({ namespace: "dsm", memoryLimit: "1Gi", port: "6380" })).find(
                (m) => m.kind === "Deployment",
            ) as typeof deployment;
            assert.deepStrictEqual(other.spec.selector, deployment.spec.selector);
        });

        it("refuses another StorageClass on the existing data claim, once it has one", async () => {
            const claim = (await programManifests()).find((m) => m.kind === "PersistentVolumeClaim") as Manifest & {
                spec: Record<string, unknown>;
            };
            // Unset to set is allowed once (the retroactive default StorageClass); from one class to another is not.
            apply([{ ...claim, spec: { ...claim.spec, storageClassName: "fast" } }]);
            assert.match(
                refusal([{ ...claim, spec: { ...claim.spec, storageClassName: "slow" } }]),
                /spec: Forbidden: spec is immutable after creation/,
            );
        });
    });
});
