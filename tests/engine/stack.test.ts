/**
 * The project's own commands on the real engine and the local control plane: preview with the policy pack, deploy,
 * verify, a no-op deploy, config changes, a policy violation, a bad config value, and destroy. Each command runs as a
 * user runs it, `npm run …`, with the tier's environment (docs/testing.md, "The engine tier").
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Redis from "ioredis";
import { kubectl } from "../../testbed/cluster/local-cluster";
import { REPO_ROOT } from "../../ops/lib/repo-root";
import { readBackup } from "../../ops/lib/backup-file";
import { engineWorld } from "./hooks";
import { connectOnce } from "../helpers/connect-once";

interface Run {
    readonly status: number | null;
    readonly output: string;
    readonly seconds: number;
}

/** `npm run <script> -- <args>` in the repository, with the tier's environment. */
export function npmRun(script: string, args: readonly string[] = []): Run {
    const started = Date.now();
    const run = spawnSync("npm", ["run", "--silent", script, "--", ...args], {
        cwd: REPO_ROOT,
        env: engineWorld().engine.env,
        encoding: "utf8",
        timeout: 900_000,
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}`, seconds: (Date.now() - started) / 1000 };
}

function succeeded(run: Run): Run {
    assert.strictEqual(run.status, 0, run.output.slice(-4000));
    return run;
}

/** Writes Pulumi.<stack>.yaml with these `dsm-redis:` keys. */
function stackConfig(stack: string, config: Record<string, string>): void {
    const lines = Object.entries(config).map(([k, v]) => `    dsm-redis:${k}: ${JSON.stringify(v)}`);
    fs.writeFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), ["config:", ...lines, ""].join("\n"));
}

const k = (...args: string[]) => kubectl(engineWorld().cluster, args);
const exists = (kind: string, name: string, namespace?: string) => {
    try {
        k("get", kind, name, ...(namespace ? ["-n", namespace] : []));
        return true;
    } catch {
        return false;
    }
};
const podUids = () =>
    k("get", "pods", "-n", "dsm", "-l", "app=redis", "-o", "jsonpath={.items[*].metadata.uid}").split(" ");

const adminPassword = () =>
    Buffer.from(
        k("get", "secret", "redis-dsm-admin", "-n", "dsm", "-o", "jsonpath={.data.REDIS_PASSWORD}"),
        "base64",
    ).toString();

/**
 * A connection straight to what the node agent runs behind Service redis (the redis-server, or a replicated bus's
 * proxy), as the admin, to see what reached Redis.
 */
async function redis(): Promise<Redis> {
    const password = adminPassword();
    const client = new Redis({
        host: "127.0.0.1",
        port: engineWorld().cluster.redisPort,
        username: "dsm-admin",
        password,
        lazyConnect: true,
        maxRetriesPerRequest: 2,
    });
    await client.connect();
    return client;
}

const STACK = "engine-main";
/** How many resources the first preview plans to create: the deploy creates them, a no-op leaves them unchanged. */
let planned = 0;
export const timings: Record<string, number> = {};

describe("the project's commands on the real engine", function () {
    this.timeout(900_000);

    it("npm run preview shows the plan, the policy pack enforced by the engine, and changes nothing", () => {
        stackConfig(STACK, {});
        const run = succeeded(npmRun("preview", ["--stack", STACK]));
        timings.preview = run.seconds;
        planned = Number(/\+ (\d+) to create/.exec(run.output)?.[1]);
        assert.ok(planned > 15, run.output.slice(-2000));
        assert.match(run.output, /Policies:\n\s+✅ dsm-redis-policies@v0\.1\.0/);
        assert.match(run.output, /\+\s+kubernetes:apps\/v1:Deployment dsm-redis-deployment create/);
        assert.strictEqual(exists("namespace", "dsm"), false);
    });

    it("a bad config value stops preview before anything reaches the cluster, naming the key", () => {
        stackConfig("engine-bad", { memoryLimit: "100MB", port: "0" });
        const run = npmRun("preview", ["--stack", "engine-bad"]);
        assert.strictEqual(run.status, 1, run.output);
        assert.match(run.output, /dsm-redis:memoryLimit: "100MB": it is not a valid quantity/);
        assert.match(run.output, /dsm-redis:port: 0 is not a TCP port/);
        assert.doesNotMatch(run.output, /kubernetes:/, "no Kubernetes object was planned");
        assert.strictEqual(exists("namespace", "dsm"), false);
    });

    it("a policy violation stops the deploy with the policy's message, and nothing is created", () => {
        const strict = path.join(engineWorld().engine.dir, "strict-policy.json");
        fs.writeFileSync(strict, JSON.stringify({ "resources-bounded": { maxMemory: "128Mi" } }));
        const run = npmRun("deploy", ["--stack", STACK, "--policy-config", strict]);
        assert.strictEqual(run.status, 1, run.output);
        assert.match(
            run.output,
            /\[mandatory\]\s+resources-bounded\s+\(kubernetes:apps\/v1:Deployment: dsm-redis-deployment\)/,
        );
        assert.match(run.output, /limits\.memory is "200Mi": the limit is above the maximum "128Mi" \(maxMemory\)/);
        assert.strictEqual(exists("namespace", "dsm"), false, "nothing was created");
    });

    it("npm run deploy creates everything, and npm run verify passes all its checks", () => {
        const deploy = succeeded(npmRun("deploy", ["--stack", STACK]));
        timings.firstDeploy = deploy.seconds;
        assert.match(deploy.output, new RegExp(`\\+ ${planned} created`));
        const verify = succeeded(npmRun("verify", ["--stack", STACK]));
        timings.firstDeploy += verify.seconds;
        assert.strictEqual((verify.output.match(/^pass /gm) ?? []).length, 6, verify.output);
    });

    it("a second deploy changes nothing, and the stream-groups provider sends Redis nothing", async () => {
        const client = await redis();
        try {
            // The provisioner names each connection it makes (redis-link/session.ts); the retention CronJob's Jobs,
            // which run for real every minute, connect too, unnamed, and are not what this counts.
            const connections = async () =>
                Number(/cmdstat_client\|setname:calls=(\d+)/.exec(await client.info("commandstats"))?.[1] ?? 0);
            const before = await connections();
            const run = succeeded(npmRun("deploy", ["--stack", STACK]));
            timings.noOpDeploy = run.seconds;
            assert.match(run.output, new RegExp(`${planned} unchanged`));
            assert.doesNotMatch(run.output, /updated|created|replaced|deleted/);
            assert.strictEqual(await connections(), before, "the provisioner connected to Redis");
        } finally {
            client.disconnect();
        }
    });

    it("a consumer group added: the group exists, and the pod did not restart", async () => {
        const pods = podUids();
        stackConfig(STACK, {
            groups: JSON.stringify(["sprint-service", "project-service", "backlog-service", "audit"]),
        });
        const run = succeeded(npmRun("deploy", ["--stack", STACK]));
        assert.match(run.output, /1 updated/);
        assert.deepStrictEqual(podUids(), pods);
        const client = await redis();
        try {
            const groups = ((await client.xinfo("GROUPS", "dsm:events")) as string[][]).map((g) => g[1]).sort();
            assert.deepStrictEqual(groups, ["audit", "backlog-service", "project-service", "sprint-service"]);
        } finally {
            client.disconnect();
        }
    });

    it("the memory limit changed: the pod rolls, and maxmemory follows", async () => {
        const pods = podUids();
        stackConfig(STACK, {
            groups: JSON.stringify(["sprint-service", "project-service", "backlog-service", "audit"]),
            memoryLimit: "256Mi",
        });
        succeeded(npmRun("deploy", ["--stack", STACK]));
        const after = podUids();
        assert.strictEqual(after.length, 1);
        assert.notDeepStrictEqual(after, pods, "a new pod");
        const client = await redis();
        try {
            // (256 - 16) / 2 MiB: the memory arithmetic of README, on the server that now runs.
            assert.match(await client.info("memory"), /^maxmemory:125829120\r?$/m);
        } finally {
            client.disconnect();
        }
    });

    it("a service user added and a password rotated: no pod restart, and the server has them at once", async () => {
        const pods = podUids();
        const base = {
            groups: JSON.stringify(["sprint-service", "project-service", "backlog-service", "audit"]),
            memoryLimit: "256Mi",
        };
        const users = JSON.stringify([
            { name: "sprint-service", roles: ["publish", "consume"] },
            { name: "project-orchestrator", roles: ["publish"] },
            { name: "project-service", roles: ["consume"] },
            { name: "backlog-service", roles: ["consume"] },
            { name: "audit-service", roles: ["consume"] },
        ]);
        stackConfig(STACK, { ...base, users });
        succeeded(npmRun("deploy", ["--stack", STACK]));
        assert.deepStrictEqual(podUids(), pods, "the pod did not restart for a new user");
        const secret = (user: string) =>
            Buffer.from(
                k("get", "secret", `redis-${user}`, "-n", "dsm", "-o", "jsonpath={.data.REDIS_PASSWORD}"),
                "base64",
            ).toString();
        const asUser = async (user: string, password: string) => {
            const client = await connectOnce({ port: engineWorld().cluster.redisPort, username: user, password });
            try {
                return await client.ping();
            } finally {
                client.disconnect();
            }
        };
        assert.strictEqual(await asUser("audit-service", secret("audit-service")), "PONG");

        const oldPassword = secret("sprint-service");
        stackConfig(STACK, {
            ...base,
            users,
            passwords: JSON.stringify({ "sprint-service": "sprint-service-rotated-by-config" }),
        });
        succeeded(npmRun("deploy", ["--stack", STACK]));
        assert.deepStrictEqual(podUids(), pods, "the pod did not restart for a rotated password");
        assert.strictEqual(await asUser("sprint-service", "sprint-service-rotated-by-config"), "PONG");
        await assert.rejects(asUser("sprint-service", oldPassword), /WRONGPASS/);
    });

    it("npm run backup writes the bus to a file; npm run restore refuses a bus with data, and puts it back with --force", async () => {
        const file = path.join(engineWorld().engine.dir, "bus.backup.json");
        const backup = succeeded(npmRun("backup", ["--stack", STACK, "--out", file]));
        timings.backup = backup.seconds;
        assert.match(
            backup.output,
            /Backed up dsm:events of stack engine-main: \d+ entries, .*groups .*sprint-service \(last [0-9-]+, 0 pending\).*; read from the master; /,
        );
        const client = await redis();
        const length = await client.xlen("dsm:events");
        await client.xadd("dsm:events", "*", "type", "WrittenAfterTheBackup");
        client.disconnect();

        const refused = npmRun("restore", [file, "--stack", STACK]);
        assert.strictEqual(refused.status, 2, refused.output);
        assert.match(
            refused.output,
            /stream dsm:events already holds \d+ entr(y|ies) and 4 groups; nothing was restored\. Pass --force/,
        );
        const restore = succeeded(npmRun("restore", [file, "--stack", STACK, "--force"]));
        timings.restore = restore.seconds;
        assert.match(restore.output, /Restored dsm:events \(\d+ entries, groups .*\) from .*bus\.backup\.json/);
        const after = await redis();
        try {
            assert.strictEqual(await after.xlen("dsm:events"), length, "the bus is as it was backed up");
        } finally {
            after.disconnect();
        }
    });

    it("npm run cli: one command through the real port-forward, as the admin or a service user", () => {
        const groups = succeeded(npmRun("cli", ["--stack", STACK, "XINFO", "GROUPS", "dsm:events"]));
        assert.match(groups.output, /"sprint-service"/);
        const refused = npmRun("cli", [
            "--stack",
            STACK,
            "--user",
            "project-service",
            "XADD",
            "dsm:events",
            "*",
            "a",
            "b",
        ]);
        assert.strictEqual(refused.status, 1, refused.output);
        assert.match(refused.output, /\(error\) NOPERM/);
    });

    it("npm run cli: an interactive session in a terminal (tmux), with the password on no command line", async () => {
        const session = `dsm-cli-${process.pid}`;
        const script = path.join(engineWorld().engine.dir, "cli-session.sh");
        const env = engineWorld().engine.env;
        const exports = [
            "PATH",
            "PULUMI_HOME",
            "PULUMI_BACKEND_URL",
            "PULUMI_CONFIG_PASSPHRASE",
            "PULUMI_SKIP_UPDATE_CHECK",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION",
            "KUBECONFIG",
        ].map((key) => `export ${key}='${env[key] ?? ""}'`);
        fs.writeFileSync(
            script,
            [...exports, `cd '${REPO_ROOT}'`, `exec npm run --silent cli -- --stack ${STACK}`, ""].join("\n"),
        );
        const tmux = (...args: string[]) => spawnSync("tmux", args, { encoding: "utf8" });
        const screen = () => tmux("capture-pane", "-p", "-t", session).stdout;
        const until = async (text: RegExp) => {
            const deadline = Date.now() + 90_000;
            while (!text.test(screen())) {
                if (Date.now() > deadline) assert.fail(`the terminal never showed ${text}:\n${screen()}`);
                await new Promise((resolve) => setTimeout(resolve, 200));
            }
        };
        assert.strictEqual(
            tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "40", `bash ${script}`).status,
            0,
        );
        try {
            await until(/Connected to service dsm\/redis port 6379 via Kubernetes port-forward as dsm-admin/);
            tmux("send-keys", "-t", session, "XLEN dsm:events", "Enter");
            await until(/dsm-redis\(dsm-admin\)> XLEN dsm:events\n\(integer\) \d+/);
            tmux("send-keys", "-t", session, "FLUSHALL", "Enter");
            await until(/\(error\) NOPERM/);
            const password = Buffer.from(
                k("get", "secret", "redis-dsm-admin", "-n", "dsm", "-o", "jsonpath={.data.REDIS_PASSWORD}"),
                "base64",
            ).toString();
            const commandLines = fs
                .readdirSync("/proc")
                .filter((pid) => /^\d+$/.test(pid))
                .map((pid) => {
                    try {
                        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
                    } catch {
                        return "";
                    }
                });
            assert.ok(
                commandLines.some((line) => line.includes("ops/cli.ts")),
                "the session is running",
            );
            assert.ok(!commandLines.some((line) => line.includes(password)), "the password is on a command line");
            tmux("send-keys", "-t", session, "quit", "Enter");
            const deadline = Date.now() + 30_000;
            while (tmux("has-session", "-t", session).status === 0 && Date.now() < deadline) {
                await new Promise((resolve) => setTimeout(resolve, 200));
            }
            assert.notStrictEqual(tmux("has-session", "-t", session).status, 0, "quit ended the session");
        } finally {
            tmux("kill-session", "-t", session);
        }
    });

    it("npm run destroy asks first: without a terminal and without --yes it destroys nothing", () => {
        const run = npmRun("destroy", ["--stack", STACK]);
        assert.strictEqual(run.status, 2, run.output);
        assert.match(
            run.output,
            /npm run destroy asks before it destroys stack engine-main on context dsm-local \(https:\/\/127\.0\.0\.1:\d+\)/,
        );
        assert.ok(exists("deployment", "redis", "dsm"));
    });

    it("npm run destroy --yes removes the bus and keeps the namespace with the data volume, which a deploy adopts", async () => {
        const client = await redis();
        await client.xadd("dsm:events", "*", "type", "SprintStarted", "sprint", "kept-across-destroy");
        const length = await client.xlen("dsm:events");
        client.disconnect();
        const destroy = succeeded(npmRun("destroy", ["--stack", STACK, "--yes"]));
        timings.destroy = destroy.seconds;
        assert.match(
            destroy.output,
            /Kept: namespace dsm with PersistentVolumeClaim redis-data.*kubectl delete namespace dsm --context dsm-local/,
        );
        for (const [kind, name] of [
            ["deployment", "redis"],
            ["service", "redis"],
            ["secret", "redis-acl"],
            ["configmap", "redis-config"],
        ]) {
            assert.strictEqual(exists(kind, name, "dsm"), false, `${kind}/${name} is gone`);
        }
        assert.ok(exists("namespace", "dsm") && exists("persistentvolumeclaim", "redis-data", "dsm"));

        succeeded(npmRun("deploy", ["--stack", STACK]));
        const after = await redis();
        try {
            assert.strictEqual(await after.xlen("dsm:events"), length, "every event came back with the volume");
            const last = (await after.xrevrange("dsm:events", "+", "-", "COUNT", 1)) as Array<[string, string[]]>;
            assert.deepStrictEqual(last[0][1], ["type", "SprintStarted", "sprint", "kept-across-destroy"]);
        } finally {
            after.disconnect();
        }
    });

    it("deleteDataOnDestroy: destroy deletes the namespace and the volume too", () => {
        stackConfig(STACK, { deleteDataOnDestroy: "true" });
        succeeded(npmRun("deploy", ["--stack", STACK]));
        const destroy = succeeded(npmRun("destroy", ["--stack", STACK, "--yes"]));
        assert.match(destroy.output, /Nothing was kept\./);
        k("wait", "--for=delete", "namespace/dsm", "--timeout=120s");
        assert.strictEqual(exists("namespace", "dsm"), false);
    });

    it("growing a live bus from 1 node to 3: preview refuses it naming replicas, and the documented path keeps every event", async () => {
        const grow = "engine-grow";
        stackConfig(grow, { deleteDataOnDestroy: "true" });
        succeeded(npmRun("deploy", ["--stack", grow]));
        const single = await redis();
        for (let i = 0; i < 50; i++) await single.xadd("dsm:events", "*", "type", "TASK_UPDATED", "n", String(i));
        // Ten delivered and not acknowledged: pending entries the move must keep.
        await single.xreadgroup("GROUP", "sprint-service", "worker-1", "COUNT", 10, "STREAMS", "dsm:events", ">");
        const length = await single.xlen("dsm:events");
        single.disconnect();
        const pods = podUids();

        stackConfig(grow, { deleteDataOnDestroy: "true", replicas: "3", backup: "true" });
        const refused = npmRun("preview", ["--stack", grow]);
        assert.strictEqual(refused.status, 1, refused.output);
        assert.match(refused.output, /replicas.*this bus runs 1 node; changing replicas to 3 on a live bus is refused/);
        assert.match(refused.output, /"Growing a bus"/);
        assert.deepStrictEqual(podUids(), pods, "nothing changed");
        const up = npmRun("deploy", ["--stack", grow]);
        assert.strictEqual(up.status, 1, up.output);
        assert.deepStrictEqual(podUids(), pods, "a deploy is refused the same way");

        // docs/high-availability.md, "Growing a bus": back up, destroy, deploy with replicas, restore.
        const file = path.join(engineWorld().engine.dir, "grow.backup.json");
        succeeded(npmRun("backup", ["--stack", grow, "--out", file]));
        succeeded(npmRun("destroy", ["--stack", grow, "--yes"]));
        k("wait", "--for=delete", "namespace/dsm", "--timeout=120s");
        succeeded(npmRun("deploy", ["--stack", grow]));
        assert.strictEqual(k("get", "statefulset", "redis-node", "-n", "dsm", "-o", "jsonpath={.spec.replicas}"), "3");
        assert.match(
            k("get", "deployment", "redis", "-n", "dsm", "-o", "jsonpath={.spec.template.spec.containers[0].image}"),
            /^haproxy:/,
        );
        // The new bus has its groups already (the deploy made them), which have delivered nothing: the restore
        // replaces them with the backup's without --force.
        succeeded(npmRun("restore", [file, "--stack", grow]));

        // Through Service redis, now the proxy in front of the master; and on a replica, directly.
        const bus = await redis();
        try {
            assert.strictEqual(await bus.xlen("dsm:events"), length, "every event came over");
            const pending = (await bus.xpending("dsm:events", "sprint-service")) as [number, ...unknown[]];
            assert.strictEqual(pending[0], 10, "the pending entries came over");
            assert.strictEqual(Number(await bus.call("WAIT", "2", "5000")), 2, "both replicas have the restore");
        } finally {
            bus.disconnect();
        }
        const { addresses, redisPort } = engineWorld().cluster.replicated;
        /** One call on each node directly, as the admin. */
        const onEachNode = <T>(call: (node: Redis) => Promise<T>): Promise<T[]> =>
            Promise.all(
                addresses.slice(0, 3).map(async (host) => {
                    const node = new Redis({
                        host,
                        port: redisPort,
                        username: "dsm-admin",
                        password: adminPassword(),
                        lazyConnect: true,
                    });
                    try {
                        await node.connect();
                        return await call(node);
                    } finally {
                        node.disconnect();
                    }
                }),
            );
        /** How often each node ran XRANGE, scripts' calls included: where a backup read its pages. */
        const xrangeCalls = () =>
            onEachNode(async (node) =>
                Number(/^cmdstat_xrange:calls=(\d+)/m.exec(await node.info("commandstats"))?.[1] ?? 0),
            );
        const roles = await onEachNode(async (node) => {
            const role = /^role:(\w+)/m.exec(await node.info("replication"))?.[1];
            return [role, await node.xlen("dsm:events")] as const;
        });
        assert.deepStrictEqual(roles.map(([role]) => role).sort(), ["master", "slave", "slave"]);
        // Every node holds every event: the restore reached the replicas through replication.
        assert.deepStrictEqual(
            roles.map(([, entries]) => entries),
            [length, length, length],
        );
        // The retention CronJob's next run reaches the master through Service redis, and records it there.
        const restored = Math.floor(Date.now() / 1000);
        const master = await redis();
        try {
            const deadline = Date.now() + 150_000;
            while (Number((await master.get("dsm:retention:last-run")) ?? 0) < restored) {
                if (Date.now() > deadline) assert.fail("no retention run reached the master within 150 s");
                await new Promise((resolve) => setTimeout(resolve, 1000));
            }
        } finally {
            master.disconnect();
        }
        // The scheduled backup, run now, cuts on the master through Service redis and reads its pages from a
        // replica, into its claim; so does npm run backup, through port-forwards to the master's proxy and the replica.
        const masterNode = roles.findIndex(([role]) => role === "master");
        const readBefore = await xrangeCalls();
        k("create", "job", "backup-now", "--from=cronjob/redis-backup", "-n", "dsm");
        k("wait", "--for=condition=complete", "job/backup-now", "-n", "dsm", "--timeout=120s");
        // Only a backup reads a replica (the retention CronJob reads the master meanwhile, and is not counted).
        const onReplicas = (after: number[], before: number[]) =>
            after.reduce((sum, calls, n) => (n === masterNode ? sum : sum + calls - before[n]), 0);
        const readByJob = await xrangeCalls();
        assert.strictEqual(onReplicas(readByJob, readBefore), 1, "the Job read its one page of entries on a replica");
        const volume = k("get", "pvc", "redis-backups", "-n", "dsm", "-o", "jsonpath={.spec.volumeName}");
        const folder = k("get", "pv", volume, "-o", "jsonpath={.spec.hostPath.path}");
        const [scheduled] = fs.readdirSync(folder).filter((name) => name.endsWith(".backup"));
        const saved = readBackup(fs.readFileSync(path.join(folder, scheduled), "utf8"), scheduled).snapshot;
        assert.strictEqual(saved.entries.length, length);
        assert.strictEqual(saved.groups.find((g) => g.name === "sprint-service")?.pending.length, 10);
        const byHand = succeeded(npmRun("backup", ["--stack", grow, "--out", `${file}.again`]));
        assert.match(byHand.output, new RegExp(`Backed up dsm:events of stack ${grow}: ${length} entries`));
        assert.match(byHand.output, /; read from replica redis-node-\d; to /);
        assert.strictEqual(onReplicas(await xrangeCalls(), readByJob), 1, "npm run backup read its page on a replica");
        // The operator's commands on the replicated bus: verify checks every node and proxy, cli reaches the master.
        const verify = succeeded(npmRun("verify", ["--stack", grow]));
        assert.strictEqual((verify.output.match(/^pass /gm) ?? []).length, 6, verify.output);
        assert.match(
            verify.output,
            /every node and proxy pod is Running and Ready.*redis-node-0, redis-node-1, redis-node-2 and 2 proxies/,
        );
        assert.match(verify.output, /log says "Ready to accept connections".*3 nodes/);
        const xlen = succeeded(npmRun("cli", ["--stack", grow, "XLEN", "dsm:events"]));
        assert.match(xlen.output, new RegExp(`\\(integer\\) ${length}`));
        succeeded(npmRun("destroy", ["--stack", grow, "--yes"]));
        k("wait", "--for=delete", "namespace/dsm", "--timeout=120s");
    });

    it("runs the integration test of tests/integration for real: up, verify, up with no changes, destroy", () => {
        const run = succeeded(npmRun("test:integration"));
        assert.match(run.output, /1 passing/);
        assert.doesNotMatch(run.output, /pending|skipped/);
    });
});
