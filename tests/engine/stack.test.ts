/**
 * The project's own commands on the real engine and the local control plane: preview with the policy pack, deploy,
 * verify, a no-op deploy, config changes, a policy violation, a bad config value, and destroy. Each command runs as a
 * user runs it, `npm run …`, with the tier's environment (README, "The engine tier").
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Redis from "ioredis";
import { kubectl } from "../../scripts/lib/cluster/local-cluster";
import { ROOT, engineWorld } from "./hooks";

interface Run {
    readonly status: number | null;
    readonly output: string;
    readonly seconds: number;
}

/** `npm run <script> -- <args>` in the repository, with the tier's environment. */
export function npmRun(script: string, args: readonly string[] = []): Run {
    const started = Date.now();
    const run = spawnSync("npm", ["run", "--silent", script, "--", ...args], {
        cwd: ROOT,
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
    fs.writeFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), ["config:", ...lines, ""].join("\n"));
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

/** A connection straight to the node agent's redis-server, as the admin, to see what reached Redis. */
async function redis(): Promise<Redis> {
    const password = Buffer.from(
        k("get", "secret", "redis-dsm-admin", "-n", "dsm", "-o", "jsonpath={.data.REDIS_PASSWORD}"),
        "base64",
    ).toString();
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
export const timings: Record<string, number> = {};

describe("the project's commands on the real engine", function () {
    this.timeout(900_000);

    it("npm run preview shows the plan, the policy pack enforced by the engine, and changes nothing", () => {
        stackConfig(STACK, {});
        const run = succeeded(npmRun("preview", ["--stack", STACK]));
        timings.preview = run.seconds;
        assert.match(run.output, /\+ 20 to create/);
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
        assert.match(deploy.output, /\+ 20 created/);
        const verify = succeeded(npmRun("verify", ["--stack", STACK]));
        timings.firstDeploy += verify.seconds;
        assert.strictEqual((verify.output.match(/^pass /gm) ?? []).length, 6, verify.output);
    });

    it("a second deploy changes nothing, and the stream-groups provider sends Redis nothing", async () => {
        const client = await redis();
        try {
            const connections = async () =>
                Number(/total_connections_received:(\d+)/.exec(await client.info("stats"))?.[1]);
            const before = await connections();
            const run = succeeded(npmRun("deploy", ["--stack", STACK]));
            timings.noOpDeploy = run.seconds;
            assert.match(run.output, /20 unchanged/);
            assert.doesNotMatch(run.output, /updated|created|replaced|deleted/);
            assert.strictEqual(await connections(), before, "no connection reached Redis");
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
});
