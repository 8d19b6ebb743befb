// Generated from config/keys.ts by `npm run docs:config`; do not edit.
import * as pulumi from "@pulumi/pulumi";
import { Appendfsync, GroupArgs, ProvisionerConnection, UserArgs } from "./types";

/** The bus's settings, one per stack config key of the dsm-redis program, with the same names and defaults. */
export interface BusArgs {
    /** Namespace for the bus; a DNS-1123 label. It holds one bus: the object names are fixed. Default `dsm`. */
    readonly namespace?: pulumi.Input<string>;
    /** Create the namespace (false when another stack owns it; it should then enforce the restricted Pod Security Standard). Default `true`. */
    readonly createNamespace?: boolean;
    /** Redis image; pinned by a tag other than latest, or a digest. Default `redis:7.2-alpine`. */
    readonly image?: pulumi.Input<string>;
    /** Port of Service `redis` (the container always listens on 6379). Default `6379`. */
    readonly port?: pulumi.Input<number>;
    /** CPU request of the redis container. Default `100m`. */
    readonly cpuRequest?: pulumi.Input<string>;
    /** CPU limit of the redis container. Default `200m`. */
    readonly cpuLimit?: pulumi.Input<string>;
    /** Memory request of the redis container. Default `100Mi`. */
    readonly memoryRequest?: pulumi.Input<string>;
    /** Memory limit of the redis container; sets maxmemory (92 MiB for 200Mi, see docs/how-it-works.md); at least 48Mi (32Mi without persistence). Default `200Mi`. */
    readonly memoryLimit?: pulumi.Input<string>;
    /** Key of the event stream, in `dsm:*`; changing it creates a new stream. Default `dsm:events`. */
    readonly stream?: pulumi.Input<string>;
    /** Consumer groups, a JSON list of names or `{"name","startId"}`; startId `0` (default: the whole history) or `$`. Default `["sprint-service","project-service","backlog-service"]`. */
    readonly groups?: GroupArgs[];
    /** How long provisioning the stream waits for Redis to answer. Default `300`. */
    readonly readinessTimeoutSeconds?: pulumi.Input<number>;
    /** Delete the stream key from Redis when its resource is deleted (destroy, or a new `stream`); the volume is `deleteDataOnDestroy`'s. Default `false`. */
    readonly deleteStreamOnDelete?: boolean;
    /** Delete the data volume (every event) and its namespace on destroy; by default destroy keeps both, and a later deploy adopts them. Default `false`. */
    readonly deleteDataOnDestroy?: boolean;
    /** How `pulumi up` reaches Redis: `port-forward` (through the Kubernetes API) or `direct` (in-cluster). Default `port-forward`. */
    readonly provisionerConnection?: ProvisionerConnection;
    /** A PersistentVolumeClaim with AOF; `false` for throwaway stacks (emptyDir). Default `true`. */
    readonly persistence?: boolean;
    /** Size of the data volume. Default `1Gi`. */
    readonly storageSize?: pulumi.Input<string>;
    /** StorageClass of the data volume. Default: cluster default. */
    readonly storageClass?: pulumi.Input<string>;
    /** AOF fsync policy: `everysec` or `always`. Default `everysec`. */
    readonly appendfsync?: Appendfsync;
    /** One ACL user per service, with roles `publish` and/or `consume`, and optionally `"namespaces"` its service runs in, which get a copy of its Secret. Default `[{"name":"sprint-service","roles":["publish","consume"]},{"name":"project-orchestrator","roles":["publish"]},{"name":"project-service","roles":["consume"]},{"name":"backlog-service","roles":["consume"]}]`. */
    readonly users?: UserArgs[];
    /** Secret JSON object of user (or `dsm-admin`) to password; unset users get a generated one. Default: generated. */
    readonly passwords?: Record<string, pulumi.Input<string>>;
    /** Admit port 6379 only from labelled client pods. Default `true`. */
    readonly networkPolicy?: boolean;
    /** A CronJob that trims entries every consumer group has acknowledged, beyond the window below; never an entry a group still needs. Default `true`. */
    readonly retention?: boolean;
    /** Acknowledged entries younger than this are kept, for replay. Default `86400`. */
    readonly retentionMaxAgeSeconds?: pulumi.Input<number>;
    /** The newest entries kept, whatever their age. Default `10000`. */
    readonly retentionMinEntries?: pulumi.Input<number>;
    /** When retention runs, a cron schedule. Default `* * * * *`. */
    readonly retentionSchedule?: pulumi.Input<string>;
    /** Entries one atomic retention step may trim (1 to 100000); a run takes steps until less is ready. Default `500`. */
    readonly retentionBatch?: pulumi.Input<number>;
    /** DANGER: trim by the window alone, past entries groups have not received or acknowledged: those events are lost to them. Default `false`. */
    readonly retentionTrimUnacknowledged?: boolean;
    /** A redis_exporter sidecar on port 9121, as its own read-only ACL user. Default `true`. */
    readonly metrics?: boolean;
    /** The exporter's image, pinned. Default `oliver006/redis_exporter:v1.74.0`. */
    readonly metricsImage?: pulumi.Input<string>;
    /** A PodMonitor, a PrometheusRule with the alerts and a Grafana dashboard ConfigMap (needs the Prometheus Operator's CRDs). Default `false`. */
    readonly monitoring?: boolean;
    /** The namespace admitted to the metrics port (Prometheus's). Default `monitoring`. */
    readonly monitoringNamespace?: pulumi.Input<string>;
    /** Alert when a group's lag is above this, for 5 minutes. Default `1000`. */
    readonly alertLagEntries?: pulumi.Input<number>;
    /** Alert when a consumer holds pending entries and has been idle this long. Default `900`. */
    readonly alertPendingIdleSeconds?: pulumi.Input<number>;
    /** Alert when used memory is above this share of maxmemory, for 5 minutes. Default `0.8`. */
    readonly alertMemoryRatio?: pulumi.Input<number>;
    /** Alert when retention has not run for this long. Default `300`. */
    readonly alertRetentionStaleSeconds?: pulumi.Input<number>;
    /** Namespaces whose labelled pods may connect, a non-empty JSON list such as `["dsm","dsm-workers"]`. Default: the bus's and the users' namespaces. */
    readonly clientNamespaces?: pulumi.Input<string>[];
}
