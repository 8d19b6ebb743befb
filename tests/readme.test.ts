import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { CONFIG_KEYS } from "../config/keys";
import { PROJECT_CONFIG_MARKER, isDeclared, projectConfig } from "../config/project-config";
import { only, runProgram } from "./helpers/program";
import { REPO_ROOT } from "../ops/lib/repo-root";

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

    it("Pulumi.yaml declares every key that has a default, with the table's type, default and meaning", () => {
        const project = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8");
        const doc = yaml.load(project) as { config: Record<string, unknown> };
        assert.deepStrictEqual(doc.config, projectConfig());
        const [, generated] = project.split(PROJECT_CONFIG_MARKER);
        assert.ok(
            generated?.trimStart().startsWith("config:"),
            "the block follows its marker, as docs:config writes it",
        );
        // The keys it cannot declare are named in its comments.
        for (const key of CONFIG_KEYS.filter((k) => !isDeclared(k))) {
            assert.ok(
                project.split(PROJECT_CONFIG_MARKER)[0].includes(key.key),
                `Pulumi.yaml does not mention ${key.key}`,
            );
        }
        assert.deepStrictEqual(
            Object.keys(doc.config),
            CONFIG_KEYS.filter(isDeclared).map((k) => k.key),
        );
    });

    it("the program accepts the declared defaults as the engine passes them, and builds the design's bus", async () => {
        // The engine hands a default to the program as text: booleans as "true", integers as digits.
        const config = Object.fromEntries(Object.entries(projectConfig()).map(([k, v]) => [k, String(v.default)]));
        const run = await runProgram(config);
        assert.strictEqual(only(run, "kubernetes:core/v1:Service").inputs.metadata.name, "redis");
        assert.strictEqual(
            only(run, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].image,
            "redis:7.2-alpine",
        );
    });

    it("Pulumi.dev.yaml holds only what the dev stack sets differently from a default", () => {
        const doc = yaml.load(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")) as {
            config: Record<string, unknown>;
        };
        const declared = projectConfig();
        const restated = Object.entries(doc.config ?? {}).filter(
            ([k, v]) => String(declared[k.replace(/^dsm-redis:/, "")]?.default) === String(v),
        );
        assert.deepStrictEqual(restated, [], "keys restated at their default");
    });
});
