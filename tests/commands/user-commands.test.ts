/**
 * The commands users type, exactly as typed, with the built `pulumi`, the language host and the plugins on PATH, in a
 * copy of the project, against a fresh local cluster and a local file backend (`npm run test:commands`): the pull
 * request's `pulumi preview --policy-pack policy` (.github/workflows/preview.yml runs the same through
 * pulumi/actions), `pulumi up`, a no-op, a config change, secrets in a diff, `pulumi destroy`. What the local cluster
 * simulates is docs/testing.md's.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { kubectl } from "../../testbed/cluster/local-cluster";
import { projectConfig } from "../../config/project-config";
import { copyProject } from "../../testbed/project-copy";
import { CliRun, pulumiIn, runIn, succeeded } from "../engine/cli-run";
import { engineWorld } from "../engine/hooks";

const STACK = "tier";

describe("the commands users type, on the real engine", function () {
    let dir: string;
    let project: string;

    const run = (command: string, args: readonly string[]): CliRun => runIn(project, command, args);
    const pulumi = (...args: string[]) => pulumiIn(project, STACK, ...args);
    const ok = succeeded;
    const k = (...args: string[]) => kubectl(engineWorld().cluster, args);
    const podUids = () =>
        k("get", "pods", "-n", "dsm", "-l", "app=redis", "-o", "jsonpath={.items[*].metadata.uid}").split(" ");

    before(function () {
        this.timeout(300_000);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-commands-"));
        project = copyProject(dir);
        ok(pulumi("stack", "init"));
    });

    after(function () {
        this.timeout(300_000);
        if (project !== undefined) {
            pulumi("destroy", "--yes");
            pulumi("stack", "rm", "--yes", "--force");
        }
        if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("pulumi config lists every declared key with the default the stack will use", () => {
        const listed = JSON.parse(ok(pulumi("config", "--json")).output) as Record<string, { value?: string }>;
        for (const [key, declared] of Object.entries(projectConfig())) {
            assert.strictEqual(listed[`dsm-redis:${key}`]?.value, String(declared.default), key);
        }
    });

    it("pulumi preview refuses a value of the wrong type for a declared key, naming the key", () => {
        ok(pulumi("config", "set", "port", "abc"));
        const refused = pulumi("preview");
        ok(pulumi("config", "rm", "port"));
        assert.notStrictEqual(refused.status, 0, refused.output.slice(-4000));
        assert.match(refused.output, /configuration key 'port' must be of type 'integer'/);
    });

    it("pulumi preview --policy-pack policy stops an image the organisation's config refuses, naming policy and resource", function () {
        this.timeout(600_000);
        // The component itself refuses an unpinned image; the pack's allowedImages narrows what a pinned one may be.
        const strict = path.join(dir, "strict.json");
        fs.writeFileSync(
            strict,
            JSON.stringify({ "image-pinned": { allowedImages: ["redis:7.2*-alpine", "oliver006/redis_exporter:*"] } }),
        );
        ok(pulumi("config", "set", "image", "valkey/valkey:8-alpine"));
        const refused = pulumi("preview", "--policy-pack", "policy", "--policy-pack-config", strict);
        assert.notStrictEqual(refused.status, 0, refused.output.slice(-4000));
        assert.match(
            refused.output,
            /\[mandatory\]\s+image-pinned\s+\(kubernetes:apps\/v1:Deployment: dsm-redis-deployment\)/,
        );
        assert.match(refused.output, /image is "valkey\/valkey:8-alpine"/);
        ok(pulumi("config", "rm", "image"));
        const passed = ok(pulumi("preview", "--policy-pack", "policy", "--policy-pack-config", strict));
        assert.match(passed.output, /✅ dsm-redis-policies@v0\.1\.0/);
    });

    it("pulumi up --yes --policy-pack policy deploys a bus that npm run verify finds green", function () {
        this.timeout(900_000);
        ok(pulumi("up", "--yes", "--policy-pack", "policy"));
        const verify = ok(run("npm", ["run", "--silent", "verify", "--", "--stack", STACK]));
        assert.doesNotMatch(verify.output, /FAIL/);
        assert.match(verify.output, /pass\s+XINFO GROUPS has the configured groups/);
    });

    it("a second pulumi up changes nothing", function () {
        this.timeout(600_000);
        ok(pulumi("up", "--yes", "--policy-pack", "policy", "--expect-no-changes"));
    });

    it("pulumi config set, then pulumi up: the CronJob is updated in place, the Redis pod is not replaced", function () {
        this.timeout(600_000);
        const before = podUids();
        ok(pulumi("config", "set", "retentionSchedule", "*/5 * * * *"));
        const up = ok(pulumi("up", "--yes", "--policy-pack", "policy", "--diff"));
        assert.match(up.output, /~ kubernetes:batch\/v1:CronJob/);
        assert.doesNotMatch(up.output, /\+-\s*kubernetes:apps\/v1:Deployment|replaced/);
        assert.deepStrictEqual(podUids(), before, "the Redis pod is the same");
    });

    it("pulumi preview --diff shows a secret as [secret], never its value", function () {
        this.timeout(600_000);
        const password = "a-secret-the-diff-must-not-show-0123456789";
        ok(pulumi("config", "set", "--secret", "--path", "passwords.sprint-service", password));
        const stackFile = yaml.load(fs.readFileSync(path.join(project, `Pulumi.${STACK}.yaml`), "utf8"));
        assert.doesNotMatch(JSON.stringify(stackFile), new RegExp(password), "the stack file holds it encrypted");
        const diff = ok(pulumi("preview", "--diff", "--policy-pack", "policy"));
        assert.match(diff.output, /\[secret\]/);
        assert.ok(!diff.output.includes(password), "the password is in the diff");
    });

    it("pulumi destroy --yes keeps what README says it keeps: namespace dsm and the data volume", function () {
        this.timeout(600_000);
        ok(pulumi("destroy", "--yes"));
        assert.strictEqual(k("get", "namespace", "dsm", "-o", "jsonpath={.metadata.name}"), "dsm");
        assert.strictEqual(k("get", "pvc", "redis-data", "-n", "dsm", "-o", "jsonpath={.metadata.name}"), "redis-data");
        assert.throws(() => k("get", "deployment", "redis", "-n", "dsm"), "the Deployment is gone");
    });

    it("npm run local: the main job in one command (cluster, pulumi up, verify), reachable, then down", function () {
        this.timeout(900_000);
        // Its own cluster and state, in the tier's temp folder; the tier's own cluster is not touched.
        const env = { ...engineWorld().engine.env, DSM_LOCAL_DIR: path.join(dir, "local") };
        const local = (...args: string[]) => runIn(project, "npm", ["run", "--silent", "local", "--", ...args], env);
        const up = ok(local("up"));
        assert.match(up.output, /Cold, on 2 cores, that takes about/);
        assert.match(up.output, /pass\s+XINFO GROUPS has the configured groups/);
        assert.doesNotMatch(up.output, /FAIL/);
        assert.match(up.output, /npm run cli -- --stack local/);
        const exports = ok(local("env")).output;
        assert.match(exports, /^export KUBECONFIG='.+'$/m);
        assert.ok(!exports.includes(engineWorld().cluster.kubeconfig), "the local cluster's kubeconfig, not another");
        const ping = spawnSync("bash", ["-c", `${exports}\nnpm run --silent cli -- --stack local PING`], {
            cwd: project,
            encoding: "utf8",
            timeout: 120_000,
        });
        assert.strictEqual(ping.stdout.trim(), "PONG", ping.stdout + ping.stderr);
        const down = ok(local("down"));
        assert.match(down.output, /Destroyed stack local and stopped the local cluster/);
        assert.ok(!fs.existsSync(path.join(dir, "local", "cluster")), "the cluster's folder is gone");
    });
});
