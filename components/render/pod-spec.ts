/**
 * The Redis pod template: container, probes, volumes and security context. Pure: it builds the spec from values
 * and Inputs, and creates nothing.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { PROBE_USER } from "./acl";
import { ACL_DIR, CONFIG_DIR, CONFIG_FILE, REDIS_CONTAINER_PORT, REDIS_DATA_DIR, REDIS_GID, REDIS_UID } from "./layout";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Probe = k8s.types.input.core.v1.Probe;
type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** The key of every credentials Secret that holds the password. */
export const PASSWORD_KEY = "REDIS_PASSWORD";

/**
 * The probes authenticate as the probe user, which has no password and may only PING: the pod holds no credential,
 * and a rotated admin password needs no restart. `-e` makes an error reply (NOAUTH, LOADING) a non-zero exit.
 */
const PING = ["redis-cli", "--no-auth-warning", "--user", PROBE_USER, "--pass", PROBE_USER, "-e", "ping"];

/**
 * Alive while Redis answers, even while it is still LOADING a long AOF; dead when it does not answer.
 */
const PING_OR_LOADING = [
    "sh",
    "-c",
    `out=$(${PING.filter((a) => a !== "-e").join(" ")} 2>&1); case "$out" in PONG|LOADING*) exit 0;; esac; echo "$out"; exit 1`,
];

function execProbe(command: string[], overrides: Partial<Probe>): Probe {
    return { exec: { command }, timeoutSeconds: 3, ...overrides };
}

/** Ready only on PONG. */
export const READINESS_PROBE = execProbe(PING, { periodSeconds: 5, failureThreshold: 3 });
/** Restarted only when Redis stops answering for a minute. */
export const LIVENESS_PROBE = execProbe(PING_OR_LOADING, { periodSeconds: 10, failureThreshold: 6 });
/** Up to 30 minutes to load the AOF before the other probes start judging. */
export const STARTUP_PROBE = execProbe(PING, { periodSeconds: 10, failureThreshold: 180 });

export interface RedisPodSpecArgs {
    readonly image: pulumi.Input<string>;
    readonly resources: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
    /** The ConfigMap with redis.conf. */
    readonly configMapName: pulumi.Input<string>;
    /** The Secret with the ACL file. */
    readonly aclSecretName: pulumi.Input<string>;
    /** The PersistentVolumeClaim for /data, or undefined for an emptyDir. */
    readonly dataClaimName?: pulumi.Input<string>;
    /** The metrics exporter sidecar, when on. */
    readonly metrics?: {
        readonly image: pulumi.Input<string>;
        readonly user: string;
        readonly secretName: string;
        /** The streams to export, as exporterKeyList gives them. */
        readonly streamList: pulumi.Input<string>;
        readonly statusKeys: readonly string[];
    };
}

/** The pod-level security context of the restricted Pod Security Standard, as the image's redis user. */
export function restrictedPodSecurity(): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: REDIS_UID,
        runAsGroup: REDIS_GID,
        fsGroup: REDIS_GID,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** A container's part of the restricted standard, with a read-only root file system. */
export function restrictedContainerSecurity(): k8s.types.input.core.v1.SecurityContext {
    return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
}

/** The port the metrics exporter serves on. */
export const METRICS_PORT = 9121;

/** Keys as redis_exporter's --check-single-* flags take them: db=key pairs, the key URL-escaped (it unescapes). */
export function exporterKeyList(keys: readonly string[]): string {
    return keys.map((key) => `db0=${encodeURIComponent(key)}`).join(",");
}

/** The redis_exporter sidecar: reads Redis on localhost as the metrics user, serves /metrics and /health. */
export function exporterContainer(args: NonNullable<RedisPodSpecArgs["metrics"]>): k8s.types.input.core.v1.Container {
    const health = { httpGet: { path: "/health", port: METRICS_PORT }, timeoutSeconds: 3 };
    return {
        name: "metrics",
        image: args.image,
        args: [
            `--redis.addr=redis://localhost:${REDIS_CONTAINER_PORT}`,
            `--redis.user=${args.user}`,
            // Flag and value apart, so that the value can be an Output (Go's flag package takes both forms).
            "--check-single-streams",
            args.streamList,
            `--check-single-keys=${exporterKeyList(args.statusKeys)}`,
            // CONFIG is a dangerous command, which the metrics user may not run; INFO has maxmemory.
            "--config-command=-",
            "--redis-only-metrics",
            `--web.listen-address=:${METRICS_PORT}`,
        ],
        env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: args.secretName, key: PASSWORD_KEY } } }],
        ports: [{ name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" }],
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
        securityContext: restrictedContainerSecurity(),
        readinessProbe: { ...health, periodSeconds: 10 },
        livenessProbe: { ...health, periodSeconds: 20, failureThreshold: 6 },
    };
}

/** The config and ACL volumes every Redis pod mounts, read-only. */
export function configVolumes(args: Pick<RedisPodSpecArgs, "configMapName" | "aclSecretName">): Volume[] {
    return [
        { name: "config", configMap: { name: args.configMapName } },
        // Group-readable for fsGroup 1000, nobody else.
        { name: "acl", secret: { secretName: args.aclSecretName, defaultMode: 0o440 } },
    ];
}

/** The redis container's mounts: the only paths Redis writes (/data) or reads besides the image, config and ACL. */
export const REDIS_MOUNTS: readonly VolumeMount[] = [
    { name: "data", mountPath: REDIS_DATA_DIR },
    { name: "config", mountPath: CONFIG_DIR, readOnly: true },
    { name: "acl", mountPath: ACL_DIR, readOnly: true },
];

/** The redis container of every topology; the replicated node adds its start script, environment and hook. */
export function redisContainer(args: Pick<RedisPodSpecArgs, "image" | "resources">): Container {
    return {
        name: "redis",
        image: args.image,
        args: ["redis-server", `${CONFIG_DIR}/${CONFIG_FILE}`],
        ports: [{ name: "redis", containerPort: REDIS_CONTAINER_PORT, protocol: "TCP" }],
        resources: args.resources,
        securityContext: restrictedContainerSecurity(),
        volumeMounts: [...REDIS_MOUNTS],
        startupProbe: STARTUP_PROBE,
        readinessProbe: READINESS_PROBE,
        livenessProbe: LIVENESS_PROBE,
    };
}

export function redisPodSpec(args: RedisPodSpecArgs): PodSpec {
    return {
        // Redis never talks to the Kubernetes API; a mounted token would only be a credential to steal.
        automountServiceAccountToken: false,
        // The image's redis user is uid 999, gid 1000; with runAsUser set, its entrypoint skips chown and gosu and
        // starts redis-server directly. fsGroup makes /data writable and the ACL file readable.
        securityContext: restrictedPodSecurity(),
        volumes: [
            args.dataClaimName === undefined
                ? { name: "data", emptyDir: {} }
                : { name: "data", persistentVolumeClaim: { claimName: args.dataClaimName } },
            ...configVolumes(args),
        ],
        containers: [redisContainer(args), ...(args.metrics === undefined ? [] : [exporterContainer(args.metrics)])],
    };
}
