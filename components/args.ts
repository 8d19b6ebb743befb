/**
 * The arguments of DsmRedis, their defaults, and `resolveArgs`: the one path from what a caller (or the stack config
 * reader) gives to settings the builders can use, refusing every invalid value before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_SERVICE_USERS, ServiceUser } from "./render/acl";
import { AppendFsync } from "./render/redis-conf";
import { GroupSpec, ProvisionerConnection, STREAM_GROUPS_DEFAULTS } from "./stream-groups/inputs";
import {
    InvalidArgumentsError,
    NOT_YET_KNOWN,
    Problem,
    SettingsToCheck,
    normalisedUsers,
    passwordsProblems,
    settingsProblems,
} from "./validation";

/** Requests or limits; either field may be left out, to keep its default. */
export interface ResourceAmounts {
    readonly cpu?: pulumi.Input<string>;
    readonly memory?: pulumi.Input<string>;
}

export interface DsmRedisArgs {
    /**
     * The namespace of the bus, a DNS-1123 label. Services address `redis.<namespace>.svc.cluster.local`. The object
     * names inside it are fixed (`redis`, `redis-config` …), so a namespace holds one bus. Default: `dsm`.
     */
    readonly namespace?: pulumi.Input<string>;
    /**
     * Create the namespace, enforcing the restricted Pod Security Standard. False when another stack owns it; it must
     * then exist before `up`. Default: true.
     */
    readonly createNamespace?: boolean;
    /** The Redis image, pinned by a tag other than `latest` or by a digest. Default: `redis:7.2-alpine`. */
    readonly image?: pulumi.Input<string>;
    /** The port of Service `redis`. The container always listens on 6379. Default: 6379. */
    readonly port?: pulumi.Input<number>;
    /**
     * Requests and limits of the redis container, as Kubernetes quantities; any field left out keeps its default, and
     * requests may not exceed limits. The memory limit also sets `maxmemory` (see render/redis-conf.ts), so it must
     * leave Redis at least 16 MiB: 48Mi with persistence, 32Mi without. Default: requests `100m` cpu and `100Mi`
     * memory, limits `200m` and `200Mi`.
     */
    readonly resources?: { readonly requests?: ResourceAmounts; readonly limits?: ResourceAmounts };
    /** The event stream's key, in `dsm:*`. A change creates a new stream and keeps the old one. Default: `dsm:events`. */
    readonly stream?: pulumi.Input<string>;
    /**
     * The consumer groups, one per consuming service. `startId` defaults to `0`: a group starts at the stream's
     * first entry, because event-sourced consumers rebuild their state from history.
     * Default: `sprint-service`, `project-service`, `backlog-service`.
     */
    readonly groups?: pulumi.Input<pulumi.Input<GroupSpec>[]>;
    /** How long provisioning the stream waits for Redis to answer and finish loading, in seconds. Default: 300. */
    readonly readinessTimeoutSeconds?: pulumi.Input<number>;
    /**
     * Delete the stream key from the running server when the stream resource is deleted: on destroy, and when
     * `stream` names another key. The data volume is `deleteDataOnDestroy`'s. Default: false (events are data).
     */
    readonly deleteStreamOnDelete?: pulumi.Input<boolean>;
    /**
     * Delete the data volume (the AOF, every event) and the namespace that holds it when the component is deleted.
     * By default both are kept (Pulumi's `retainOnDelete`): destroy removes the rest, and a later deploy adopts them
     * with every event. Default: false.
     */
    readonly deleteDataOnDestroy?: boolean;
    /**
     * How provisioning reaches Redis: `port-forward` through the Kubernetes API of the cluster the resources go to
     * (the machine running `pulumi up` cannot reach a ClusterIP Service), or `direct` to
     * `redis.<namespace>.svc.cluster.local` when the program runs in the cluster. Default: `port-forward`.
     */
    readonly provisionerConnection?: ProvisionerConnection;
    /**
     * The cluster, given once: its kubeconfig (contents or a path) and, optionally, the context. When set, DsmRedis
     * creates its own Kubernetes provider from it, and the port-forward goes through the same kubeconfig. When unset,
     * both follow the stack's `kubernetes:kubeconfig` and `kubernetes:context`, as the default provider does, else
     * `$KUBECONFIG` or `~/.kube/config`. A Kubernetes provider passed in the resource options is refused with
     * port-forward provisioning, since the port-forward could not know its cluster. Default: unset.
     */
    readonly kubernetes?: { readonly kubeconfig?: pulumi.Input<string>; readonly context?: pulumi.Input<string> };
    /** A PersistentVolumeClaim with AOF at /data. False: an emptyDir, lost with the pod, and a warning. Default: true. */
    readonly persistence?: boolean;
    /** The data volume's size, a quantity. Default: `1Gi`. */
    readonly storageSize?: pulumi.Input<string>;
    /** The data volume's StorageClass. Default: the cluster's default class. */
    readonly storageClass?: pulumi.Input<string>;
    /** AOF fsync: `everysec` (at most about a second lost on a node crash) or `always`. Default: `everysec`. */
    readonly appendfsync?: AppendFsync;
    /**
     * One ACL user per service, confined to `dsm:*` and to its roles' commands. A user's `namespaces` (the ones its
     * service runs in; each must exist) get a copy of its Secret, kept equal on rotation. Default: `sprint-service`
     * (publish, consume), `project-orchestrator` (publish), `project-service` (consume), `backlog-service` (consume).
     */
    readonly users?: readonly ServiceUser[];
    /**
     * Passwords by user name (`dsm-admin` included), at least 16 characters without white space; always stored as
     * secrets. The others are generated once and kept. Default: all generated.
     */
    readonly passwords?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Admit port 6379 only from pods labelled `redis.dsm.io/client: "true"` in `clientNamespaces`. Default: true. */
    readonly networkPolicy?: boolean;
    /**
     * Retention: a CronJob that trims entries every consumer group has acknowledged, beyond the window below, so that
     * the stream never fills `maxmemory`. Never an entry a group has not been delivered or holds pending (unless
     * `retentionTrimUnacknowledged`). Default: true.
     */
    readonly retention?: boolean;
    /** Acknowledged entries younger than this many seconds are kept, for replay. Default: 86400 (a day). */
    readonly retentionMaxAgeSeconds?: pulumi.Input<number>;
    /** The newest this many entries are kept, acknowledged or not. Default: 10000. */
    readonly retentionMinEntries?: pulumi.Input<number>;
    /** When retention runs, as a cron schedule (five fields). Default: every minute, `* * * * *`. */
    readonly retentionSchedule?: pulumi.Input<string>;
    /** Entries one atomic step may trim; a run takes steps until less is ready (or 45 s pass). Default: 1000. */
    readonly retentionBatch?: pulumi.Input<number>;
    /**
     * DANGER: trim by the window alone, past entries that groups have not been delivered or hold pending. Those
     * events are lost for those services. For a bus whose memory matters more than its consumers. Default: false.
     */
    readonly retentionTrimUnacknowledged?: boolean;
    /**
     * A redis_exporter sidecar in the Redis pod, as its own read-only ACL user, on port 9121: memory, AOF status,
     * errors, and each stream group's length, lag, pending entries and consumers. Default: true.
     */
    readonly metrics?: boolean;
    /** The exporter's image, pinned. Default: `oliver006/redis_exporter:v1.74.0`. */
    readonly metricsImage?: pulumi.Input<string>;
    /**
     * Prometheus Operator objects (a PodMonitor and a PrometheusRule with the alerts) and a Grafana dashboard
     * ConfigMap. Off by default: the Operator's CRDs may not exist. Needs `metrics`. Default: false.
     */
    readonly monitoring?: boolean;
    /** The namespace Prometheus scrapes from: the only one admitted to port 9121. Default: `monitoring`. */
    readonly monitoringNamespace?: pulumi.Input<string>;
    /** Alert when a group's lag (entries not yet delivered to it) is above this, for 5 minutes. Default: 1000. */
    readonly alertLagEntries?: pulumi.Input<number>;
    /** Alert when a consumer holds pending entries and has been idle this many seconds. Default: 900. */
    readonly alertPendingIdleSeconds?: pulumi.Input<number>;
    /** Alert when used memory is above this share of maxmemory, for 5 minutes. Default: 0.8. */
    readonly alertMemoryRatio?: pulumi.Input<number>;
    /** Alert when retention has not run for this many seconds. Default: 300. */
    readonly alertRetentionStaleSeconds?: pulumi.Input<number>;
    /**
     * The namespaces whose labelled pods may connect, a non-empty list. Default: the bus's own namespace and every
     * namespace a service user runs in (`users[].namespaces`).
     */
    readonly clientNamespaces?: pulumi.Input<pulumi.Input<string>[]>;
}

/** The defaults: the design's manifest (image, port, requests and limits), hardened. */
export const DSM_REDIS_DEFAULTS = {
    namespace: "dsm",
    createNamespace: true,
    image: "redis:7.2-alpine",
    port: 6379,
    resources: { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "200m", memory: "200Mi" } },
    stream: STREAM_GROUPS_DEFAULTS.stream,
    groups: STREAM_GROUPS_DEFAULTS.groups.map((g) => ({ name: g.name, startId: STREAM_GROUPS_DEFAULTS.startId })),
    readinessTimeoutSeconds: STREAM_GROUPS_DEFAULTS.readinessTimeoutSeconds,
    deleteStreamOnDelete: STREAM_GROUPS_DEFAULTS.deleteStreamOnDelete,
    provisionerConnection: "port-forward",
    deleteDataOnDestroy: false,
    persistence: true,
    storageSize: "1Gi",
    appendfsync: "everysec",
    users: DEFAULT_SERVICE_USERS,
    networkPolicy: true,
    retention: true,
    retentionMaxAgeSeconds: 86400,
    retentionMinEntries: 10000,
    retentionSchedule: "* * * * *",
    retentionBatch: 500,
    retentionTrimUnacknowledged: false,
    metrics: true,
    metricsImage: "oliver006/redis_exporter:v1.74.0",
    monitoring: false,
    monitoringNamespace: "monitoring",
    alertLagEntries: 1000,
    alertPendingIdleSeconds: 900,
    alertMemoryRatio: 0.8,
    alertRetentionStaleSeconds: 300,
} as const satisfies Omit<BusSettings, "storageClass" | "clientNamespaces">;

/** Settings once resolved and valid: what the builders read. */
export interface BusSettings {
    readonly namespace: string;
    readonly image: string;
    readonly port: number;
    readonly resources: {
        readonly requests: { readonly cpu: string; readonly memory: string };
        readonly limits: { readonly cpu: string; readonly memory: string };
    };
    readonly stream: string;
    readonly groups: readonly GroupSpec[];
    readonly readinessTimeoutSeconds: number;
    readonly deleteStreamOnDelete: boolean;
    readonly storageSize: string;
    readonly storageClass?: string;
    readonly clientNamespaces?: readonly string[];
    readonly retentionMaxAgeSeconds: number;
    readonly retentionMinEntries: number;
    readonly retentionSchedule: string;
    readonly retentionBatch: number;
    readonly metricsImage: string;
    readonly monitoringNamespace: string;
    readonly alertLagEntries: number;
    readonly alertPendingIdleSeconds: number;
    readonly alertMemoryRatio: number;
    readonly alertRetentionStaleSeconds: number;
    // Plain in the arguments: they decide which resources exist.
    readonly createNamespace: boolean;
    readonly deleteDataOnDestroy: boolean;
    readonly provisionerConnection: ProvisionerConnection;
    readonly persistence: boolean;
    readonly appendfsync: AppendFsync;
    readonly users: readonly ServiceUser[];
    readonly networkPolicy: boolean;
    readonly retention: boolean;
    readonly retentionTrimUnacknowledged: boolean;
    readonly metrics: boolean;
    readonly monitoring: boolean;
}

/** The settings that decide which resources exist, and so must be known when the component is constructed. */
export type StructuralSettings = Pick<
    BusSettings,
    | "createNamespace"
    | "deleteDataOnDestroy"
    | "provisionerConnection"
    | "persistence"
    | "appendfsync"
    | "users"
    | "networkPolicy"
    | "retention"
    | "retentionTrimUnacknowledged"
    | "metrics"
    | "monitoring"
>;

export interface ResolvedArgs {
    /** The structural settings, plain. */
    readonly structure: StructuralSettings;
    /** Every setting, valid once resolved; an Output so that arguments given as Outputs flow through. */
    readonly settings: pulumi.Output<BusSettings>;
    /** The passwords given, by user, each a secret. */
    readonly passwords: Readonly<Record<string, pulumi.Output<string>>>;
    /** The cluster to reach, when given. */
    readonly kubernetes?: DsmRedisArgs["kubernetes"];
}

/** True when a value holds no Output or Promise at any depth, so it can be checked before anything is created. */
export function isPlain(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
    if (Array.isArray(value)) return value.every(isPlain);
    if (value !== null && typeof value === "object") return Object.values(value).every(isPlain);
    return true;
}

/** The value with every Output or Promise in it, at any depth, replaced by NOT_YET_KNOWN. */
function knownPart(value: unknown): unknown {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return NOT_YET_KNOWN;
    if (Array.isArray(value)) return value.map(knownPart);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, knownPart(v)]));
    }
    return value;
}

/** The arguments over the defaults, still as Inputs. Passwords and the cluster are kept apart: they are secrets. */
function withDefaults(args: DsmRedisArgs) {
    const d = DSM_REDIS_DEFAULTS;
    return {
        namespace: args.namespace ?? d.namespace,
        image: args.image ?? d.image,
        port: args.port ?? d.port,
        resources: {
            requests: { ...d.resources.requests, ...definedOnly(args.resources?.requests) },
            limits: { ...d.resources.limits, ...definedOnly(args.resources?.limits) },
        },
        stream: args.stream ?? d.stream,
        groups: args.groups ?? d.groups,
        readinessTimeoutSeconds: args.readinessTimeoutSeconds ?? d.readinessTimeoutSeconds,
        deleteStreamOnDelete: args.deleteStreamOnDelete ?? d.deleteStreamOnDelete,
        storageSize: args.storageSize ?? d.storageSize,
        storageClass: args.storageClass,
        clientNamespaces: args.clientNamespaces,
        createNamespace: args.createNamespace ?? d.createNamespace,
        deleteDataOnDestroy: args.deleteDataOnDestroy ?? d.deleteDataOnDestroy,
        provisionerConnection: args.provisionerConnection ?? d.provisionerConnection,
        persistence: args.persistence ?? d.persistence,
        appendfsync: args.appendfsync ?? d.appendfsync,
        users: args.users ?? d.users,
        networkPolicy: args.networkPolicy ?? d.networkPolicy,
        retentionMaxAgeSeconds: args.retentionMaxAgeSeconds ?? d.retentionMaxAgeSeconds,
        retentionMinEntries: args.retentionMinEntries ?? d.retentionMinEntries,
        retentionSchedule: args.retentionSchedule ?? d.retentionSchedule,
        retentionBatch: args.retentionBatch ?? d.retentionBatch,
        metricsImage: args.metricsImage ?? d.metricsImage,
        monitoringNamespace: args.monitoringNamespace ?? d.monitoringNamespace,
        alertLagEntries: args.alertLagEntries ?? d.alertLagEntries,
        alertPendingIdleSeconds: args.alertPendingIdleSeconds ?? d.alertPendingIdleSeconds,
        alertMemoryRatio: args.alertMemoryRatio ?? d.alertMemoryRatio,
        alertRetentionStaleSeconds: args.alertRetentionStaleSeconds ?? d.alertRetentionStaleSeconds,
        retention: args.retention ?? d.retention,
        retentionTrimUnacknowledged: args.retentionTrimUnacknowledged ?? d.retentionTrimUnacknowledged,
        metrics: args.metrics ?? d.metrics,
        monitoring: args.monitoring ?? d.monitoring,
    };
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
    return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The settings as the validators read them: what is known now, NOT_YET_KNOWN where an Output has yet to resolve. */
function toCheck(settings: unknown, passwords: Readonly<Record<string, unknown>>): SettingsToCheck {
    return { ...(settings as SettingsToCheck), passwords };
}

/**
 * Every problem of the arguments among the values known now (Outputs and Promises are checked when they resolve).
 * The stack config reader calls this too, so the two paths share one judgement.
 */
export function argumentProblems(args: DsmRedisArgs): Problem[] {
    return settingsProblems(
        toCheck(knownPart(withDefaults(args)), knownPart(args.passwords ?? {}) as Record<string, unknown>),
    );
}

/**
 * Resolves and validates the arguments. Every problem among the values known now is thrown at once, as an
 * InvalidArgumentsError naming each argument, before the caller registers anything; values given as Outputs are
 * checked by the same rules when they resolve, failing the resources they feed with the same message.
 */
export function resolveArgs(args: DsmRedisArgs): ResolvedArgs {
    const problems = argumentProblems(args);
    if (problems.length > 0) throw new InvalidArgumentsError(problems);

    const merged = withDefaults(args);
    const users = normalisedUsers(merged.users);
    const names = users.map((u) => u.name);
    const structure: StructuralSettings = {
        createNamespace: merged.createNamespace,
        deleteDataOnDestroy: merged.deleteDataOnDestroy,
        provisionerConnection: merged.provisionerConnection,
        persistence: merged.persistence,
        appendfsync: merged.appendfsync,
        users,
        networkPolicy: merged.networkPolicy,
        retention: merged.retention,
        retentionTrimUnacknowledged: merged.retentionTrimUnacknowledged,
        metrics: merged.metrics,
        monitoring: merged.monitoring,
    };
    const plain = isPlain(merged);
    const settings = pulumi.output(merged).apply((resolved) => {
        if (!plain) {
            const late = settingsProblems(toCheck(resolved, {}));
            if (late.length > 0) throw new InvalidArgumentsError(late);
        }
        return { ...(resolved as unknown as BusSettings), users };
    });
    const passwords = Object.fromEntries(
        Object.entries(args.passwords ?? {}).map(([user, password]) => [
            user,
            pulumi.secret(
                isPlain(password)
                    ? pulumi.output(password)
                    : pulumi.output(password).apply((resolved) => {
                          const late = passwordsProblems({ [user]: resolved }, names);
                          if (late.length > 0) throw new InvalidArgumentsError(late);
                          return resolved;
                      }),
            ),
        ]),
    );
    return { structure, settings, passwords, kubernetes: args.kubernetes };
}
