/**
 * The names and labels of the bus's Kubernetes objects. Fixed, because services address `redis.dsm.svc.cluster.local`
 * and runbooks say `kubectl get svc redis -n dsm`; so a namespace holds one bus.
 */

/** The Deployment and the Service. */
export const REDIS_NAME = "redis";

/** The selector of the Deployment and the Service; immutable once deployed, so it stays exactly the design's. */
export const REDIS_SELECTOR = { app: REDIS_NAME } as const;

/** The label a pod carries to be admitted by the NetworkPolicy. */
export const CLIENT_LABEL = { "redis.dsm.io/client": "true" } as const;

/** The other objects' names. */
export const OBJECT_NAMES = {
    config: "redis-config",
    acl: "redis-acl",
    data: "redis-data",
    networkPolicy: "redis",
    retention: "redis-retention",
    backup: "redis-backup",
    backups: "redis-backups",
    dashboard: "redis-dashboard",
    /** A replicated bus's StatefulSet of Redis nodes (pods redis-node-0, -1, …) and its PodDisruptionBudget. */
    nodes: "redis-node",
    /** The headless Service that gives each node its stable DNS name. */
    nodeDomain: "redis-nodes",
    /** The ConfigMap with the nodes' start, Sentinel and switchover scripts. */
    replication: "redis-replication",
    /** The ConfigMap with haproxy.cfg, and the proxy's PodDisruptionBudget. */
    proxy: "redis-proxy",
} as const;

/** Labels on every object of the bus. */
export const BUS_LABELS = {
    ...REDIS_SELECTOR,
    "app.kubernetes.io/name": REDIS_NAME,
    "app.kubernetes.io/component": "event-bus",
    "app.kubernetes.io/part-of": "dsm",
    "app.kubernetes.io/managed-by": "pulumi",
} as const;

/**
 * The selector of a replicated bus's nodes. Not `app: redis`: Service `redis` selects that label, and on a replicated
 * bus it must reach only the proxy, which sends each connection to the master.
 */
export const NODE_SELECTOR = { app: OBJECT_NAMES.nodes } as const;

/** Labels on the nodes and their objects: the bus's, with the nodes' own `app`. */
export const NODE_LABELS = { ...BUS_LABELS, ...NODE_SELECTOR } as const;

/** The name of a node's pod, by ordinal, as the StatefulSet names it: `redis-node-0`. */
export function nodePodName(ordinal: number): string {
    return `${OBJECT_NAMES.nodes}-${ordinal}`;
}

/** A selector of one node's pod, by the label the StatefulSet controller gives each pod: its name. */
export function nodePodSelector(ordinal: number): Record<string, string> {
    return { "statefulset.kubernetes.io/pod-name": nodePodName(ordinal) };
}

/**
 * A node pod's stable DNS name through the headless Service. The pod's start scripts get it with `$(POD_NAME)` and
 * `$(POD_NAMESPACE)` for the two, as the kubelet expands them.
 */
export function nodeDnsName(pod: string, namespace: string): string {
    return `${pod}.${OBJECT_NAMES.nodeDomain}.${namespace}.svc.cluster.local`;
}

/** Each node's stable DNS name, by ordinal: what the nodes announce, and the proxy and the Sentinels reach. */
export function nodeHosts(nodes: number, namespace: string): string[] {
    return Array.from({ length: nodes }, (_, ordinal) => nodeDnsName(nodePodName(ordinal), namespace));
}

/** The name of a user's credentials Secret: `redis-<user>`, so that a service finds it by its own name. */
export function secretNameFor(user: string): string {
    return `redis-${user}`;
}
