// @ts-check
/**
 * The layout's floors, as an ESLint rule (`layers/floors`): each top-level folder imports only the folders below it,
 * and operations use only the package's public exports. `npm run lint` enforces it on every file;
 * tests/layering.test.ts lints deliberate bad imports with it.
 */
import * as path from "node:path";

/** What each floor may import (besides packages), lowest first. A folder not listed here is not checked. */
export const FLOORS = {
    "k8s-grammar": ["k8s-grammar"],
    policy: ["policy", "k8s-grammar"],
    components: ["components", "k8s-grammar"],
    config: ["config", "components", "k8s-grammar"],
    "index.ts": ["config", "components"],
    "multi-language": ["multi-language", "config", "components"],
    // The program itself (index.ts): check-policies runs it under mocks.
    ops: ["ops", "index.ts", "config", "policy", "components"],
    testbed: ["testbed", "ops", "config", "policy", "components", "k8s-grammar"],
    bench: ["bench", "testbed", "ops", "config", "components", "k8s-grammar"],
    scripts: ["scripts", "ops", "index.ts", "config", "policy", "components", "k8s-grammar"],
};

/** Floors that may import components/ only through its index, the package's public exports. */
const PUBLIC_EXPORTS_ONLY = new Set(["ops"]);

/** Why a floor may not reach another: the message names the rule, not only the path. */
const WHY = {
    testbed: "the test bed serves tests and benchmarks; nothing that ships or operates a bus depends on it",
    bench: "benchmarks are run by hand; nothing depends on them",
    tests: "tests are never imported",
    scripts: "maintainer scripts are never imported",
    ops: "operations sit above the component and the config reader",
};

/** The floor of a repository path: its first folder, or `index.ts` for the program at the root. */
function floorOf(relative) {
    const parts = relative.split(path.sep);
    if (parts[0] === "index" || parts[0] === "index.ts") return parts.length === 1 ? "index.ts" : undefined;
    // A folder itself ("../components", its index) belongs to that folder; another file at the root to no floor.
    return parts.length > 1 || parts[0] in FLOORS || parts[0] in WHY ? parts[0] : undefined;
}

/** @type {import("eslint").Rule.RuleModule} */
const floors = {
    meta: {
        type: "problem",
        docs: { description: "each floor imports only the floors below it (eslint-layers.mjs)" },
        schema: [],
    },
    create(context) {
        const root = context.cwd;
        const from = floorOf(path.relative(root, context.filename));
        const allowed = from === undefined ? undefined : FLOORS[from];
        if (allowed === undefined) return {};
        /** @param {import("estree").Node | null | undefined} node */
        const check = (node) => {
            if (node?.type !== "Literal" || typeof node.value !== "string" || !node.value.startsWith(".")) return;
            const target = path.relative(root, path.resolve(path.dirname(context.filename), node.value));
            const to = floorOf(target);
            if (to === undefined || to === from) return;
            if (!allowed.includes(to) && (to in FLOORS || to in WHY)) {
                const why = WHY[to] ?? `${to} is not below ${from}`;
                context.report({ node, message: `${from} may not import ${to} ("${node.value}"): ${why}` });
            } else if (to === "components" && PUBLIC_EXPORTS_ONLY.has(from) && target !== "components") {
                if (target === path.join("components", "index")) return;
                context.report({
                    node,
                    message: `${from} uses only the package's public exports: import from the components index, not "${node.value}" (export what it needs there)`,
                });
            }
        };
        return {
            ImportDeclaration: (node) => check(node.source),
            ExportNamedDeclaration: (node) => check(node.source),
            ExportAllDeclaration: (node) => check(node.source),
            ImportExpression: (node) => check(node.source),
            // `import x = require("…")`, TypeScript's form; typed loosely since it is not in estree.
            /** @param {any} node */
            TSImportEqualsDeclaration: (node) => check(node.moduleReference?.expression),
            CallExpression: (node) => {
                if (node.callee.type === "Identifier" && node.callee.name === "require") check(node.arguments[0]);
            },
        };
    },
};

export const layers = { rules: { floors } };
