/**
 * `npm run test:conformance [-- --corpus DIR]`: the policy pack against real corpora from Kyverno and Kubernetes,
 * which are third-party files kept outside this repository. DIR defaults to ../shared/conformance, where our own
 * machines and CI keep them. `npm test` never reads them.
 */
import "../ops/lib/node-check";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../ops/lib/repo-root";

/** What the corpus folder must hold, relative to it, and what each is. */
const EXPECTED: ReadonlyArray<[string, string]> = [
    [
        "kyverno/cases.tsv",
        "the index of Kyverno's own test cases for its best-practices policies disallow-latest-tag and require-pod-requests-limits (columns policy_dir, harness, file, doc_index, kind, name, expected), with the policies' folders under kyverno/best-practices/",
    ],
    [
        "psa/test/testdata/restricted/v1.37",
        "the Pod Security Admission fixtures of k8s.io/pod-security-admission for the restricted level, policy v1.37: pass/ and fail/ folders of pod YAML",
    ],
];

function main(): number {
    const args = process.argv.slice(2);
    let corpus = path.resolve(REPO_ROOT, "..", "shared", "conformance");
    for (let i = 0; i < args.length; i++) {
        if (args[i] === "--corpus" && args[i + 1] !== undefined) corpus = path.resolve(args[++i]);
        else {
            process.stderr.write(`Unknown argument ${JSON.stringify(args[i])}. Accepted: --corpus DIR.\n`);
            return 2;
        }
    }
    const missing = EXPECTED.filter(([relative]) => !fs.existsSync(path.join(corpus, relative)));
    if (missing.length > 0) {
        process.stderr.write(
            `The conformance corpus is not complete at ${corpus}; nothing was tested. It needs:\n` +
                missing.map(([relative, what]) => `  - ${relative}: ${what}\n`).join("") +
                "Give the folder that holds them with `npm run test:conformance -- --corpus DIR`.\n",
        );
        return 2;
    }
    process.stdout.write(`conformance corpus: ${corpus}\n`);
    const mocha = spawnSync(
        process.execPath,
        [
            require.resolve("mocha/bin/mocha.js"),
            "--no-config",
            "--require",
            "ts-node/register/transpile-only",
            "--extension",
            "ts",
            path.join(REPO_ROOT, "tests", "conformance", "*.test.ts"),
        ],
        { cwd: REPO_ROOT, stdio: "inherit", env: { ...process.env, DSM_CONFORMANCE_CORPUS: corpus } },
    );
    return mocha.status ?? 1;
}

process.exitCode = main();
