/**
 * The stack config keys (`dsm-redis:<key>`): how each is read from text into an argument of DsmRedis, its default
 * (shown from the component's own defaults), and what it means. README's table mirrors this list; a test keeps the
 * two in step.
 */
import { DSM_REDIS_DEFAULTS } from "../components/args";

/** How a key's text becomes an argument value. */
export type KeyKind =
    | "text"
    | "boolean"
    | "number"
    /** JSON: a list or an object. */
    | "json"
    /** JSON, never echoed in a message. */
    | "secret-json";

export interface ConfigKey {
    readonly key: string;
    /** The argument of DsmRedis it sets, as a path (`resources.limits.memory`), or the resource option. */
    readonly argument: string;
    /** Set for a key that is a resource option of the component (`protect`), not an argument. */
    readonly option?: true;
    readonly kind: KeyKind;
    /** The default, as README shows it. */
    readonly default: string;
    readonly description: string;
}

const d = DSM_REDIS_DEFAULTS;
const json = (value: unknown) => JSON.stringify(value);

export const CONFIG_KEYS: readonly ConfigKey[] = [
    {
        key: "namespace",
        argument: "namespace",
        kind: "text",
        default: d.namespace,
        description: "Namespace for the bus; a DNS-1123 label. It holds one bus: the object names are fixed.",
    },
    {
        key: "createNamespace",
        argument: "createNamespace",
        kind: "boolean",
        default: String(d.createNamespace),
        description:
            "Create the namespace (false when another stack owns it; it should then enforce the restricted Pod Security Standard).",
    },
    {
        key: "image",
        argument: "image",
        kind: "text",
        default: d.image,
        description: "Redis image; pinned by a tag other than latest, or a digest.",
    },
    {
        key: "port",
        argument: "port",
        kind: "number",
        default: String(d.port),
        description: "Port of Service `redis` (the container always listens on 6379).",
    },
    {
        key: "cpuRequest",
        argument: "resources.requests.cpu",
        kind: "text",
        default: d.resources.requests.cpu,
        description: "CPU request of the redis container.",
    },
    {
        key: "cpuLimit",
        argument: "resources.limits.cpu",
        kind: "text",
        default: d.resources.limits.cpu,
        description: "CPU limit of the redis container.",
    },
    {
        key: "memoryRequest",
        argument: "resources.requests.memory",
        kind: "text",
        default: d.resources.requests.memory,
        description: "Memory request of the redis container.",
    },
    {
        key: "memoryLimit",
        argument: "resources.limits.memory",
        kind: "text",
        default: d.resources.limits.memory,
        description:
            "Memory limit of the redis container; sets maxmemory (92 MiB for 200Mi, see docs/how-it-works.md); at least 48Mi (32Mi without persistence).",
    },
    {
        key: "stream",
        argument: "stream",
        kind: "text",
        default: d.stream,
        description: "Key of the event stream, in `dsm:*`; changing it creates a new stream.",
    },
    {
        key: "groups",
        argument: "groups",
        kind: "json",
        default: json(d.groups.map((g) => g.name)),
        description:
            'Consumer groups, a JSON list of names or `{"name","startId"}`; startId `0` (default: the whole history) or `$`.',
    },
    {
        key: "readinessTimeoutSeconds",
        argument: "readinessTimeoutSeconds",
        kind: "number",
        default: String(d.readinessTimeoutSeconds),
        description: "How long provisioning the stream waits for Redis to answer.",
    },
    {
        key: "deleteStreamOnDelete",
        argument: "deleteStreamOnDelete",
        kind: "boolean",
        default: String(d.deleteStreamOnDelete),
        description:
            "Delete the stream key from Redis when its resource is deleted (destroy, or a new `stream`); the volume is `deleteDataOnDestroy`'s.",
    },
    {
        key: "deleteDataOnDestroy",
        argument: "deleteDataOnDestroy",
        kind: "boolean",
        default: String(d.deleteDataOnDestroy),
        description:
            "Delete the data volume (every event) and its namespace on destroy; by default destroy keeps both, and a later deploy adopts them.",
    },
    {
        key: "protect",
        argument: "protect",
        option: true,
        kind: "boolean",
        default: "false",
        description:
            "Protect every resource of the bus (Pulumi `protect`): destroy and replacements fail until it is false. For production stacks.",
    },
    {
        key: "provisionerConnection",
        argument: "provisionerConnection",
        kind: "text",
        default: d.provisionerConnection,
        description:
            "How `pulumi up` reaches Redis: `port-forward` (through the Kubernetes API) or `direct` (in-cluster).",
    },
    {
        key: "persistence",
        argument: "persistence",
        kind: "boolean",
        default: String(d.persistence),
        description: "A PersistentVolumeClaim with AOF; `false` for throwaway stacks (emptyDir).",
    },
    {
        key: "storageSize",
        argument: "storageSize",
        kind: "text",
        default: d.storageSize,
        description: "Size of the data volume.",
    },
    {
        key: "storageClass",
        argument: "storageClass",
        kind: "text",
        default: "(cluster default)",
        description: "StorageClass of the data volume.",
    },
    {
        key: "appendfsync",
        argument: "appendfsync",
        kind: "text",
        default: d.appendfsync,
        description: "AOF fsync policy: `everysec` or `always`.",
    },
    {
        key: "users",
        argument: "users",
        kind: "json",
        default: json(d.users),
        description:
            'One ACL user per service, with roles `publish` and/or `consume`, and optionally `"namespaces"` its service runs in, which get a copy of its Secret.',
    },
    {
        key: "passwords",
        argument: "passwords",
        kind: "secret-json",
        default: "(generated)",
        description: "Secret JSON object of user (or `dsm-admin`) to password; unset users get a generated one.",
    },
    {
        key: "networkPolicy",
        argument: "networkPolicy",
        kind: "boolean",
        default: String(d.networkPolicy),
        description: "Admit port 6379 only from labelled client pods.",
    },
    {
        key: "retention",
        argument: "retention",
        kind: "boolean",
        default: String(d.retention),
        description:
            "A CronJob that trims entries every consumer group has acknowledged, beyond the window below; never an entry a group still needs.",
    },
    {
        key: "retentionMaxAgeSeconds",
        argument: "retentionMaxAgeSeconds",
        kind: "number",
        default: String(d.retentionMaxAgeSeconds),
        description: "Acknowledged entries younger than this are kept, for replay.",
    },
    {
        key: "retentionMinEntries",
        argument: "retentionMinEntries",
        kind: "number",
        default: String(d.retentionMinEntries),
        description: "The newest entries kept, whatever their age.",
    },
    {
        key: "retentionSchedule",
        argument: "retentionSchedule",
        kind: "text",
        default: d.retentionSchedule,
        description: "When retention runs, a cron schedule.",
    },
    {
        key: "retentionBatch",
        argument: "retentionBatch",
        kind: "number",
        default: String(d.retentionBatch),
        description: "Entries one atomic retention step may trim (1 to 100000); a run takes steps until less is ready.",
    },
    {
        key: "retentionTrimUnacknowledged",
        argument: "retentionTrimUnacknowledged",
        kind: "boolean",
        default: String(d.retentionTrimUnacknowledged),
        description:
            "DANGER: trim by the window alone, past entries groups have not received or acknowledged: those events are lost to them.",
    },
    {
        key: "metrics",
        argument: "metrics",
        kind: "boolean",
        default: String(d.metrics),
        description: "A redis_exporter sidecar on port 9121, as its own read-only ACL user.",
    },
    {
        key: "metricsImage",
        argument: "metricsImage",
        kind: "text",
        default: d.metricsImage,
        description: "The exporter's image, pinned.",
    },
    {
        key: "monitoring",
        argument: "monitoring",
        kind: "boolean",
        default: String(d.monitoring),
        description:
            "A PodMonitor, a PrometheusRule with the alerts and a Grafana dashboard ConfigMap (needs the Prometheus Operator's CRDs).",
    },
    {
        key: "monitoringNamespace",
        argument: "monitoringNamespace",
        kind: "text",
        default: d.monitoringNamespace,
        description: "The namespace admitted to the metrics port (Prometheus's).",
    },
    {
        key: "alertLagEntries",
        argument: "alertLagEntries",
        kind: "number",
        default: String(d.alertLagEntries),
        description: "Alert when a group's lag is above this, for 5 minutes.",
    },
    {
        key: "alertPendingIdleSeconds",
        argument: "alertPendingIdleSeconds",
        kind: "number",
        default: String(d.alertPendingIdleSeconds),
        description: "Alert when a consumer holds pending entries and has been idle this long.",
    },
    {
        key: "alertMemoryRatio",
        argument: "alertMemoryRatio",
        kind: "number",
        default: String(d.alertMemoryRatio),
        description: "Alert when used memory is above this share of maxmemory, for 5 minutes.",
    },
    {
        key: "alertRetentionStaleSeconds",
        argument: "alertRetentionStaleSeconds",
        kind: "number",
        default: String(d.alertRetentionStaleSeconds),
        description: "Alert when retention has not run for this long.",
    },
    {
        key: "clientNamespaces",
        argument: "clientNamespaces",
        kind: "json",
        default: "(the bus's and the users' namespaces)",
        description:
            'Namespaces whose labelled pods may connect, a non-empty JSON list such as `["dsm","dsm-workers"]`.',
    },
];
