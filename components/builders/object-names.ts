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
} as const;

/** Labels on every object of the bus. */
export const BUS_LABELS = {
    ...REDIS_SELECTOR,
    "app.kubernetes.io/name": REDIS_NAME,
    "app.kubernetes.io/component": "event-bus",
    "app.kubernetes.io/part-of": "dsm",
    "app.kubernetes.io/managed-by": "pulumi",
} as const;

/** The name of a user's credentials Secret: `redis-<user>`, so that a service finds it by its own name. */
export function secretNameFor(user: string): string {
    return `redis-${user}`;
}
