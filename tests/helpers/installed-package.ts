/**
 * The package as a user gets it from a registry: built, packed by `npm pack` with package.json's `files`, and
 * unpacked into a consumer's node_modules as a real folder (not a link to the source tree), with the locked
 * dependencies beside it. That layout matters: the engine serializes dynamic providers differently from an installed
 * package than from a linked one.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { linkTree } from "../../testbed/project-copy";
import { REPO_ROOT } from "../../ops/lib/repo-root";

const TSC = require.resolve("typescript/bin/tsc");

/** What package.json's `files` lets npm pack ship besides the build. */
const PAPERS = ["package.json", "README.md", "LICENSE", "CHANGELOG.md"];

export interface PackedPackage {
    readonly tarball: string;
    /** The tarball's files, as npm pack lists them (paths inside the package). */
    readonly files: readonly string[];
}

/** Builds the library into a staging copy under `dir` and packs it there, as `npm pack` (its prepare step) would. */
export function packPackage(dir: string): PackedPackage {
    const staging = path.join(dir, "staging");
    fs.mkdirSync(staging, { recursive: true });
    for (const file of PAPERS) fs.copyFileSync(path.join(REPO_ROOT, file), path.join(staging, file));
    execFileSync(process.execPath, [TSC, "-p", "tsconfig.build.json", "--outDir", path.join(staging, "dist")], {
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
    });
    const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
        cwd: staging,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
    const [packed] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
    return { tarball: path.join(dir, packed.filename), files: packed.files.map((f) => f.path) };
}

/**
 * The policy pack as an organisation gets it: `npm pack` of policy/ (its prepack step compiles it with the grammar it
 * needs), unpacked into `dir/pack` with its dependencies beside it, outside the repository. Returns the pack's folder,
 * for `pulumi preview --policy-pack`.
 */
export function installPackedPolicyPack(dir: string): string {
    const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], {
        cwd: path.join(REPO_ROOT, "policy"),
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
    const [packed] = JSON.parse(out) as Array<{ filename: string }>;
    const pack = path.join(dir, "pack");
    fs.mkdirSync(pack);
    execFileSync("tar", ["-xzf", path.join(dir, packed.filename), "-C", pack, "--strip-components=1"]);
    // The locked dependencies, as `npm install` in the pack's folder would leave them: the root's, then the pack's own.
    linkTree(path.join(REPO_ROOT, "node_modules"), path.join(pack, "node_modules"));
    fs.rmSync(path.join(pack, "node_modules", "@dsm"), { recursive: true, force: true });
    const own = path.join(REPO_ROOT, "policy", "node_modules");
    for (const name of fs.existsSync(own) ? fs.readdirSync(own) : []) {
        if (name === ".bin") continue;
        fs.rmSync(path.join(pack, "node_modules", name), { recursive: true, force: true });
        linkTree(path.join(own, name), path.join(pack, "node_modules", name));
    }
    return pack;
}

/**
 * A consumer folder with `tarball` unpacked at node_modules/dsm-redis and the repository's installed dependencies
 * beside it (hard links where the file system allows, else copies), as `npm install dsm-redis` would leave them.
 */
export function installTarball(tarball: string, consumer: string): string {
    const modules = path.join(consumer, "node_modules");
    fs.mkdirSync(consumer, { recursive: true });
    linkTree(path.join(REPO_ROOT, "node_modules"), modules);
    // The workspace links point into the source tree, which an installed package never sees.
    fs.rmSync(path.join(modules, "@dsm"), { recursive: true, force: true });
    fs.rmSync(path.join(modules, ".bin"), { recursive: true, force: true });
    const installed = path.join(modules, "dsm-redis");
    fs.mkdirSync(installed);
    execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
    return installed;
}
