/**
 * The floors of the layout use only the floors below them: k8s-grammar/ nothing of ours; policy/ only k8s-grammar/;
 * components/ only k8s-grammar/; config/ components/ and k8s-grammar/; the program config/ and components/; the
 * multi-language package the same as the program.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../scripts/lib/repo-root";

const FLOORS = ["k8s-grammar", "policy", "components", "config", "multi-language", "scripts", "tests"] as const;
const ALLOWED: Record<string, readonly string[]> = {
    "k8s-grammar": ["k8s-grammar"],
    policy: ["policy", "k8s-grammar"],
    components: ["components", "k8s-grammar"],
    config: ["config", "components", "k8s-grammar"],
    "index.ts": ["config", "components"],
    "multi-language": ["multi-language", "config", "components"],
    scripts: ["scripts", "index.ts", "config", "components", "policy", "k8s-grammar"],
};

function sources(dir: string): string[] {
    return fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const relative = path.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sources(relative);
        return entry.name.endsWith(".ts") ? [relative] : [];
    });
}

/** The floor a repository path belongs to. */
function floorOf(relative: string): string {
    return relative === "index.ts" ? "index.ts" : relative.split(path.sep)[0];
}

describe("layering", () => {
    for (const [floor, allowed] of Object.entries(ALLOWED)) {
        it(`${floor} imports only ${allowed.join(", ")}`, () => {
            const files = floor === "index.ts" ? ["index.ts"] : sources(floor);
            assert.ok(files.length > 0);
            const violations: string[] = [];
            for (const file of files) {
                const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
                for (const match of text.matchAll(/(?:from|import|require\()\s*["'](\.{1,2}\/[^"']+)["']/g)) {
                    const target = path.relative(
                        REPO_ROOT,
                        path.resolve(path.dirname(path.join(REPO_ROOT, file)), match[1]),
                    );
                    const to = floorOf(target);
                    if (!allowed.includes(to) && (FLOORS as readonly string[]).concat("index.ts").includes(to)) {
                        violations.push(`${file} imports ${match[1]} (${to})`);
                    }
                }
            }
            assert.deepStrictEqual(violations, []);
        });
    }
});
