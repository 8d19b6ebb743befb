/**
 * The binaries the tiers use, from tools/build.sh's versioned cache. Tests only look them up (`builtTools`): the
 * build, tens of minutes on a cold machine, runs before them (the test:* scripts and .ci/run call tools/build.sh
 * first), never inside a test's timeout. The commands a person runs (`npm run cluster:up`, `local`, `bench`) build
 * what is missing first (`buildTools`).
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { REPO_ROOT } from "../ops/lib/repo-root";

/** A module under tools/, or a group tools/build.sh expands (cluster, engine, metrics, all): the lists live there. */
export type ToolModule = "cluster" | "engine" | "metrics" | "all" | (string & {});

/** The bin folder of each module tools/build.sh printed (`<cache>/<module>-<key>/bin`), by module. */
function byModule(out: string): Record<string, string> {
    const folders = out
        .trim()
        .split("\n")
        .filter((line) => line !== "");
    return Object.fromEntries(
        folders.map((folder) => [path.basename(path.dirname(folder)).replace(/-[0-9a-f]{16}$/, ""), folder]),
    );
}

function runBuildScript(args: readonly string[], stderr: "pipe" | "inherit"): string {
    return execFileSync("bash", [path.join(REPO_ROOT, "tools", "build.sh"), ...args], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", stderr],
    });
}

/**
 * The bin folder of each module asked for, by module, once built; throws, naming the modules not built and the
 * command that builds them, without building.
 */
export function builtTools(...modules: ToolModule[]): Readonly<Record<string, string>> {
    try {
        return byModule(runBuildScript(["--check", ...modules], "pipe"));
    } catch (error) {
        const stderr = (error as { stderr?: string }).stderr;
        if (typeof stderr === "string" && stderr.trim() !== "") throw new Error(stderr.trim());
        throw error;
    }
}

/** Builds the modules that are not built yet, its progress on stderr, and returns each one's bin folder. */
export function buildTools(...modules: ToolModule[]): Readonly<Record<string, string>> {
    return byModule(runBuildScript(modules, "inherit"));
}
