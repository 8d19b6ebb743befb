/**
 * The Node.js version this project needs, as package.json's `engines` states it (a test derives that number from the
 * locked dependencies). Checked first by the program and by every script, so that an older Node gets one sentence
 * saying what is needed, instead of a crash deep inside a dependency (undici, which the program loads, needs 22.19).
 */
import * as fs from "fs";
import * as path from "path";

/** `engines.node` of package.json: `>=MAJOR.MINOR.PATCH`. */
export function requiredNodeRange(): string {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as {
        engines: { node: string };
    };
    return manifest.engines.node;
}

function parts(version: string): number[] {
    return version
        .replace(/^v/, "")
        .split(".")
        .map((p) => Number.parseInt(p, 10) || 0);
}

/** The problem with running on `found` when `range` (`>=X.Y.Z`) is needed, or undefined when there is none. */
export function nodeVersionProblem(found: string, range: string): string | undefined {
    const floor = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range.trim())?.[1];
    if (floor === undefined)
        throw new Error(`package.json engines.node ${JSON.stringify(range)} is not of the form >=X.Y.Z`);
    const [a, b] = [parts(found), parts(floor)];
    for (let i = 0; i < 3; i++) {
        if ((a[i] ?? 0) !== (b[i] ?? 0)) {
            if ((a[i] ?? 0) > (b[i] ?? 0)) return undefined;
            return `dsm-redis needs Node.js ${floor} or later (package.json "engines"), and this is Node.js ${found.replace(/^v?/, "")}: install a newer Node.js 22 (for example \`nvm install 22\`), then run \`npm ci\` again.`;
        }
    }
    return undefined;
}

/** The problem with the running Node.js, or undefined. */
export function runningNodeProblem(): string | undefined {
    return nodeVersionProblem(process.versions.node, requiredNodeRange());
}
