/**
 * The Node.js floor is true: `engines.node` is the highest floor of every locked package, .ci/run and README use that
 * number, and an older Node gets one sentence from the scripts and the program, not a crash in a dependency.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as semver from "semver";
import { nodeVersionProblem } from "../config/node-floor";
import { REPO_ROOT } from "../scripts/lib/repo-root";

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");

interface LockedPackage {
    readonly version?: string;
    readonly engines?: { readonly node?: string };
}

/** The highest floor among the locked packages, and which package sets it. */
function lockedFloor(): { floor: string; setBy: string } {
    const packages = (JSON.parse(read("package-lock.json")) as { packages: Record<string, LockedPackage> }).packages;
    let best = { floor: "0.0.0", setBy: "(none)" };
    for (const [where, pkg] of Object.entries(packages)) {
        const range = pkg.engines?.node;
        if (range === undefined || where === "" || where === "policy") continue;
        const floor = semver.minVersion(range)?.version;
        if (floor !== undefined && semver.gt(floor, best.floor)) best = { floor, setBy: where };
    }
    return best;
}

describe("the Node.js floor", () => {
    const { floor, setBy } = lockedFloor();

    it("is the highest floor of every locked package, in both package.json files", () => {
        // Today @inquirer's prompts (Stryker's, for npm run test:mutation) need 22.22.2; the program's own highest need
        // is undici's 22.19, through @kubernetes/client-node.
        assert.match(setBy, /^node_modules\/@inquirer\//, "the floor today comes from @inquirer, via Stryker");
        for (const manifest of ["package.json", "policy/package.json"]) {
            const range = (JSON.parse(read(manifest)) as { engines: { node: string } }).engines.node;
            assert.strictEqual(range, `>=${floor}`, `${manifest} engines.node`);
        }
    });

    it("is a version every locked package accepts", () => {
        const packages = (JSON.parse(read("package-lock.json")) as { packages: Record<string, LockedPackage> })
            .packages;
        const refusing = Object.entries(packages)
            .filter(([, pkg]) => pkg.engines?.node !== undefined && !semver.satisfies(floor, pkg.engines.node))
            .map(([where, pkg]) => `${where} (${pkg.engines?.node})`);
        assert.deepStrictEqual(refusing, []);
    });

    it("is what .ci/run and README say: .ci/run reads it from package.json, README names it", () => {
        const ci = read(".ci/run");
        assert.match(ci, /engines\.node/);
        assert.doesNotMatch(ci, /\b22\.\d+/, ".ci/run writes no Node version of its own");
        const readme = read("README.md");
        assert.ok(readme.includes(`Node.js ${semver.major(floor)}.${semver.minor(floor)}`), "README names the floor");
        assert.doesNotMatch(readme, /Node\.js 22\.12/);
    });

    it("judges a version against the floor", () => {
        assert.strictEqual(nodeVersionProblem("22.19.0", ">=22.19.0"), undefined);
        assert.strictEqual(nodeVersionProblem("v24.1.0", ">=22.19.0"), undefined);
        assert.strictEqual(nodeVersionProblem("22.20.0", ">=22.19.0"), undefined);
        assert.match(
            nodeVersionProblem("22.12.0", ">=22.19.0") ?? "",
            /^dsm-redis needs Node\.js 22\.19\.0 or later .*this is Node\.js 22\.12\.0/,
        );
        assert.ok(nodeVersionProblem("20.20.2", ">=22.19.0"));
        assert.throws(() => nodeVersionProblem("22.0.0", "^22"), /not of the form >=X\.Y\.Z/);
    });

    /** Runs node with its version made to read 22.12.0, as an older Node would report it. */
    function onOldNode(args: string[]) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "old-node-"));
        const preload = path.join(dir, "old-node.js");
        fs.writeFileSync(
            preload,
            'Object.defineProperty(process, "versions", { value: { ...process.versions, node: "22.12.0" } });\n',
        );
        try {
            return spawnSync(process.execPath, ["-r", preload, "-r", "ts-node/register/transpile-only", ...args], {
                cwd: REPO_ROOT,
                encoding: "utf8",
                timeout: 60_000,
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    it("stops a script on an older Node with one sentence and exit code 2", () => {
        const run = onOldNode(["scripts/verify.ts"]);
        assert.strictEqual(run.status, 2, run.stderr);
        assert.strictEqual(run.stdout, "");
        const lines = run.stderr.trim().split("\n");
        assert.strictEqual(lines.length, 1, run.stderr);
        assert.ok(lines[0].includes(`needs Node.js ${floor} or later`), lines[0]);
        assert.match(lines[0], /this is Node\.js 22\.12\.0/);
    });

    it("stops the program on an older Node with a RunError, which the engine prints without a stack", () => {
        const run = onOldNode([
            "-e",
            'try { require("./config/require-node"); } catch (e) { const { RunError } = require("@pulumi/pulumi"); console.log(RunError.isInstance(e), e.message); }',
        ]);
        assert.strictEqual(run.status, 0, run.stderr);
        assert.ok(run.stdout.startsWith(`true dsm-redis needs Node.js ${floor} or later`), run.stdout);
    });
});
