/** A stand-in for the Automation API at its boundary (ops/lib/automation.ts), recording every call. */
import type { OutputMap } from "@pulumi/pulumi/automation";
import { Automation, StackHandle, StackNotFound, StackRequest } from "../../ops/lib/automation";

export interface FakeAutomationOptions {
    readonly cli?: boolean;
    readonly backendUrl?: string;
    readonly config?: Record<string, { value: string; secret?: boolean }>;
    readonly outputs?: OutputMap;
    /** Lines the engine "prints" during each operation, through onOutput. */
    readonly engineOutput?: string[];
    /** Fail this operation with this message. */
    readonly fail?: { operation: string; message: string };
    /** The stacks that exist, for selectStack. Default: every name exists. */
    readonly stacks?: string[];
}

export class FakeAutomation implements Automation {
    readonly calls: Array<{ call: string; args: unknown }> = [];
    readonly requests: StackRequest[] = [];

    constructor(private readonly options: FakeAutomationOptions = {}) {}

    async cliAvailable(): Promise<boolean> {
        this.calls.push({ call: "cliAvailable", args: undefined });
        return this.options.cli ?? true;
    }

    async backendUrl(request: StackRequest): Promise<string | undefined> {
        this.calls.push({ call: "backendUrl", args: request });
        return request.envVars.PULUMI_BACKEND_URL ?? this.options.backendUrl;
    }

    async selectStack(request: StackRequest): Promise<StackHandle> {
        this.calls.push({ call: "selectStack", args: request });
        const stacks = this.options.stacks;
        if (stacks !== undefined && !stacks.includes(request.stackName)) {
            throw new StackNotFound(request.stackName, stacks);
        }
        return this.handle(request);
    }

    async selectOrCreateStack(request: StackRequest): Promise<StackHandle> {
        this.calls.push({ call: "selectOrCreateStack", args: request });
        return this.handle(request);
    }

    private handle(request: StackRequest): StackHandle {
        this.requests.push(request);
        const options = this.options;
        const record = async (operation: string, args: unknown) => {
            this.calls.push({ call: operation, args });
            const onOutput = (args as { onOutput?: (s: string) => void } | undefined)?.onOutput;
            for (const line of options.engineOutput ?? []) onOutput?.(`${line}\n`);
            if (options.fail?.operation === operation) throw new Error(options.fail.message);
        };
        return {
            name: request.stackName,
            preview: async (args) => record("preview", args),
            up: async (args) => {
                await record("up", args);
                return { outputs: options.outputs ?? {} };
            },
            destroy: async (args) => record("destroy", args),
            outputs: async () => {
                await record("outputs", undefined);
                return options.outputs ?? {};
            },
            getAllConfig: async () => options.config ?? {},
            setConfig: async (key, value, secret) => record("setConfig", { key, value, secret }),
            removeStack: async () => record("removeStack", undefined),
        };
    }

    /** The operations run on the stack, in order. */
    get operations(): string[] {
        return this.calls
            .map((c) => c.call)
            .filter(
                (c) => !["cliAvailable", "backendUrl", "selectOrCreateStack", "selectStack", "outputs"].includes(c),
            );
    }
}
