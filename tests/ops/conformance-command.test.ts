/** `npm run test:conformance` with no corpus says what it needs, and fails; it never passes on nothing. */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../../ops/lib/repo-root";

describe("the conformance command", () => {
    it("names the folder it needs and what goes there, and exits 2, when the corpus is absent", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-corpus-"));
        try {
            const run = spawnSync(
                process.execPath,
                ["-r", "ts-node/register/transpile-only", "scripts/conformance.ts", "--corpus", empty],
                { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 },
            );
            assert.strictEqual(run.status, 2, run.stdout + run.stderr);
            assert.ok(run.stderr.includes(`not complete at ${empty}; nothing was tested`), run.stderr);
            assert.match(run.stderr, /kyverno\/cases\.tsv: .*disallow-latest-tag/);
            assert.match(run.stderr, /psa\/test\/testdata\/restricted\/v1\.37: .*Pod Security Admission fixtures/);
            assert.match(run.stderr, /--corpus DIR/);
            assert.doesNotMatch(run.stdout, /passing/);
        } finally {
            fs.rmSync(empty, { recursive: true, force: true });
        }
    });
});
