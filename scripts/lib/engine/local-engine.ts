/**
 * The real Pulumi engine for the engine tier: the CLI built from its Go module, the Kubernetes plugin built from its
 * module (v4.25.0's commit, installed as the version the SDK asks for), and two STAND-INS named in README: the random
 * plugin (stand-ins/random-provider.ts) and the launcher of the policy pack (stand-ins/dsm-redis-policies).
 * Everything lives in a temp folder: PULUMI_HOME, a file backend, and nothing is downloaded.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { builtTools } from "../built-tools";
import { REPO_ROOT } from "../repo-root";

/** The engine tier's stand-ins (test fixtures, named in README). */
const STAND_INS = path.join(REPO_ROOT, "tests", "engine", "stand-ins");

export interface LocalEngine {
    readonly dir: string;
    /** The environment for the CLI and for `npm run` commands that drive it. */
    readonly env: NodeJS.ProcessEnv;
    readonly versions: { readonly cli: string; readonly kubernetesPlugin: string; readonly kubernetesSdk: string };
}

function lockedVersion(name: string): string {
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as {
        packages: Record<string, { version: string }>;
    };
    return lock.packages[`node_modules/${name}`].version;
}

export function prepareEngine(dir: string, kubeconfig: string): LocalEngine {
    const [cliBin, kubernetesBin] = builtTools("pulumi", "pulumi-kubernetes");
    const home = path.join(dir, "pulumi-home");
    const state = path.join(dir, "state");
    fs.mkdirSync(state, { recursive: true });
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        // The CLI, then @pulumi/pulumi's folder, where the dynamic-provider plugin script lives.
        PATH: [cliBin, path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi"), process.env.PATH].join(
            path.delimiter,
        ),
        PULUMI_HOME: home,
        PULUMI_BACKEND_URL: `file://${state}`,
        PULUMI_CONFIG_PASSPHRASE: "engine-tier-passphrase",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        KUBECONFIG: kubeconfig,
        DSM_POLICY_PACK: path.join(STAND_INS, "dsm-redis-policies"),
    };
    const kubernetesSdk = lockedVersion("@pulumi/kubernetes");
    execFileSync(
        path.join(cliBin, "pulumi"),
        [
            "plugin",
            "install",
            "resource",
            "kubernetes",
            kubernetesSdk,
            "--file",
            path.join(kubernetesBin, "pulumi-resource-kubernetes"),
        ],
        { env, stdio: ["ignore", "ignore", "inherit"] },
    );
    // The stand-in random plugin, as the version the SDK asks for; linked, so that it finds its source beside it.
    const random = path.join(home, "plugins", `resource-random-v${lockedVersion("@pulumi/random")}`);
    fs.mkdirSync(random, { recursive: true });
    fs.symlinkSync(path.join(STAND_INS, "pulumi-resource-random"), path.join(random, "pulumi-resource-random"));
    return {
        dir,
        env,
        versions: {
            cli: execFileSync(path.join(cliBin, "pulumi"), ["version"], { env, encoding: "utf8" }).trim(),
            kubernetesPlugin: fs
                .readFileSync(path.join(kubernetesBin, "pulumi-resource-kubernetes.version"), "utf8")
                .trim(),
            kubernetesSdk,
        },
    };
}
