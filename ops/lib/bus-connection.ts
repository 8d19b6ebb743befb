/**
 * How the operations scripts reach a deployed bus: through the Kubernetes API's port-forward to Service redis, as the
 * provisioning does, authenticated as a user whose password is read from its Secret (never from a command line).
 */
import type * as K8s from "@kubernetes/client-node";
import type { Redis } from "ioredis";
import {
    secretNameFor,
    ADMIN_USER,
    NODE_SELECTOR,
    labelSelector,
    nodePodName,
    nodePodSelector,
    openSession,
    REDIS_CONTAINER_PORT,
    PASSWORD_KEY,
    type PortForwardConnection,
    loadKubeConfig,
} from "../../components";
import type { StackHandle } from "./automation";
import { deployedStack } from "./stack-target";

export interface BusTarget {
    readonly namespace: string;
    readonly serviceName: string;
    readonly stream: string;
    readonly kubeconfig?: string;
    readonly context?: string;
}

/** The bus of a deployed stack: its outputs, and the cluster its Kubernetes provider reaches. */
export async function busTargetOf(stack: StackHandle): Promise<BusTarget> {
    const deployed = await deployedStack(stack);
    return {
        namespace: deployed.output<string>("namespace"),
        serviceName: deployed.output<string>("serviceName"),
        stream: deployed.output<string>("stream"),
        kubeconfig: deployed.kubeconfig,
        context: deployed.context,
    };
}

/** A user's password, from its Secret `redis-<user>` in the bus's namespace. */
export async function passwordOf(target: BusTarget, user: string): Promise<string> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const k8s = require("@kubernetes/client-node") as typeof K8s;
    const core = loadKubeConfig(k8s, target).makeApiClient(k8s.CoreV1Api);
    const name = secretNameFor(user);
    const secret = await core.readNamespacedSecret({ name, namespace: target.namespace }).catch(() => undefined);
    const encoded = secret?.data?.[PASSWORD_KEY];
    if (encoded === undefined) {
        throw new Error(
            `there is no Secret ${target.namespace}/${name} with a ${PASSWORD_KEY}: is ${user} a user of this bus?`,
        );
    }
    return Buffer.from(encoded, "base64").toString("utf8");
}

/** The connection to the bus as a user (the admin by default), through a port-forward. */
export async function busConnection(target: BusTarget, user = ADMIN_USER): Promise<PortForwardConnection> {
    return {
        namespace: target.namespace,
        service: target.serviceName,
        port: REDIS_CONTAINER_PORT,
        kubeconfig: target.kubeconfig,
        context: target.context,
        username: user,
        password: await passwordOf(target, user),
    };
}

/** What INFO replication says of a replica linked to its master, and up to date with it as it knows. */
export function isLinkedReplica(replicationInfo: string): boolean {
    return /^role:slave\r?$/m.test(replicationInfo) && /^master_link_status:up\r?$/m.test(replicationInfo);
}

/** A replica linked to its master, which a caller reads from: its pod and a client logged in to it. */
export interface LinkedReplica {
    readonly pod: string;
    readonly client: Redis;
}

/**
 * Runs `operation` with a replica linked to its master, on a replicated bus, logged in as `master` is (busConnection):
 * the first node pod, by ordinal, whose INFO says so, through the port-forward the question went through. With
 * undefined on a bus of one node, or where no replica is linked.
 */
export async function withLinkedReplica<T>(
    master: PortForwardConnection,
    operation: (replica: LinkedReplica | undefined) => Promise<T>,
): Promise<T> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const k8s = require("@kubernetes/client-node") as typeof K8s;
    const core = loadKubeConfig(k8s, master).makeApiClient(k8s.CoreV1Api);
    const pods = await core.listNamespacedPod({
        namespace: master.namespace,
        labelSelector: labelSelector(NODE_SELECTOR),
    });
    for (let ordinal = 0; ordinal < pods.items.length; ordinal++) {
        // The pod itself, not Service redis's (the proxy, which leads to the master).
        const connection: PortForwardConnection = {
            ...master,
            service: undefined,
            podSelector: nodePodSelector(ordinal),
        };
        const session = await openSession(connection, { timeoutSeconds: 5, log: () => undefined }).catch(
            () => undefined,
        );
        if (session === undefined) continue;
        try {
            const linked = isLinkedReplica(await session.client.info("replication").catch(() => ""));
            if (linked) return await operation({ pod: nodePodName(ordinal), client: session.client });
        } finally {
            await session.close();
        }
    }
    return operation(undefined);
}
