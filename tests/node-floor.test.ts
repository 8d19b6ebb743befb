/**
 * The Node.js floors are true. `engines.node`, what a consumer of the package (or of the policy pack) is held to, is
 * the highest floor in its runtime tree: the locked packages its `dependencies` reach. `devEngines`, what developing
 * here needs (npm refuses to run scripts below it, .ci/run installs it), is the highest floor of every locked package.
 * An older Node gets one sentence from the scripts and the program, not a crash in a dependency.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as semver from "semver";
import { nodeVersionProblem } from "../config/node-floor";
import { REPO_ROOT } from "../ops/lib/repo-root";

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");

interface LockedPackage {
    readonly version?: string;
    readonly engines?: { readonly node?: string };
    readonly dependencies?: Record<string, string>;
    readonly optionalDependencies?: Record<string, string>;
}

interface Floor {
    readonly floor: string;
    readonly setBy: string;
}

const LOCKED = (JSON.parse(read("package-lock.json")) as { packages: Record<string, LockedPackage> }).packages;

function higher(best: Floor, where: string, pkg: LockedPackage): Floor {
    const range = pkg.engines?.node;
    const floor = range === undefined ? undefined : semver.minVersion(range)?.version;
    return floor !== undefined && semver.gt(floor, best.floor) ? { floor, setBy: where } : best;
}

/** Where Node finds `name` when `from` (a lock path such as node_modules/a) requires it: the nearest node_modules. */
function resolveLocked(from: string, name: string): string | undefined {
    for (let dir = from; ;) {
        const candidate = `${dir === "" ? "" : `${dir}/`}node_modules/${name}`;
        if (LOCKED[candidate] !== undefined) return candidate;
        if (dir === "") return undefined;
        const parent = dir.lastIndexOf("/node_modules/");
        dir = parent < 0 ? "" : dir.slice(0, parent);
    }
}

/** The highest floor among the packages that `root` (a lock path: "" or "policy") needs at run time. */
function runtimeFloor(root: string): Floor {
    let best: Floor = { floor: "0.0.0", setBy: "(none)" };
    const seen = new Set<string>();
    const pending = Object.keys(LOCKED[root].dependencies ?? {}).map((name) => [root, name]);
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
        const where = resolveLocked(next[0], next[1]);
        if (where === undefined || seen.has(where)) continue;
        seen.add(where);
        const pkg = LOCKED[where];
        best = higher(best, where, pkg);
        for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }))
            pending.push([where, name]);
    }
    return best;
}

/** The highest floor among every locked package, development tools included. */
function developmentFloor(): Floor {
    return Object.entries(LOCKED)
        .filter(([where]) => where !== "" && where !== "policy")
        .reduce((best, [where, pkg]) => higher(best, where, pkg), { floor: "0.0.0", setBy: "(none)" });
}

interface Manifest {
    readonly engines: { readonly node: string };
    readonly devEngines?: { readonly runtime: { readonly name: string; readonly version: string } };
}

describe("the Node.js floors", () => {
    const { floor } = runtimeFloor("");
    const manifest = JSON.parse(read("package.json")) as Manifest;

    it("holds a consumer of the package to its runtime tree's highest floor, not the development tools'", () => {
        const runtime = runtimeFloor("");
        // Today undici (through @kubernetes/client-node) needs 22.19; Stryker's prompts need more, but only here.
        assert.match(runtime.setBy, /node_modules\/undici$/, "the consumers' floor today comes from undici");
        assert.strictEqual(manifest.engines.node, `>=${runtime.floor}`, "package.json engines.node");
        assert.ok(semver.lt(runtime.floor, developmentFloor().floor), "the development floor is kept apart");
    });

    it("holds a consumer of the policy pack to the pack's runtime tree's floor", () => {
        const pack = JSON.parse(read("policy/package.json")) as Manifest;
        assert.strictEqual(pack.engines.node, `>=${runtimeFloor("policy").floor}`, "policy/package.json engines.node");
    });

    it("holds development to every locked package's highest floor, in devEngines", () => {
        const development = developmentFloor();
        assert.deepStrictEqual(manifest.devEngines?.runtime, {
            name: "node",
            version: `>=${development.floor}`,
            onFail: "error",
        });
        const refusing = Object.entries(LOCKED)
            .filter(
                ([, pkg]) => pkg.engines?.node !== undefined && !semver.satisfies(development.floor, pkg.engines.node),
            )
            .map(([where, pkg]) => `${where} (${pkg.engines?.node})`);
        assert.deepStrictEqual(refusing, [], "every locked package accepts the development floor");
    });

    it("is what .ci/run and README say: .ci/run reads devEngines, README names both floors", () => {
        const ci = read(".ci/run");
        assert.match(ci, /devEngines\.runtime\.version/);
        assert.doesNotMatch(ci, /\b22\.\d+/, ".ci/run writes no Node version of its own");
        const readme = read("README.md");
        const named = (version: string) => `Node.js ${semver.major(version)}.${semver.minor(version)}`;
        assert.ok(readme.includes(named(floor)), "README names the consumers' floor");
        assert.ok(readme.includes(named(developmentFloor().floor)), "README names the development floor");
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
        const run = onOldNode(["ops/verify.ts"]);
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
