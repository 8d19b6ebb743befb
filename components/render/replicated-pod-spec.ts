/**
 * The pod templates of a replicated bus: a node (Redis started by its start script, a Sentinel beside it, the metrics
 * exporter when on) and the proxy in front. Pure: specs built from values and Inputs; nothing is created here.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { PROBE_USER } from "./acl";
import { CONFIG_DIR, CONFIG_FILE, REDIS_CONTAINER_PORT } from "./layout";
import {
    PASSWORD_KEY,
    REDIS_MOUNTS,
    RedisPodSpecArgs,
    configVolumes,
    exporterContainer,
    redisContainer,
    restrictedContainerSecurity,
    restrictedPodSecurity,
} from "./pod-spec";
import { RUN_DIR, ReplicaSpread, SCRIPT_ENV, SENTINEL_PORT } from "./replication";
import { RETURN_MODE, SwitchoverTiming } from "./switchover";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Where a node mounts its scripts (ConfigMap `redis-replication`), and their names. */
export const SCRIPTS_DIR = "/etc/redis/scripts";
export const SCRIPT_FILES = {
    node: "node-start.sh",
    sentinel: "sentinel-start.sh",
    switchover: "switchover.sh",
} as const;

/** The pod annotation that makes `kubectl exec` and `kubectl logs` pick the Redis container, which is not the first. */
export const NODE_DEFAULT_CONTAINER = { "kubectl.kubernetes.io/default-container": "redis" } as const;

/** Where HAProxy reads its config: the image's default path. */
export const PROXY_CONFIG_DIR = "/usr/local/etc/haproxy";
export const PROXY_CONFIG_FILE = "haproxy.cfg";

/** The uid and gid of user `haproxy` in the official image, which runs as it. */
const HAPROXY_UID = 99;

/**
 * The switchover holds writes at most 5 s (components/render/switchover.ts); the pod's grace period leaves it room to
 * finish its waits after that. Node 0, started again, waits up to 2 minutes for its sync before it gives up taking
 * the master back: a full sync of a 200Mi bus takes seconds.
 */
export const SWITCHOVER_TIMING: SwitchoverTiming = { holdMilliseconds: 5000, returnSyncMilliseconds: 120_000 };
const TERMINATION_GRACE_SECONDS = 30;

export interface ReplicatedNodePodSpecArgs extends RedisPodSpecArgs {
    /** The ConfigMap with the scripts. */
    readonly scriptsConfigMapName: string;
    /** The Secrets whose REDIS_PASSWORD the replica logs in to its master with, and the Sentinels with. */
    readonly replicationSecretName: string;
    readonly sentinelSecretName: string;
    /** The pod's own DNS name, which it announces, in terms of `$(POD_NAME)` and `$(POD_NAMESPACE)`. */
    readonly announceHost: string;
    /** The labels that select the nodes, for the spread. */
    readonly nodeSelector: Readonly<Record<string, string>>;
    readonly spread: ReplicaSpread;
    /** False when persistence is off: /data is then an emptyDir, not the pod's claim. */
    readonly persistentData: boolean;
}

const fromSecret = (name: string, secretName: string): EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: secretName, key: PASSWORD_KEY } },
});

/**
 * What the scripts read: the pod's own DNS name (what it announces to its peers), its directories, and the passwords
 * from their Secrets (in the environment, never on a command line).
 */
function scriptEnv(args: ReplicatedNodePodSpecArgs): EnvVar[] {
    return [
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: SCRIPT_ENV.announceHost, value: args.announceHost },
        { name: SCRIPT_ENV.runDir, value: RUN_DIR },
        fromSecret(SCRIPT_ENV.sentinelPassword, args.sentinelSecretName),
    ];
}

const runVolume = (name: string) => ({ name, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } });
const scriptsMount = { name: "scripts", mountPath: SCRIPTS_DIR, readOnly: true };

function nodeContainer(args: ReplicatedNodePodSpecArgs): Container {
    const base = redisContainer(args);
    return {
        ...base,
        command: ["sh", `${SCRIPTS_DIR}/${SCRIPT_FILES.node}`],
        args: [],
        env: [
            ...scriptEnv(args),
            { name: SCRIPT_ENV.baseConfig, value: `${CONFIG_DIR}/${CONFIG_FILE}` },
            fromSecret(SCRIPT_ENV.replicationPassword, args.replicationSecretName),
        ],
        volumeMounts: [...REDIS_MOUNTS, scriptsMount, { name: "run", mountPath: RUN_DIR }],
        readinessProbe: { exec: { command: NODE_READINESS }, timeoutSeconds: 3, periodSeconds: 2, failureThreshold: 1 },
        lifecycle: {
            // Node 0, started again, takes the master back once in sync; on any other node it does nothing.
            postStart: { exec: { command: ["sh", `${SCRIPTS_DIR}/${SCRIPT_FILES.switchover}`, RETURN_MODE] } },
            // A master about to stop hands over first, losing no write (switchover.ts); on a replica it does nothing.
            preStop: { exec: { command: ["sh", `${SCRIPTS_DIR}/${SCRIPT_FILES.switchover}`] } },
        },
    };
}

const SENTINEL_PING = ["redis-cli", "-p", String(SENTINEL_PORT), "-e", "ping"];

/**
 * A node is ready when it is master, or a replica whose link to its master is up and synced (ROLE's state
 * `connected`): a StatefulSet rolls on to the next pod only then, so a rollout never stops a node while the one before
 * it still copies the data (it would leave the master short of a replica, refusing writes). As the probe user, which
 * may ask ROLE on a replicated bus.
 */
const NODE_READINESS = [
    "sh",
    "-c",
    `r=$(redis-cli --no-auth-warning --raw --user ${PROBE_USER} --pass ${PROBE_USER} ROLE 2>&1) || { echo "$r"; exit 1; }; set -- $r; [ "$1" = master ] && exit 0; [ "$1" = slave ] && [ "$4" = connected ] && exit 0; echo "not ready: $r"; exit 1`,
];

function sentinelContainer(args: ReplicatedNodePodSpecArgs): Container {
    return {
        name: "sentinel",
        image: args.image,
        command: ["sh", `${SCRIPTS_DIR}/${SCRIPT_FILES.sentinel}`],
        env: scriptEnv(args),
        ports: [{ name: "sentinel", containerPort: SENTINEL_PORT, protocol: "TCP" }],
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
        securityContext: restrictedContainerSecurity(),
        volumeMounts: [scriptsMount, { name: "sentinel-run", mountPath: RUN_DIR }],
        readinessProbe: { exec: { command: SENTINEL_PING }, timeoutSeconds: 3, periodSeconds: 5 },
        livenessProbe: { exec: { command: SENTINEL_PING }, timeoutSeconds: 3, periodSeconds: 10, failureThreshold: 6 },
    };
}

/**
 * Spread: over hosts as `spread` says (anti-affinity when required, so that no host ever runs two nodes; a soft
 * spread when preferred, so that a small cluster still runs every node), and over zones where the scheduler can.
 */
function spreadOf(args: ReplicatedNodePodSpecArgs): Pick<PodSpec, "affinity" | "topologySpreadConstraints"> {
    const labelSelector = { matchLabels: args.nodeSelector };
    const soft = (topologyKey: string) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector,
    });
    const required = args.spread === "required";
    return {
        affinity: required
            ? {
                  podAntiAffinity: {
                      requiredDuringSchedulingIgnoredDuringExecution: [
                          { topologyKey: "kubernetes.io/hostname", labelSelector },
                      ],
                  },
              }
            : undefined,
        topologySpreadConstraints: [
            ...(required ? [] : [soft("kubernetes.io/hostname")]),
            soft("topology.kubernetes.io/zone"),
        ],
    };
}

/** A node of the replicated bus; its /data is the StatefulSet's claim `data` of this pod, when persistent. */
export function replicatedNodePodSpec(args: ReplicatedNodePodSpecArgs): PodSpec {
    return {
        automountServiceAccountToken: false,
        securityContext: restrictedPodSecurity(),
        terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
        ...spreadOf(args),
        volumes: [
            ...(args.persistentData ? [] : [{ name: "data", emptyDir: {} }]),
            ...configVolumes(args),
            { name: "scripts", configMap: { name: args.scriptsConfigMapName, defaultMode: 0o444 } },
            runVolume("run"),
            runVolume("sentinel-run"),
        ],
        // Redis last: the kubelet starts a pod's containers in order, each after the one before's postStart hook, and
        // Redis's (node 0 taking the master back) may wait for a sync. kubectl exec and logs default to it
        // (NODE_DEFAULT_CONTAINER).
        containers: [
            sentinelContainer(args),
            ...(args.metrics === undefined ? [] : [exporterContainer(args.metrics)]),
            nodeContainer(args),
        ],
    };
}

export interface ProxyPodSpecArgs {
    readonly image: pulumi.Input<string>;
    /** The ConfigMap with haproxy.cfg. */
    readonly configMapName: string;
}

const PROXY_PORT_PROBE = { tcpSocket: { port: REDIS_CONTAINER_PORT }, timeoutSeconds: 3 };

/** The proxy behind Service `redis`: HAProxy, which sends each connection to the node that says it is master. */
export function proxyPodSpec(args: ProxyPodSpecArgs): PodSpec {
    return {
        automountServiceAccountToken: false,
        securityContext: {
            ...restrictedPodSecurity(),
            runAsUser: HAPROXY_UID,
            runAsGroup: HAPROXY_UID,
            fsGroup: HAPROXY_UID,
        },
        volumes: [{ name: "config", configMap: { name: args.configMapName } }],
        containers: [
            {
                name: "proxy",
                image: args.image,
                // In the foreground, so that the kubelet sees it exit.
                command: ["haproxy", "-db", "-f", `${PROXY_CONFIG_DIR}/${PROXY_CONFIG_FILE}`],
                ports: [{ name: "redis", containerPort: REDIS_CONTAINER_PORT, protocol: "TCP" }],
                resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
                securityContext: restrictedContainerSecurity(),
                volumeMounts: [{ name: "config", mountPath: PROXY_CONFIG_DIR, readOnly: true }],
                readinessProbe: { ...PROXY_PORT_PROBE, periodSeconds: 5 },
                livenessProbe: { ...PROXY_PORT_PROBE, periodSeconds: 10, failureThreshold: 6 },
            },
        ],
    };
}
