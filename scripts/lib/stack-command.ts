/**
 * `npm run preview | deploy | destroy`: select or create the stack, check what must be in place, then run the
 * engine with the policy pack enforced and its output streamed as it runs.
 */
import * as fs from "fs";
import * as path from "path";
import { Automation, StackHandle } from "./automation";
import { Environment, MISSING_CLI, PreflightError, kubeconfigProblem, passphraseProblem } from "./preflight";

export const ROOT = path.resolve(__dirname, "..", "..");
export const POLICY_PACK = path.join(ROOT, "policy");
export const DEFAULT_STACK = "dev";

export const STACK_COMMANDS = ["preview", "deploy", "destroy"] as const;
export type StackCommand = (typeof STACK_COMMANDS)[number];

export interface CommandOptions {
    readonly stackName: string;
    /** A `--policy-pack-config` JSON file for the pack, if any. */
    readonly policyConfig?: string;
    /** Where the engine's output goes, as it comes. */
    readonly write: (text: string) => void;
    readonly environment: Environment;
}

/**
 * The variables that decide where the stack lives and how its secrets open, passed to the workspace explicitly so
 * that `backendUrl` sees them. They do not restrict anything: the CLI inherits our whole environment anyway.
 */
export function workspaceEnv(env: NodeJS.ProcessEnv): Record<string, string> {
    const keys = [
        "PULUMI_BACKEND_URL",
        "PULUMI_CONFIG_PASSPHRASE",
        "PULUMI_CONFIG_PASSPHRASE_FILE",
        "PULUMI_ACCESS_TOKEN",
        "KUBECONFIG",
    ];
    return Object.fromEntries(keys.filter((k) => env[k] !== undefined).map((k) => [k, env[k] as string]));
}

/** Selects or creates the stack after the checks that need no stack; then the checks that need its config. */
export async function openStack(automation: Automation, options: CommandOptions): Promise<StackHandle> {
    if (!(await automation.cliAvailable())) throw new PreflightError([MISSING_CLI]);
    const request = { stackName: options.stackName, workDir: ROOT, envVars: workspaceEnv(options.environment.env) };
    const passphrase = passphraseProblem(await automation.backendUrl(request), options.environment);
    if (passphrase !== undefined) throw new PreflightError([passphrase]);
    const stack = await automation.selectOrCreateStack(request);
    const config = await stack.getAllConfig();
    const kubeconfig = kubeconfigProblem(options.environment, config["kubernetes:kubeconfig"] !== undefined);
    if (kubeconfig !== undefined) throw new PreflightError([kubeconfig]);
    return stack;
}

export async function runStackCommand(
    command: StackCommand,
    automation: Automation,
    options: CommandOptions,
): Promise<void> {
    const stack = await openStack(automation, options);
    options.write(`${command} of stack ${stack.name} (policy pack ${path.relative(ROOT, POLICY_PACK)} enforced)\n`);
    const policy = {
        policyPacks: [POLICY_PACK],
        policyPackConfigs: options.policyConfig === undefined ? undefined : [path.resolve(options.policyConfig)],
        onOutput: options.write,
        color: "auto" as const,
    };
    if (command === "preview") await stack.preview({ ...policy, diff: false });
    if (command === "deploy") await stack.up(policy);
    if (command === "destroy") await stack.destroy({ onOutput: options.write, color: "auto" });
}

export function parseArgs(
    argv: readonly string[],
    env: NodeJS.ProcessEnv,
): { stackName: string; policyConfig?: string } {
    let stackName = env.DSM_STACK ?? DEFAULT_STACK;
    let policyConfig: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack") stackName = argv[++i] ?? stackName;
        else if (argv[i] === "--policy-config") policyConfig = argv[++i];
        else
            throw new PreflightError([
                `Unknown argument ${JSON.stringify(argv[i])}. Accepted: --stack NAME (default ${DEFAULT_STACK}), --policy-config FILE.`,
            ]);
    }
    return { stackName, policyConfig };
}

/** Prints a PreflightError as its paragraphs and anything else as one line: the engine already showed its output. */
export function reportFailure(error: unknown, write: (text: string) => void): number {
    if (error instanceof PreflightError) {
        write(`${error.message}\n`);
        return 2;
    }
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    write(`failed: ${message}\n(the engine's output above says why)\n`);
    return 1;
}

export const realEnvironment: Environment = { env: process.env, fileExists: (file) => fs.existsSync(file) };
