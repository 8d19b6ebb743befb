/**
 * The real Pulumi engine for the engine tier: the CLI built from its Go module; the Node.js language host, built from
 * Pulumi's source (tools/pulumi-language-nodejs), and the YAML one (tools/pulumi-yaml); the Kubernetes plugin, built
 * from its module (v4.25.0's commit), and the random plugin, built from pulumi-random's source (tools/pulumi-random),
 * each installed as the version its SDK asks for. The policy pack runs through the language host, as for a user.
 * Everything lives in a temp folder: PULUMI_HOME, a file backend, and nothing is downloaded.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { builtTools } from "./built-tools";
import { REPO_ROOT } from "../ops/lib/repo-root";

export interface LocalEngine {
    readonly dir: string;
    /** The environment for the CLI and for `npm run` commands that drive it. */
    readonly env: NodeJS.ProcessEnv;
    readonly versions: {
        readonly cli: string;
        readonly languageHost: string;
        readonly kubernetesPlugin: string;
        readonly kubernetesSdk: string;
        readonly randomPlugin: string;
        readonly randomSdk: string;
    };
}

function lockedVersion(name: string): string {
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as {
        packages: Record<string, { version: string }>;
    };
    return lock.packages[`node_modules/${name}`].version;
}

/**
 * The engine in `dir` (its PULUMI_HOME and file backend) for the cluster of `kubeconfig`. Idempotent: a second call on
 * the same folder reuses what the first installed. The passphrase encrypts the backend's secrets.
 */
export function prepareEngine(dir: string, kubeconfig: string, passphrase = "engine-tier-passphrase"): LocalEngine {
    const tools = builtTools("engine");
    const [cliBin, languageBin, yamlBin, kubernetesBin, randomBin] = [
        tools.pulumi,
        tools["pulumi-language-nodejs"],
        tools["pulumi-yaml"],
        tools["pulumi-kubernetes"],
        tools["pulumi-random"],
    ];
    const home = path.join(dir, "pulumi-home");
    const state = path.join(dir, "state");
    fs.mkdirSync(state, { recursive: true });
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        // The CLI, the Node.js language host with the dynamic-provider plugin script of the same tree, and the YAML
        // language host (examples/yaml).
        PATH: [cliBin, languageBin, yamlBin, process.env.PATH].join(path.delimiter),
        PULUMI_HOME: home,
        PULUMI_BACKEND_URL: `file://${state}`,
        PULUMI_CONFIG_PASSPHRASE: passphrase,
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        KUBECONFIG: kubeconfig,
    };
    const kubernetesSdk = lockedVersion("@pulumi/kubernetes");
    const randomSdk = lockedVersion("@pulumi/random");
    // Each plugin as the version its SDK asks for, so that the engine finds it without a download.
    const install = (name: string, version: string, binary: string) =>
        execFileSync(path.join(cliBin, "pulumi"), ["plugin", "install", "resource", name, version, "--file", binary], {
            env,
            stdio: ["ignore", "ignore", "inherit"],
        });
    install("kubernetes", kubernetesSdk, path.join(kubernetesBin, "pulumi-resource-kubernetes"));
    install("random", randomSdk, path.join(randomBin, "pulumi-resource-random"));
    return {
        dir,
        env,
        versions: {
            cli: execFileSync(path.join(cliBin, "pulumi"), ["version"], { env, encoding: "utf8" }).trim(),
            languageHost: fs.readFileSync(path.join(languageBin, "pulumi-language-nodejs.version"), "utf8").trim(),
            kubernetesPlugin: fs
                .readFileSync(path.join(kubernetesBin, "pulumi-resource-kubernetes.version"), "utf8")
                .trim(),
            kubernetesSdk,
            randomPlugin: fs.readFileSync(path.join(randomBin, "pulumi-resource-random.version"), "utf8").trim(),
            randomSdk,
        },
    };
}
