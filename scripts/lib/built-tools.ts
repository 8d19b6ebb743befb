/**
 * The binaries the tiers use, from tools/build.sh: a build on a cold machine, the versioned cache on a warm one.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { REPO_ROOT } from "./repo-root";

/** The bin folder of each module under tools/, in the order asked. */
export function builtTools(...modules: string[]): string[] {
    const out = execFileSync("bash", [path.join(REPO_ROOT, "tools", "build.sh"), ...modules], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    const folders = out.trim().split("\n");
    if (folders.length !== modules.length) {
        throw new Error(`tools/build.sh ${modules.join(" ")} printed ${folders.length} folders, not ${modules.length}`);
    }
    return folders;
}
