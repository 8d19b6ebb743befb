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
}

export function redisPodSpec(args: RedisPodSpecArgs): PodSpec {
    return {
        // Redis never talks to the Kubernetes API; a mounted token would only be a credential to steal.
        automountServiceAccountToken: false,
        // The image's redis user is uid 999, gid 1000; with runAsUser set, its entrypoint skips chown and gosu and
        // starts redis-server directly. fsGroup makes /data writable and the ACL file readable.
        securityContext: {
            runAsNonRoot: true,
            runAsUser: REDIS_UID,
            runAsGroup: REDIS_GID,
            fsGroup: REDIS_GID,
            seccompProfile: { type: "RuntimeDefault" },
        },
        volumes: [
            args.dataClaimName === undefined
                ? { name: "data", emptyDir: {} }
                : { name: "data", persistentVolumeClaim: { claimName: args.dataClaimName } },
            { name: "config", configMap: { name: args.configMapName } },
            // Group-readable for fsGroup 1000, nobody else.
            { name: "acl", secret: { secretName: args.aclSecretName, defaultMode: 0o440 } },
        ],
        containers: [
            {
                name: "redis",
                image: args.image,
                args: ["redis-server", `${CONFIG_DIR}/${CONFIG_FILE}`],
                ports: [{ name: "redis", containerPort: REDIS_CONTAINER_PORT, protocol: "TCP" }],
                resources: args.resources,
                securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                },
                // The only paths Redis writes (/data) or reads besides the image: config and ACL, read-only.
                volumeMounts: [
                    { name: "data", mountPath: REDIS_DATA_DIR },
                    { name: "config", mountPath: CONFIG_DIR, readOnly: true },
                    { name: "acl", mountPath: ACL_DIR, readOnly: true },
                ],
                startupProbe: STARTUP_PROBE,
                readinessProbe: READINESS_PROBE,
                livenessProbe: LIVENESS_PROBE,
            },
        ],
    };
}
