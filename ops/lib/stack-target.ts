/** What `npm run verify` checks, read from a deployed stack: its outputs and its Kubernetes provider config. */
import type { StackHandle } from "./automation";
import type { VerifyTarget } from "./verify-checks";

/** A deployed stack's outputs (each one required, with a message saying to deploy first) and its cluster. */
export async function deployedStack(stack: StackHandle): Promise<{
    output<T>(key: string): T;
    readonly kubeconfig?: string;
    readonly context?: string;
}> {
    const outputs = await stack.outputs();
    const config = await stack.getAllConfig();
    return {
        output<T>(key: string): T {
            const output = outputs[key];
            if (output === undefined) {
                throw new Error(
                    `stack ${stack.name} has no output ${JSON.stringify(key)}: deploy it first (npm run deploy)`,
                );
            }
            return output.value as T;
        },
        kubeconfig: config["kubernetes:kubeconfig"]?.value,
        context: config["kubernetes:context"]?.value,
    };
}

export async function verifyTargetOf(stack: StackHandle): Promise<VerifyTarget> {
    const deployed = await deployedStack(stack);
    return {
        namespace: deployed.output<string>("namespace"),
        serviceName: deployed.output<string>("serviceName"),
        port: deployed.output<number>("port"),
        stream: deployed.output<string>("stream"),
        groups: deployed.output<string[]>("groups"),
        kubeconfig: deployed.kubeconfig,
        context: deployed.context,
    };
}
