/**
 * The layout's floors are an ESLint rule (eslint-layers.mjs, `layers/floors`), so `npm run lint` refuses an import
 * that points up. Here the rule is run, with the repository's own ESLint config, on deliberate bad imports (each must
 * be refused, with a message that says why) and on good ones (each must pass); and the names of the files are
 * checked: no two files of the shipped code share a name unless they are the same part of parallel modules.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import { ESLint } from "eslint";
import * as path from "path";
import { REPO_ROOT } from "../ops/lib/repo-root";

/** [the file that imports, its code, what the refusal says] */
const REFUSED: readonly [string, string, RegExp][] = [
    [
        "components/builders/bad.ts",
        'import { startCluster } from "../../testbed/cluster/local-cluster";',
        /components may not import testbed .*the test bed serves tests/,
    ],
    ["components/bad.ts", 'import { runAutomation } from "../ops/lib/automation";', /components may not import ops/],
    ["components/bad.ts", 'import { readConfig } from "../config/read-config";', /components may not import config/],
    ["components/bad.ts", 'const local = require("../testbed/local");', /components may not import testbed/],
    ["components/bad.ts", 'export * from "../tests/helpers/mocks";', /components may not import tests/],
    ["components/bad.ts", 'export async function f() { await import("../bench/main"); }', /may not import bench/],
    ["components/bad.ts", 'import { POLICIES } from "../policy/policies";', /components may not import policy/],
    [
        "ops/bad.ts",
        'import { ADMIN_USER } from "../components/render/acl";',
        /ops uses only the package's public exports: import from the components index/,
    ],
    ["ops/lib/bad.ts", 'import { startRedis } from "../../testbed/redis-server";', /ops may not import testbed/],
    ["ops/bad.ts", 'import { main } from "../bench/main";', /ops may not import bench/],
    ["policy/bad.ts", 'import { DsmRedis } from "../components";', /policy may not import components/],
    ["k8s-grammar/bad.ts", 'import { CONFIG_KEYS } from "../config/keys";', /k8s-grammar may not import config/],
    ["config/bad.ts", 'import { table } from "../ops/lib/table";', /config may not import ops/],
    ["index.ts", 'import { startLocal } from "./testbed/local";', /index.ts may not import testbed/],
    ["multi-language/bad.ts", 'import { x } from "../scripts/conformance";', /multi-language may not import scripts/],
];

/** [the file that imports, its code]: imports the floors allow. */
const ALLOWED: readonly [string, string][] = [
    ["ops/bad.ts", 'import { DsmRedis } from "../components";'],
    ["ops/lib/bad.ts", 'import { withSession } from "../../components/index";'],
    ["components/builders/bad.ts", 'import { ADMIN_USER } from "../render/acl";'],
    ["components/bad.ts", 'import { isUnknown } from "../k8s-grammar/unknown-values";'],
    ["testbed/bad.ts", 'import { REPO_ROOT } from "../ops/lib/repo-root";'],
    ["bench/bad.ts", 'import { startRedisServer } from "../testbed/redis-server";'],
    ["tests/bad.ts", 'import { startCluster } from "../testbed/cluster/local-cluster";'],
];

describe("layering", function () {
    this.timeout(60_000);
    const eslint = new ESLint({ cwd: REPO_ROOT });
    const floorMessages = async (file: string, code: string) => {
        const [result] = await eslint.lintText(`${code}\n`, { filePath: path.join(REPO_ROOT, file) });
        return result.messages.filter((m) => m.ruleId === "layers/floors").map((m) => m.message);
    };

    for (const [file, code, says] of REFUSED) {
        it(`refuses in ${file}: ${code}`, async () => {
            const messages = await floorMessages(file, code);
            assert.strictEqual(messages.length, 1, JSON.stringify(messages));
            assert.match(messages[0], says);
        });
    }

    for (const [file, code] of ALLOWED) {
        it(`allows in ${file}: ${code}`, async () => {
            assert.deepStrictEqual(await floorMessages(file, code), []);
        });
    }

    it("gives no two files of the shipped code one name, but the parts of parallel modules", () => {
        // index/inputs/provider/resource are the same parts of the two providers' modules (and index.ts of each
        // package): the folder says which. Any other repeated name is two things that need two names.
        const parallel = new Set(["index.ts", "inputs.ts", "provider.ts", "resource.ts"]);
        const files = execFileSync("git", ["ls-files", "*.ts"], { cwd: REPO_ROOT, encoding: "utf8" })
            .split("\n")
            .filter((f) => f !== "" && !f.startsWith("tests/"));
        const byName = new Map<string, string[]>();
        for (const file of files) byName.set(path.basename(file), [...(byName.get(path.basename(file)) ?? []), file]);
        const repeated = [...byName].filter(([name, paths]) => paths.length > 1 && !parallel.has(name));
        assert.deepStrictEqual(repeated, []);
    });
});
