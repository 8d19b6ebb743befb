/**
 * What `npm run destroy` says before and after: it names the stack and the cluster and asks for confirmation (unless
 * --yes), and afterwards names what it kept (the namespace with the data volume, unless deleteDataOnDestroy) and how
 * to delete it.
 */
import type * as K8s from "@kubernetes/client-node";
import { loadKubeConfig } from "../../components";
import type { StackHandle } from "./automation";
import { PreflightError } from "./preflight";

export interface DestroyPlan {
    readonly stack: string;
    /** The kubeconfig context and API server the stack's resources are on. */
    readonly cluster: string;
    readonly namespace?: string;
    /** Whether the namespace and the data volume stay. */
    readonly keepsData: boolean;
    readonly kubectlContext?: string;
}

/** The cluster, as the stack's Kubernetes provider reaches it: the kubeconfig's context and its API server. */
export function describeCluster(
    kubeconfig: string | undefined,
    context: string | undefined,
): { name: string; context?: string } {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const k8s = require("@kubernetes/client-node") as typeof K8s;
    try {
        const config = loadKubeConfig(k8s, { kubeconfig, context });
        const current = config.getCurrentContext();
        return { name: `context ${current} (${config.getCurrentCluster()?.server ?? "no server"})`, context: current };
    } catch (error) {
        return { name: `an unreadable kubeconfig (${(error as Error).message})` };
    }
}

export async function destroyPlan(stack: StackHandle): Promise<DestroyPlan> {
    const config = await stack.getAllConfig();
    const outputs = await stack.outputs();
    const value = (key: string) => config[`dsm-redis:${key}`]?.value;
    const cluster = describeCluster(config["kubernetes:kubeconfig"]?.value, config["kubernetes:context"]?.value);
    return {
        stack: stack.name,
        cluster: cluster.name,
        kubectlContext: cluster.context,
        namespace: outputs.namespace?.value as string | undefined,
        keepsData: value("deleteDataOnDestroy") !== "true" && value("persistence") !== "false",
    };
}

export function confirmationQuestion(plan: DestroyPlan): string {
    const keeps = plan.keepsData
        ? `It keeps namespace ${plan.namespace ?? "(none)"} with the data volume redis-data (every event).`
        : `deleteDataOnDestroy is true: it also deletes namespace ${plan.namespace ?? "(none)"} and the data volume, with every event.`;
    return `Destroy stack ${plan.stack} on ${plan.cluster}? ${keeps}\nType the stack name to confirm: `;
}

/** Asks, or refuses without a terminal: a destroy is never confirmed by accident. */
export async function confirmDestroy(
    plan: DestroyPlan,
    ask: ((question: string) => Promise<string>) | undefined,
): Promise<void> {
    if (ask === undefined) {
        throw new PreflightError([
            `npm run destroy asks before it destroys stack ${plan.stack} on ${plan.cluster}, and there is no terminal to ask in. Run it in a terminal, or pass --yes.`,
        ]);
    }
    const answer = (await ask(confirmationQuestion(plan))).trim();
    if (answer !== plan.stack) {
        throw new PreflightError([`Not destroyed: the answer was not the stack's name (${plan.stack}).`]);
    }
}

export function keptAfterDestroy(plan: DestroyPlan): string {
    if (!plan.keepsData || plan.namespace === undefined) return "Nothing was kept.\n";
    const context = plan.kubectlContext === undefined ? "" : ` --context ${plan.kubectlContext}`;
    return (
        `Kept: namespace ${plan.namespace} with PersistentVolumeClaim redis-data, the AOF with every event. ` +
        `A deploy of this stack adopts them again. To delete them for good: kubectl delete namespace ${plan.namespace}${context}\n`
    );
}
