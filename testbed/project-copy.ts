/**
 * A copy of the project as a user's clone has it after `npm ci`: the files git keeps (tracked, or new and not ignored), the installed dependencies (hard
 * links to this checkout's, which nothing writes to) and the built policy pack, in a folder of its own, so that a
 * tier or a benchmark can run the user's commands there (stack files, `pulumi config set`) without touching this checkout.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../ops/lib/repo-root";

/** Hard-links a tree where the file system allows (instant, no space), else copies it. */
export function linkTree(from: string, to: string): void {
    try {
        execFileSync("cp", ["-al", from, to], { stdio: "ignore" });
    } catch {
        fs.rmSync(to, { recursive: true, force: true });
        execFileSync("cp", ["-a", from, to], { stdio: "ignore" });
    }
}

export function copyProject(dir: string): string {
    const copy = path.join(dir, "project");
    const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
        cwd: REPO_ROOT,
        encoding: "utf8",
    })
        .split("\0")
        .filter((f) => f !== "" && fs.existsSync(path.join(REPO_ROOT, f)));
    for (const file of tracked) {
        fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
        fs.copyFileSync(path.join(REPO_ROOT, file), path.join(copy, file));
        fs.chmodSync(path.join(copy, file), fs.statSync(path.join(REPO_ROOT, file)).mode);
    }
    linkTree(path.join(REPO_ROOT, "node_modules"), path.join(copy, "node_modules"));
    const packModules = path.join(REPO_ROOT, "policy", "node_modules");
    if (fs.existsSync(packModules)) linkTree(packModules, path.join(copy, "policy", "node_modules"));
    // What npm ci's prepare step builds: the pack that `--policy-pack policy` runs.
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "policy/tsconfig.json"], {
        cwd: copy,
        stdio: ["ignore", "pipe", "pipe"],
    });
    return copy;
}
