/**
 * What must be in place before the engine runs, each checked with a one-paragraph answer saying what to install or
 * set, instead of the stack trace the engine would print later. Pure: the environment comes in as arguments.
 */
import * as os from "os";
import * as path from "path";

export interface Environment {
    readonly env: NodeJS.ProcessEnv;
    /** Whether a file exists (injected so that tests need no real files). */
    readonly fileExists: (file: string) => boolean;
    /** Asks the user a question and returns the answer; undefined when there is no terminal to ask in. */
    readonly ask?: (question: string) => Promise<string>;
}

/** The kubeconfig files kubectl would read: $KUBECONFIG's list, else ~/.kube/config. */
export function kubeconfigFiles(environment: Environment): string[] {
    const list = environment.env.KUBECONFIG;
    if (list !== undefined && list !== "") return list.split(path.delimiter).filter(Boolean);
    return [path.join(environment.env.HOME ?? os.homedir(), ".kube", "config")];
}

/** A stack that sets kubernetes:kubeconfig needs no file; otherwise one of kubectl's files must exist. */
export function kubeconfigProblem(environment: Environment, stackSetsKubeconfig: boolean): string | undefined {
    if (stackSetsKubeconfig) return undefined;
    const files = kubeconfigFiles(environment);
    if (files.some((file) => environment.fileExists(file))) return undefined;
    return (
        `No kubeconfig found (looked for ${files.join(", ")}). The program deploys to the cluster your kubeconfig's ` +
        "current context points at, as kubectl does: create one (e.g. `kind create cluster`, or your cloud's " +
        "`get-credentials` command), set KUBECONFIG to its path, or set it for this stack with " +
        '`pulumi config set --secret kubernetes:kubeconfig "$(cat path/to/kubeconfig)"`.'
    );
}

/** Pulumi Cloud keeps secrets itself; every other backend (file://, s3://, …) encrypts them with a passphrase. */
export function passphraseProblem(backendUrl: string | undefined, environment: Environment): string | undefined {
    const cloud = backendUrl === undefined || /^https:\/\/(api|app)\.pulumi\.com/.test(backendUrl);
    if (cloud) return undefined;
    const { PULUMI_CONFIG_PASSPHRASE, PULUMI_CONFIG_PASSPHRASE_FILE } = environment.env;
    if (PULUMI_CONFIG_PASSPHRASE !== undefined || PULUMI_CONFIG_PASSPHRASE_FILE !== undefined) return undefined;
    return (
        `The backend ${backendUrl} stores the stack's secrets (the Redis passwords) encrypted with a passphrase, ` +
        "and none is set. Export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE with its path) before " +
        "running again; use the same one every time, or the stack's secrets cannot be read."
    );
}

export const MISSING_CLI =
    "The Pulumi CLI is not installed (no `pulumi` on the PATH). These scripts drive it through the Automation API: " +
    "install it with `curl -fsSL https://get.pulumi.com | sh` (or `brew install pulumi/tap/pulumi`), open a new " +
    "shell so that it is on the PATH, and run again.";

/** A failure that the scripts print as a paragraph, without a stack trace. */
export class PreflightError extends Error {
    constructor(readonly paragraphs: string[]) {
        super(paragraphs.join("\n\n"));
        this.name = "PreflightError";
    }
}
