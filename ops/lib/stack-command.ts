/**
 * `npm run preview | deploy | destroy`: select or create the stack, check what must be in place, then run the
 * engine with the policy pack enforced and its output streamed as it runs.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { Automation, StackHandle, StackNotFound, StackRequest, pulumiAutomation } from "./automation";
import { confirmDestroy, destroyPlan, keptAfterDestroy } from "./destroy";
import { Environment, MISSING_CLI, PreflightError, kubeconfigProblem, passphraseProblem } from "./preflight";
import { REPO_ROOT } from "./repo-root";
import { Command, CommandOutput, Flag, FlagValues, UsageError } from "./command-line";

/**
 * The policy pack every preview, deploy and integration run enforces: policy/ (built by `npm ci`, or
 * `npm run build -w policy`), or the pack folder DSM_POLICY_PACK names.
 */
export const POLICY_PACK = process.env.DSM_POLICY_PACK ?? path.join(REPO_ROOT, "policy");
export const DEFAULT_STACK = "dev";

export const STACK_COMMANDS = ["preview", "deploy", "destroy"] as const;
export type StackCommand = (typeof STACK_COMMANDS)[number];

export interface CommandOptions {
    readonly stackName: string;
    /** A `--policy-pack-config` JSON file for the pack, if any. */
    readonly policyConfig?: string;
    /** `--yes`: destroy without asking. */
    readonly yes?: boolean;
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

/** The stack's config file, for what must be known before the CLI is asked anything. */
function stackFileSetsKubeconfig(stackName: string): boolean {
    const file = path.join(REPO_ROOT, `Pulumi.${stackName}.yaml`);
    if (!fs.existsSync(file)) return false;
    const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    return doc.config?.["kubernetes:kubeconfig"] !== undefined;
}

/**
 * Every prerequisite checked at once, so that one run lists all that is missing: the CLI, the passphrase a
 * self-managed backend needs, and a kubeconfig when the stack's config sets none.
 */
export async function preflight(automation: Automation, options: CommandOptions): Promise<StackRequest> {
    const request = {
        stackName: options.stackName,
        workDir: REPO_ROOT,
        envVars: workspaceEnv(options.environment.env),
    };
    const problems: string[] = [];
    const cli = await automation.cliAvailable();
    if (!cli) problems.push(MISSING_CLI);
    // Without the CLI the backend it is logged in to is unknown; PULUMI_BACKEND_URL still names one.
    const backend = cli ? await automation.backendUrl(request) : request.envVars.PULUMI_BACKEND_URL;
    const passphrase = passphraseProblem(backend, options.environment);
    if (passphrase !== undefined) problems.push(passphrase);
    const kubeconfig = kubeconfigProblem(options.environment, stackFileSetsKubeconfig(options.stackName));
    if (kubeconfig !== undefined) problems.push(kubeconfig);
    if (problems.length > 0) throw new PreflightError(problems);
    return request;
}

/** After the preflight: the stack, created if it does not exist (preview, deploy). */
export async function openStack(automation: Automation, options: CommandOptions): Promise<StackHandle> {
    return automation.selectOrCreateStack(await preflight(automation, options));
}

/** After the preflight: the stack, which must exist (verify, destroy, cli, backup, restore). */
export async function openExistingStack(automation: Automation, options: CommandOptions): Promise<StackHandle> {
    return automation.selectStack(await preflight(automation, options));
}

export async function runStackCommand(
    command: StackCommand,
    automation: Automation,
    options: CommandOptions,
): Promise<void> {
    if (command === "destroy") return destroyStack(automation, options);
    const stack = await openStack(automation, options);
    options.write(
        `${command} of stack ${stack.name} (policy pack ${path.relative(REPO_ROOT, POLICY_PACK)} enforced)\n`,
    );
    const policy = {
        policyPacks: [POLICY_PACK],
        policyPackConfigs: options.policyConfig === undefined ? undefined : [path.resolve(options.policyConfig)],
        onOutput: options.write,
        color: "auto" as const,
    };
    if (command === "preview") await stack.preview({ ...policy, diff: false });
    if (command === "deploy") {
        // The engine checks policies on each resource as an update reaches it, after the ones before it were
        // created; a preview checks them all first, so that a violation stops the deploy with nothing changed.
        await stack.preview({ ...policy, diff: false });
        await stack.up(policy);
    }
}

/** Destroys an existing stack, after confirmation, and says what it kept. */
async function destroyStack(automation: Automation, options: CommandOptions): Promise<void> {
    const stack = await openExistingStack(automation, options);
    const plan = await destroyPlan(stack);
    if (!options.yes) await confirmDestroy(plan, options.environment.ask);
    options.write(`destroy of stack ${stack.name} on ${plan.cluster}\n`);
    await stack.destroy({ onOutput: options.write, color: "auto" });
    options.write(keptAfterDestroy(plan));
}

/** `--stack NAME`: every command that works on a stack takes it. */
export const STACK_FLAG: Flag = {
    type: "string",
    value: "NAME",
    default: `$DSM_STACK, else ${DEFAULT_STACK}`,
    description: "The stack: its config file Pulumi.<NAME>.yaml and its state.",
};

const POLICY_CONFIG_FLAG: Flag = {
    type: "string",
    value: "FILE",
    description: "A policy pack config (JSON, as policy/config.example.json): enforcement levels and policy settings.",
};

/** `--policy-config FILE`, and the engine's own name for it, so that a command can be copied from one to the other. */
export const POLICY_CONFIG_FLAGS: Readonly<Record<string, Flag>> = {
    "policy-config": POLICY_CONFIG_FLAG,
    "policy-pack-config": { ...POLICY_CONFIG_FLAG, description: "The same as --policy-config, by the engine's name." },
};

/** The command lines of npm run preview, deploy and destroy. */
export const STACK_COMMAND_LINES: Readonly<Record<StackCommand, Command>> = {
    preview: {
        name: "npm run preview",
        summary:
            "Previews what `up` would change on the stack, with the policy pack enforced (a violation fails it). Nothing changes.",
        flags: { stack: STACK_FLAG, ...POLICY_CONFIG_FLAGS },
        examples: ["npm run preview", "npm run preview -- --stack prod --policy-config policy/config.example.json"],
    },
    deploy: {
        name: "npm run deploy",
        summary:
            "Previews with the policy pack enforced, then deploys the stack (pulumi up): a violation stops it before anything changes.",
        flags: { stack: STACK_FLAG, ...POLICY_CONFIG_FLAGS },
        examples: ["npm run deploy", "npm run deploy -- --stack=prod"],
    },
    destroy: {
        name: "npm run destroy",
        summary:
            "Destroys the stack's bus after asking, naming the stack and its cluster; keeps the namespace and the data volume unless deleteDataOnDestroy.",
        flags: {
            stack: STACK_FLAG,
            yes: { type: "boolean", description: "Destroy without asking (asking needs a terminal)." },
        },
        examples: ["npm run destroy -- --stack dev", "npm run destroy -- --stack ci-1234 --yes"],
    },
};

/** The stack options of parsed flags: the stack (--stack, else $DSM_STACK, else dev), the policy config, --yes. */
export function stackOptions(
    flags: FlagValues,
    env: NodeJS.ProcessEnv,
): { stackName: string; policyConfig?: string; yes: boolean } {
    const text = (name: string) => (typeof flags[name] === "string" ? (flags[name] as string) : undefined);
    return {
        stackName: text("stack") ?? env.DSM_STACK ?? DEFAULT_STACK,
        policyConfig: text("policy-config") ?? text("policy-pack-config"),
        yes: flags.yes === true,
    };
}

/**
 * An operator command's stack, which must exist: the one its flags name, opened after the preflight, with progress
 * and the preflight's messages on stderr (stdout is the command's result). verify, cli, backup and restore use it.
 */
export async function openCommandStack(flags: FlagValues, output: CommandOutput): Promise<StackHandle> {
    output.progress("opening the stack");
    return openExistingStack(pulumiAutomation, {
        ...stackOptions(flags, process.env),
        write: output.error,
        environment: realEnvironment,
    });
}

/** The result of a failed CLI command, as the Automation API's CommandError carries it. */
interface CommandResult {
    readonly stdout: string;
    readonly stderr: string;
    readonly code: number;
    readonly err?: Error;
}

function commandResultOf(error: unknown): CommandResult | undefined {
    const result = (error as { commandResult?: CommandResult } | null)?.commandResult;
    return result !== undefined && typeof result.stderr === "string" ? result : undefined;
}

/**
 * Prints a failure whole, and returns the exit code: 2 for what was missing or refused before anything ran, 1 for an
 * operation that failed. For a
 * failed CLI command, its stderr and error are printed; its stdout is not, since it was streamed as it came.
 */
export function reportFailure(error: unknown, write: (text: string) => void): number {
    if (error instanceof PreflightError || error instanceof StackNotFound || error instanceof UsageError) {
        write(`${error.message}\n`);
        return 2;
    }
    const result = commandResultOf(error);
    if (result !== undefined) {
        write(`failed: the Pulumi CLI exited with code ${result.code}\n`);
        if (result.stderr.trim() !== "") write(`${result.stderr.trim()}\n`);
        if (result.err !== undefined) write(`${String(result.err)}\n`);
        if (result.stdout.trim() !== "") write("(the engine's output above has the details)\n");
        return 1;
    }
    write(`failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
}

export const realEnvironment: Environment = {
    env: process.env,
    fileExists: (file) => fs.existsSync(file),
    ask: process.stdin.isTTY ? askOnTerminal : undefined,
};

function askOnTerminal(question: string): Promise<string> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const readline = require("readline") as typeof import("readline");
    const terminal = readline.createInterface({ input: process.stdin, output: process.stdout });
    return new Promise((resolve) =>
        terminal.question(question, (answer) => {
            terminal.close();
            resolve(answer);
        }),
    );
}
