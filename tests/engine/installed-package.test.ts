/**
 * Adopted from a registry, under the real engine: a consumer program in a temp folder installs the `npm pack` tarball
 * (unpacked into node_modules as npm leaves it, not a link to the source tree) and runs with the plain CLI, the
 * language host and the local cluster: `pulumi up`, a no-op `pulumi up`, `pulumi destroy`. The dynamic providers
 * (ACL users, stream groups, the topology guard) are serialized from the installed package and run by the engine from the state. The
 * policy pack, packed the same way and run from its own temp folder, stops a preview on an unpinned image.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadPolicyPackConfig } from "../../policy/pack-config";
import { policies } from "../../policy/policies";
import { runPolicies } from "../../policy/run-policies";
import { POLICY_CONFIG_CASES } from "../fixtures/policy-config-cases";
import { installTarball, installPackedPolicyPack, packPackage } from "../helpers/installed-package";
import { CliRun, pulumiIn, succeeded } from "./cli-run";
import { groupsSeenBy } from "./groups-as-user";
import { CONSUMER_NAMESPACE, engineWorld } from "./hooks";

/** The consumer's own workload, which only the policy pack judges: an unpinned image, no resources, no probes. */
const WORKER = {
    metadata: { name: "worker", namespace: CONSUMER_NAMESPACE },
    spec: {
        selector: { matchLabels: { app: "worker" } },
        template: {
            metadata: { labels: { app: "worker" } },
            spec: { containers: [{ name: "worker", image: "nginx" }] },
        },
    },
};

/**
 * The consumer's program: what a user writes after `npm install dsm-redis`, in plain JavaScript. With `workerOnly`
 * it declares the worker alone (the policy-config stack); with `worker` it adds it beside the bus.
 */
const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const k8s = require("@pulumi/kubernetes");
const { DsmRedis } = require("dsm-redis");
const config = new pulumi.Config();
let provider;
if (!config.getBoolean("workerOnly")) {
    const bus = new DsmRedis("bus", {
        namespace: ${JSON.stringify(CONSUMER_NAMESPACE)},
        deleteDataOnDestroy: true,
        users: [{ name: "billing", roles: ["publish", "consume"] }],
        groups: [{ name: "billing" }, { name: "audit", startId: "$" }],
    });
    provider = bus.kubernetesProvider;
    exports.host = bus.host;
    exports.groups = bus.groups;
}
if (config.getBoolean("worker") || config.getBoolean("workerOnly")) {
    new k8s.apps.v1.Deployment("worker", ${JSON.stringify(WORKER)}, { provider });
}
`;

describe("the package installed from its tarball, under the real engine", function () {
    let dir: string;
    let consumer: string;
    let pack: string;

    const pulumiAt = (stack: string, ...args: string[]): CliRun => pulumiIn(consumer, stack, ...args);
    const pulumi = (...args: string[]): CliRun => pulumiAt("dev", ...args);
    const ok = (run: CliRun): CliRun => {
        succeeded(run);
        assert.doesNotMatch(run.output, /unhandled/i, "an unhandled rejection or exception in the run");
        return run;
    };

    before(function () {
        this.timeout(300_000);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-consumer-"));
        consumer = path.join(dir, "consumer");
        installTarball(packPackage(dir).tarball, consumer);
        pack = installPackedPolicyPack(dir);
        fs.writeFileSync(path.join(consumer, "index.js"), PROGRAM);
        fs.writeFileSync(
            path.join(consumer, "package.json"),
            JSON.stringify({ name: "consumer", main: "index.js", dependencies: { "dsm-redis": "^0.1.0" } }),
        );
        fs.writeFileSync(path.join(consumer, "Pulumi.yaml"), "name: consumer\nruntime: nodejs\n");
        ok(pulumiAt("dev", "stack", "init"));
        ok(pulumiAt("policy", "stack", "init"));
        ok(pulumiAt("policy", "config", "set", "workerOnly", "true"));
    });

    after(function () {
        this.timeout(300_000);
        if (consumer !== undefined && fs.existsSync(path.join(consumer, "Pulumi.yaml"))) {
            pulumi("destroy", "--yes");
            pulumi("stack", "rm", "--yes", "--force");
            pulumiAt("policy", "stack", "rm", "--yes", "--force");
        }
        if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("pulumi preview with the packed policy pack stops an unpinned image, naming the policy and the resource", function () {
        this.timeout(600_000);
        ok(pulumi("config", "set", "worker", "true"));
        const run = pulumi("preview", "--policy-pack", pack);
        ok(pulumi("config", "rm", "worker"));
        assert.notStrictEqual(run.status, 0, run.output.slice(-4000));
        assert.match(run.output, /dsm-redis-policies@v[\d.]+ \(local: /);
        assert.match(run.output, /\[mandatory\]\s+image-pinned\s+\(kubernetes:apps\/v1:Deployment: worker\)/);
        assert.match(run.output, /Deployment consumer-bus\/worker.*image is "nginx"/);
    });

    it("pulumi up creates the bus, its dynamic providers running from the installed package", async function () {
        this.timeout(900_000);
        ok(pulumi("up", "--yes", "--policy-pack", pack));
        const state = JSON.parse(pulumi("stack", "export").output) as {
            deployment: { resources: Array<{ type: string; inputs?: { __provider?: unknown } }> };
        };
        const dynamic = state.deployment.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
        assert.deepStrictEqual(dynamic.map((r) => r.type).sort(), [
            "pulumi-nodejs:dynamic/dsm:RedisAclUsers",
            "pulumi-nodejs:dynamic/dsm:RedisStreamGroups",
            "pulumi-nodejs:dynamic/dsm:RedisTopologyGuard",
        ]);
        // The groups reached Redis, and the consumer's user reads them with its own credentials.
        assert.deepStrictEqual(await groupsSeenBy(engineWorld().cluster, CONSUMER_NAMESPACE, "billing"), [
            "audit",
            "billing",
        ]);
    });

    it("a second pulumi up changes nothing", function () {
        this.timeout(600_000);
        const run = ok(pulumi("up", "--yes", "--expect-no-changes", "--policy-pack", pack));
        assert.doesNotMatch(run.output, /\b(to create|created|updated|replaced|deleted)\b/);
    });

    it("pulumi destroy removes it, the dynamic providers' delete running from the state", function () {
        this.timeout(600_000);
        ok(pulumi("destroy", "--yes"));
        const state = JSON.parse(pulumi("stack", "export").output) as { deployment: { resources?: unknown[] } };
        assert.deepStrictEqual(state.deployment.resources ?? [], []);
    });

    /** The (policy, level) pairs a preview reported for the worker, or "refused" when the config stopped it. */
    function engineVerdict(file: string): string[] | "refused" {
        const run = pulumiAt("policy", "preview", "--policy-pack", pack, "--policy-pack-config", file);
        if (!/^Policies:/m.test(run.output)) {
            assert.notStrictEqual(run.status, 0, run.output.slice(-3000));
            assert.match(run.output, /polic/i, run.output.slice(-3000));
            return "refused";
        }
        const pairs = [...run.output.matchAll(/- \[(\w+)\]\s+([\w-]+)\s+\(kubernetes:apps\/v1:Deployment: worker\)/g)];
        return [...new Set(pairs.map((m) => `${m[2]}=${m[1]}`))].sort();
    }

    /** The same for check-policies' reading of the file, over the same worker. */
    async function checkPoliciesVerdict(text: string): Promise<string[] | "refused"> {
        let config;
        try {
            config = loadPolicyPackConfig(policies, text);
        } catch {
            return "refused";
        }
        const worker = { type: "kubernetes:apps/v1:Deployment", name: "worker", urn: "urn:worker", props: WORKER };
        const violations = await runPolicies(policies, [worker], config);
        return [...new Set(violations.map((v) => `${v.policy}=${v.enforcementLevel}`))].sort();
    }

    it("check-policies and the engine give each policy-config file of the table the same meaning", async function () {
        this.timeout(900_000);
        const differences: string[] = [];
        for (const [i, c] of POLICY_CONFIG_CASES.entries()) {
            const file = path.join(dir, `policy-config-${i}.json`);
            fs.writeFileSync(file, c.text);
            const engine = engineVerdict(file);
            const ours = await checkPoliciesVerdict(c.text);
            const defaults = await checkPoliciesVerdict("{}");
            // The one deliberate difference: a name that is no policy of the pack, which the engine ignores.
            const expectedOfEngine = c.engine === "ignores" ? defaults : ours;
            if (JSON.stringify(engine) !== JSON.stringify(expectedOfEngine)) {
                differences.push(`${c.name}: engine ${JSON.stringify(engine)}, check-policies ${JSON.stringify(ours)}`);
            }
            if (c.refused !== undefined) assert.strictEqual(ours, "refused", c.name);
        }
        assert.deepStrictEqual(differences, []);
    });
});
