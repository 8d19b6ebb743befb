/** What `npm run verify` checks, read from a deployed stack: its outputs and its Kubernetes provider config. */
import type { StackHandle } from "./automation";
import type { VerifyTarget } from "./verify-checks";

export async function verifyTargetOf(stack: StackHandle): Promise<VerifyTarget> {
    const outputs = await stack.outputs();
    const config = await stack.getAllConfig();
    const value = <T>(key: string): T => {
        const output = outputs[key];
        if (output === undefined) {
            throw new Error(
                `stack ${stack.name} has no output ${JSON.stringify(key)}: deploy it first (npm run deploy)`,
            );
        }
        return output.value as T;
    };
    return {
        namespace: value<string>("namespace"),
        serviceName: value<string>("serviceName"),
        port: value<number>("port"),
        stream: value<string>("stream"),
        groups: value<string[]>("groups"),
        kubeconfig: config["kubernetes:kubeconfig"]?.value,
        context: config["kubernetes:context"]?.value,
    };
}
