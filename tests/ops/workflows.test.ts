/** The GitHub Actions workflows cannot run here; this reads them and checks the keys that matter. */
import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { REPO_ROOT } from "../../ops/lib/repo-root";

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Workflow {
    on: Record<string, unknown>;
    jobs: Record<string, { steps: Step[]; strategy?: { matrix?: { node?: number[] } } }>;
}

const load = (name: string) =>
    yaml.load(fs.readFileSync(path.join(REPO_ROOT, ".github", "workflows", name), "utf8")) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

describe("GitHub Actions workflows", () => {
    it("ci.yml runs npm ci and npm test on Node 22 and 24, with redis-server installed", () => {
        const ci = load("ci.yml");
        assert.ok("pull_request" in ci.on && "push" in ci.on);
        const job = Object.values(ci.jobs)[0];
        assert.deepStrictEqual(job.strategy?.matrix?.node, [22, 24]);
        const runs = steps(ci).map((s) => s.run ?? s.uses);
        const order = ["actions/setup-node@v4", "redis-server", "npm ci", "npm test"].map((needle) =>
            runs.findIndex((r) => r?.includes(needle)),
        );
        assert.ok(
            order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])),
            JSON.stringify(runs),
        );
        assert.strictEqual(
            steps(ci).find((s) => s.uses?.startsWith("actions/setup-node"))?.with?.["node-version"],
            "${{ matrix.node }}",
        );
    });

    it("preview.yml installs both packages, then previews every pull request with the policy pack and a PR comment", () => {
        const preview = load("preview.yml");
        assert.ok("pull_request" in preview.on);
        const all = steps(preview);
        const install = all.findIndex((s) => s.run === "npm ci");
        const action = all.findIndex((s) => s.uses?.startsWith("pulumi/actions@"));
        assert.ok(install >= 0 && action > install, "npm ci must run before pulumi/actions, which installs nothing");
        const inputs = all[action].with ?? {};
        assert.strictEqual(inputs.command, "preview");
        assert.strictEqual(inputs.policyPacks, "policy");
        assert.strictEqual(inputs["comment-on-pr"], true);
        assert.ok(String(inputs["github-token"]).includes("secrets.GITHUB_TOKEN"));
        assert.ok(String(all[action].env?.PULUMI_ACCESS_TOKEN).includes("secrets.PULUMI_ACCESS_TOKEN"));
    });

    it("integration.yml creates a kind cluster, installs the CLI and runs the integration test on main and by hand", () => {
        const integration = load("integration.yml");
        assert.deepStrictEqual(integration.on.push, { branches: ["main"] });
        assert.ok("workflow_dispatch" in integration.on);
        const all = steps(integration);
        const kind = all.findIndex((s) => s.uses?.startsWith("helm/kind-action@"));
        const cli = all.findIndex((s) => s.uses?.startsWith("pulumi/actions@"));
        const test = all.findIndex((s) => s.run === "npm run test:integration");
        assert.ok(kind >= 0 && cli >= 0 && test > Math.max(kind, cli));
        assert.strictEqual(
            all[cli].with?.command,
            undefined,
            "without a command, pulumi/actions only installs the CLI",
        );
        assert.strictEqual(all[test].env?.DSM_REDIS_KUBE_CONTEXT, `kind-${all[kind].with?.cluster_name}`);
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
            scripts: Record<string, string>;
        };
        assert.match(
            pkg.scripts["test:integration"],
            /^DSM_REDIS_INTEGRATION=1 mocha --no-config .* tests\/integration\//,
        );
    });
});
