// Generated from config/keys.ts by `npm run docs:config`; do not edit.
import * as pulumi from "@pulumi/pulumi";
import { Appendfsync, GroupArgs, ProvisionerConnection, UserArgs } from "./types";

/** The bus's settings, one per stack config key of the dsm-redis program, with the same names and defaults. */
export interface BusArgs {
    /** The namespace of the bus, a DNS-1123 label. Services address `redis.<namespace>.svc.cluster.local`; the object names inside it are fixed, so a namespace holds one bus. Default `dsm`. */
    readonly namespace?: pulumi.Input<string>;
    /** Create the namespace, enforcing the restricted Pod Security Standard. False when another stack owns it; it must then exist before `up`. Default `true`. */
    readonly createNamespace?: boolean;
    /** The Redis image, pinned by a tag other than `latest` or by a digest. Default `redis:7.2-alpine`. */
    readonly image?: pulumi.Input<string>;
    /** The port of Service `redis`. The container always listens on 6379. Default `6379`. */
    readonly port?: pulumi.Input<number>;
    /** CPU request of the redis container, a quantity; at most its limit. Default `100m`. */
    readonly cpuRequest?: pulumi.Input<string>;
    /** CPU limit of the redis container, a quantity. Default `200m`. */
    readonly cpuLimit?: pulumi.Input<string>;
    /** Memory request of the redis container, a quantity; at most its limit. Default `100Mi`. */
    readonly memoryRequest?: pulumi.Input<string>;
    /** Memory limit of the redis container; it also sets `maxmemory` (92 MiB for 200Mi, see docs/how-it-works.md), so it must leave Redis 16 MiB: at least 48Mi with persistence, 32Mi without. Default `200Mi`. */
    readonly memoryLimit?: pulumi.Input<string>;
    /** The event stream's key, in `dsm:*`. A change creates a new stream and keeps the old one. Default `dsm:events`. */
    readonly stream?: pulumi.Input<string>;
    /** The consumer groups, one per consuming service. A group's `startId` is `0` unless given (the whole history: event-sourced consumers rebuild their state from it), or `$` (only new entries). Default `["sprint-service","project-service","backlog-service"]`. */
    readonly groups?: GroupArgs[];
    /** How long provisioning waits for Redis to answer and finish loading, in seconds. Default `300`. */
    readonly readinessTimeoutSeconds?: pulumi.Input<number>;
    /** Delete the stream key from Redis when the stream resource is deleted: on destroy, and when `stream` names another key. The data volume is `deleteDataOnDestroy`'s. Default `false`. */
    readonly deleteStreamOnDelete?: boolean;
    /** Delete the data volume (every event) and the namespace that holds it on destroy. By default both are kept (Pulumi's `retainOnDelete`), and a later deploy adopts them with every event. Default `false`. */
    readonly deleteDataOnDestroy?: boolean;
    /** How `pulumi up` reaches Redis: `port-forward` through the Kubernetes API of the cluster the resources go to, or `direct` to `redis.<namespace>.svc.cluster.local` when the program runs in the cluster. Default `port-forward`. */
    readonly provisionerConnection?: ProvisionerConnection;
    /** A PersistentVolumeClaim with the AOF at /data. False: an emptyDir, lost with the pod, and a warning; for throwaway stacks. Default `true`. */
    readonly persistence?: boolean;
    /** The data volume's size, a quantity. Default `1Gi`. */
    readonly storageSize?: pulumi.Input<string>;
    /** The StorageClass of the data volume, and of the backups' when the bus makes it. Default: the cluster's default class. */
    readonly storageClass?: pulumi.Input<string>;
    /** AOF fsync: `everysec` (at most about a second lost on a node crash) or `always`. Default `everysec`. */
    readonly appendfsync?: Appendfsync;
    /** Redis nodes. 1 is the design's single Deployment. 3, 5 or 7 is a replicated bus: a StatefulSet of one master and replicas, each with its own volume and a Sentinel beside it, a majority needed to elect a master, and HAProxy as Deployment `redis` behind Service `redis`, so that clients keep their address across a failover. Fixed for the life of a stack: a change is refused at preview (docs/high-availability.md). Default `1`. */
    readonly replicas?: pulumi.Input<number>;
    /** How a replicated bus's nodes spread over hosts: `preferred` (on different hosts where the scheduler can; a small cluster still runs every node) or `required` (never two nodes on one host, so a node lost takes at most one). Across zones it is always preferred. Default `preferred`. */
    readonly replicaSpread?: pulumi.Input<string>;
    /** The image of the proxy in front of a replicated bus (HAProxy), pinned: it sends every connection to the node that says it is master. Default `haproxy:2.8-alpine`. */
    readonly proxyImage?: pulumi.Input<string>;
    /** One ACL user per service, confined to `dsm:*` and to its roles' commands (`publish`, `consume`). A user's `"namespaces"` (the ones its service runs in; each must exist) get a copy of its Secret, kept equal on rotation. Default `[{"name":"sprint-service","roles":["publish","consume"]},{"name":"project-orchestrator","roles":["publish"]},{"name":"project-service","roles":["consume"]},{"name":"backlog-service","roles":["consume"]}]`. */
    readonly users?: UserArgs[];
    /** Passwords by user name (`dsm-admin` included), at least 16 characters without white space; always stored as secrets. Users without one get a generated password. Default: generated once and kept. */
    readonly passwords?: Record<string, pulumi.Input<string>>;
    /** Admit port 6379 only from pods labelled `redis.dsm.io/client: "true"` in `clientNamespaces`. Default `true`. */
    readonly networkPolicy?: boolean;
    /** A CronJob that trims entries every consumer group has acknowledged, beyond the window below, so that the stream never fills `maxmemory`; never an entry a group still needs (unless `retentionTrimUnacknowledged`). Default `true`. */
    readonly retention?: boolean;
    /** Acknowledged entries younger than this many seconds are kept, for replay (a day by default). Default `86400`. */
    readonly retentionMaxAgeSeconds?: pulumi.Input<number>;
    /** The newest this many entries are kept, acknowledged or not. Default `10000`. */
    readonly retentionMinEntries?: pulumi.Input<number>;
    /** When retention runs, as a cron schedule: five fields, or a macro such as `@hourly`. Default `* * * * *`. */
    readonly retentionSchedule?: pulumi.Input<string>;
    /** Entries one atomic retention step may trim; a run takes steps until less is ready (or 45 s pass). Default `500`. */
    readonly retentionBatch?: pulumi.Input<number>;
    /** DANGER: trim by the window alone, past entries that groups have not been delivered or hold pending: those events are lost to those services. For a bus whose memory matters more than its consumers. Default `false`. */
    readonly retentionTrimUnacknowledged?: boolean;
    /** Move poison entries out of the groups' way, in each retention run before it trims: an entry a group has had delivered `deadLetterDeliveries` times and left idle `deadLetterIdleSeconds` is copied to `<stream>:dead`, with its ID, group, consumer and delivery count, and acknowledged in that group, atomically. Nothing is lost (dead letters are never trimmed), and one event a consumer keeps failing on no longer holds retention back. Needs `retention`. Default `true`. */
    readonly deadLetters?: boolean;
    /** Deliveries after which a pending entry counts as poison. 5: a consumer that crashes on an event and is restarted has it redelivered a few times before the bus gives up on it; a transient failure seldom lasts five deliveries. Default `5`. */
    readonly deadLetterDeliveries?: pulumi.Input<number>;
    /** How long a poison entry must have been idle (neither delivered nor claimed again) before it moves, so that an entry a consumer is working on is never taken from it. 600: longer than any event should take to process. Default `600`. */
    readonly deadLetterIdleSeconds?: pulumi.Input<number>;
    /** The most entries `<stream>:dead` holds. At the cap nothing more is moved (and nothing dropped): poison entries stay pending, the run says so, and an operator replays or drops dead letters. Default `100000`. */
    readonly deadLetterMaxEntries?: pulumi.Input<number>;
    /** A CronJob that backs the bus up on `backupSchedule` into a volume, without pausing it: the stream, its groups, consumers and pending entries, consistent at one cut, in a file with its checksum that `npm run restore` takes; the newest `backupKeep` files are kept. It runs as a user of its own that may only read the bus, and records each outcome, which the alerts read. Default `false`. */
    readonly backup?: boolean;
    /** When the backup runs, as a cron schedule (daily at 03:17 by default, in the cluster's time zone). Default `17 3 * * *`. */
    readonly backupSchedule?: pulumi.Input<string>;
    /** How many backup files are kept, the newest; each successful backup removes the older ones. Default `7`. */
    readonly backupKeep?: pulumi.Input<number>;
    /** An existing PersistentVolumeClaim in the bus's namespace to write the backups to (the bus then makes none), for example one on storage outside the cluster's nodes. Default: a claim redis-backups of backupStorageSize, which the bus makes. */
    readonly backupClaim?: pulumi.Input<string>;
    /** The size of the backups' claim the bus makes: room for `backupKeep` files of the stream, each at most about twice the stream's memory. Default `2Gi`. */
    readonly backupStorageSize?: pulumi.Input<string>;
    /** A redis_exporter sidecar on port 9121, as its own read-only ACL user: memory, AOF status, errors, and each stream group's length, lag, pending entries and consumers. Default `true`. */
    readonly metrics?: boolean;
    /** The exporter's image, pinned. Default `oliver006/redis_exporter:v1.74.0`. */
    readonly metricsImage?: pulumi.Input<string>;
    /** Prometheus Operator objects (a PodMonitor and a PrometheusRule with the alerts) and a Grafana dashboard ConfigMap. Off by default: the Operator's CRDs may not exist. Needs `metrics`. Default `false`. */
    readonly monitoring?: boolean;
    /** The namespace Prometheus scrapes from: the only one admitted to port 9121. Default `monitoring`. */
    readonly monitoringNamespace?: pulumi.Input<string>;
    /** Alert when a group's lag (entries not yet delivered to it) is above this, for 5 minutes. Default `1000`. */
    readonly alertLagEntries?: pulumi.Input<number>;
    /** Alert when a consumer holds pending entries and has been idle this many seconds. Default `900`. */
    readonly alertPendingIdleSeconds?: pulumi.Input<number>;
    /** Alert when the oldest entry a group holds pending was published this many seconds ago and is still not acknowledged, for 5 minutes (recorded by each retention run). Default `3600`. */
    readonly alertPendingAgeSeconds?: pulumi.Input<number>;
    /** Alert when used memory is above this share of maxmemory, for 5 minutes. Default `0.8`. */
    readonly alertMemoryRatio?: pulumi.Input<number>;
    /** Alert when retention has not run for this many seconds. Default `300`. */
    readonly alertRetentionStaleSeconds?: pulumi.Input<number>;
    /** With `backup`, alert when no backup has succeeded for this many seconds (26 hours: a daily schedule and two hours' grace). Default `93600`. */
    readonly alertBackupStaleSeconds?: pulumi.Input<number>;
    /** The namespaces whose labelled pods may connect, a non-empty list. Default: the bus's own namespace and every namespace a service user runs in. */
    readonly clientNamespaces?: pulumi.Input<string>[];
}
