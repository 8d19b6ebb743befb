import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    SECRET_PLACEHOLDER,
    checkStackFile,
    configFromStackFile,
    formatCheck,
    formatViolations,
} from "../../ops/lib/policy-run";
import { REPO_ROOT } from "../../ops/lib/repo-root";

describe("npm run check-policies", () => {
    it("finds no violation in the dev stack", async () => {
        const check = await checkStackFile(path.join(REPO_ROOT, "Pulumi.dev.yaml"));
        assert.strictEqual(formatViolations(check.violations), "no policy violations\n");
        assert.match(
            formatCheck("dev", check),
            /^checked stack dev: \d+ resources against 6 policies \(image-pinned, resources-bounded, .*no-default-namespace\)\nno policy violations\n$/,
        );
    });

    it("catches what the program's own validation allows but the pack forbids: a 2Gi limit over maxMemory 1Gi", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
        const file = path.join(dir, "Pulumi.big.yaml");
        fs.writeFileSync(file, "config:\n  dsm-redis:memoryLimit: 2Gi\n  dsm-redis:memoryRequest: 1Gi\n");
        try {
            const text = formatViolations((await checkStackFile(file)).violations);
            assert.match(
                text,
                /^\[mandatory\] resources-bounded: Deployment dsm\/redis, container "redis": spec\.template\.spec\.containers\[0\]\.resources\.limits\.memory is "2Gi": the limit is above the maximum "1Gi" \(maxMemory\)/m,
            );
            assert.deepStrictEqual(
                (await checkStackFile(file, { "resources-bounded": { maxMemory: "4Gi" } })).violations,
                [],
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reads a stack file as the engine passes config: full keys, text, JSON for structures, placeholders for secrets", () => {
        const config = configFromStackFile(
            [
                "config:",
                "  dsm-redis:port: 6380",
                "  dsm-redis:users:",
                "    - { name: a, roles: [consume] }",
                "  dsm-redis:passwords:",
                "    secure: v1:abc",
                "  kubernetes:kubeconfig:",
                "    secure: v1:def",
                "",
            ].join("\n"),
        );
        assert.deepStrictEqual(config, {
            "dsm-redis:port": "6380",
            "dsm-redis:users": '[{"name":"a","roles":["consume"]}]',
            "dsm-redis:passwords": "{}",
            "kubernetes:kubeconfig": SECRET_PLACEHOLDER,
        });
    });

    /** Runs `npm run check-policies` as a user would, in a copy of the repository's stack files. */
    function checkPolicies(args: string[], stackYaml?: string) {
        const stack = "cp-test";
        const file = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
        if (stackYaml !== undefined) fs.writeFileSync(file, stackYaml);
        try {
            return spawnSync(
                process.execPath,
                ["-r", "ts-node/register/transpile-only", "ops/check-policies.ts", "--stack", stack, ...args],
                { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 },
            );
        } finally {
            if (stackYaml !== undefined) fs.rmSync(file, { force: true });
        }
    }

    it("prints every message of an invalid config, each naming its key", () => {
        const run = checkPolicies([], "config:\n  dsm-redis:memoryLimit: 100MB\n  dsm-redis:port: x\n");
        // Errors go to stderr, as every operator command's.
        assert.strictEqual(run.status, 1, run.stdout + run.stderr);
        assert.match(run.stderr, /failed: Invalid DSM Redis settings:\n/);
        assert.match(run.stderr, / {2}- dsm-redis:port: "x" is not a TCP port/);
        assert.match(run.stderr, / {2}- dsm-redis:memoryLimit: "100MB": it is not a valid quantity/);
    });

    it("says in a sentence that a --policy-config file is missing", () => {
        const run = checkPolicies(["--policy-config", "/nonexistent/policy.json"], "config: {}\n");
        assert.strictEqual(run.status, 2, run.stdout + run.stderr);
        assert.strictEqual(
            run.stderr,
            "Cannot read the policy config /nonexistent/policy.json (--policy-config): there is no such file.\n",
        );
    });
});
