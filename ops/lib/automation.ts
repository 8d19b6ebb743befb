/**
 * The boundary between the scripts and the Pulumi Automation API: everything they ask of a workspace or a stack goes
 * through `Automation`, so that tests can stand in for the engine there and nowhere else.
 */
import type {
    DestroyOptions,
    InlineProgramArgs,
    LocalWorkspaceOptions,
    OutputMap,
    PreviewOptions,
    PulumiFn,
    Stack,
    UpOptions,
} from "@pulumi/pulumi/automation";

export interface StackHandle {
    readonly name: string;
    preview(options: PreviewOptions): Promise<unknown>;
    up(options: UpOptions): Promise<{ outputs: OutputMap }>;
    destroy(options: DestroyOptions): Promise<unknown>;
    outputs(): Promise<OutputMap>;
    /** The stack's config, `project:key` to value (secrets included, as the CLI shows them with --show-secrets). */
    getAllConfig(): Promise<Record<string, { value: string; secret?: boolean }>>;
    setConfig(key: string, value: string, secret: boolean): Promise<void>;
    removeStack(): Promise<void>;
}

export interface StackRequest {
    readonly stackName: string;
    /** The program's folder (Pulumi.yaml, the stack config files). */
    readonly workDir: string;
    /** Extra environment for the CLI: PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE … */
    readonly envVars: Record<string, string>;
}

export interface Automation {
    /** Whether a usable Pulumi CLI is on the PATH. */
    cliAvailable(): Promise<boolean>;
    /** The backend the CLI would use for this folder: PULUMI_BACKEND_URL, else the one it is logged in to. */
    backendUrl(request: StackRequest): Promise<string | undefined>;
    selectOrCreateStack(request: StackRequest): Promise<StackHandle>;
    /** The stack, which must exist: rejects with StackNotFound, naming the stacks there are. */
    selectStack(request: StackRequest): Promise<StackHandle>;
}

/** A stack that does not exist, where one must: the scripts that only read a stack never create one. */
export class StackNotFound extends Error {
    constructor(
        readonly stackName: string,
        readonly existing: readonly string[],
    ) {
        super(
            `There is no stack named ${JSON.stringify(stackName)}${existing.length > 0 ? `; the stacks are ${existing.join(", ")}` : "; there is none yet"}. Deploy it first (npm run deploy -- --stack ${stackName}), or name another with --stack.`,
        );
        this.name = "StackNotFound";
    }
}

/**
 * The stack program (index.ts), run inline: in this process, handed to the CLI as a language runtime of its own
 * (`--client`). The same function the CLI runs through Pulumi.yaml, without needing a Node.js language host plugin.
 */
function program(): PulumiFn {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a stack is opened.
    return require("../../index") as PulumiFn;
}

/** An inline stack of this project, with the workspace in the program's folder (Pulumi.yaml, stack config files). */
function stackArgs(request: StackRequest): [InlineProgramArgs, LocalWorkspaceOptions] {
    return [
        { stackName: request.stackName, projectName: "dsm-redis", program: program() },
        { workDir: request.workDir, envVars: request.envVars },
    ];
}

function handleOf(stack: Stack): StackHandle {
    return {
        name: stack.name,
        preview: (options) => stack.preview(options),
        up: (options) => stack.up(options),
        destroy: (options) => stack.destroy(options),
        outputs: () => stack.outputs(),
        getAllConfig: () => stack.getAllConfig(),
        setConfig: (key, value, secret) => stack.setConfig(key, { value, secret }),
        removeStack: () => stack.workspace.removeStack(stack.name),
    };
}

/** The real Automation API, loaded only when used (it is slow to load and needs the CLI). */
export const pulumiAutomation: Automation = {
    async cliAvailable() {
        const { PulumiCommand } = await import("@pulumi/pulumi/automation");
        try {
            await PulumiCommand.get();
            return true;
        } catch {
            return false;
        }
    },

    async backendUrl(request) {
        if (request.envVars.PULUMI_BACKEND_URL) return request.envVars.PULUMI_BACKEND_URL;
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        const workspace = await LocalWorkspace.create({ workDir: request.workDir, envVars: request.envVars });
        try {
            return (await workspace.whoAmI()).url;
        } catch {
            return undefined; // Not logged in: the CLI will say so itself.
        }
    },

    async selectOrCreateStack(request) {
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        return handleOf(await LocalWorkspace.createOrSelectStack(...stackArgs(request)));
    },

    async selectStack(request) {
        const { LocalWorkspace, StackNotFoundError } = await import("@pulumi/pulumi/automation");
        try {
            return handleOf(await LocalWorkspace.selectStack(...stackArgs(request)));
        } catch (error) {
            if (!(error instanceof StackNotFoundError)) throw error;
            const workspace = await LocalWorkspace.create({ workDir: request.workDir, envVars: request.envVars });
            throw new StackNotFound(
                request.stackName,
                (await workspace.listStacks()).map((s) => s.name),
            );
        }
    },
};
