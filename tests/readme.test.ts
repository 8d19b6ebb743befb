import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { CONFIG_KEYS } from "../config/keys";
import { only, runProgram } from "./helpers/program";
import { REPO_ROOT } from "../scripts/lib/repo-root";

describe("documented configuration", () => {
    it("README's config table lists exactly the keys the program reads, with their defaults", () => {
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        const table = readme.split("<!-- config-table: start")[1]?.split("<!-- config-table: end")[0] ?? "";
        const rows = [...table.matchAll(/^\|\s*`([^`]+)`\s*\|\s*`([^`]*)`\s*\|\s*(.*?)\s*\|$/gm)].map((m) => [
            m[1],
            m[2],
            m[3],
        ]);
        assert.deepStrictEqual(
            rows,
            CONFIG_KEYS.map((k) => [k.key, k.default, k.description]),
        );
    });

    it("Pulumi.dev.yaml shows every key, and the program accepts it as it is", async () => {
        const doc = yaml.load(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")) as {
            config: Record<string, unknown>;
        };
        const config = Object.fromEntries(
            Object.entries(doc.config).map(([k, v]) => [k.replace(/^dsm-redis:/, ""), String(v)]),
        );
        // Secret keys cannot be shown in plaintext; storageClass's default is "unset". Both are named in comments.
        const optional = new Set(
            CONFIG_KEYS.filter((k) => k.kind === "secret-json" || k.default.startsWith("(")).map((k) => k.key),
        );
        assert.deepStrictEqual(
            Object.keys(config).sort(),
            CONFIG_KEYS.map((k) => k.key)
                .filter((k) => !optional.has(k))
                .sort(),
        );
        const text = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");
        for (const key of optional) assert.ok(text.includes(key), `Pulumi.dev.yaml does not mention ${key}`);
        const run = await runProgram(config);
        assert.strictEqual(only(run, "kubernetes:core/v1:Service").inputs.metadata.name, "redis");
    });
});
