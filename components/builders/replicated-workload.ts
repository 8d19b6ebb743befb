/**
 * A replicated bus (`replicas` 3 or more): StatefulSet `redis-node` (a master and replicas, each with its own claim and
 * a Sentinel beside it), its headless Service `redis-nodes`, a PodDisruptionBudget that keeps a majority, and HAProxy
 * as Deployment `redis`, behind the unchanged Service `redis`, so that clients keep their address across a failover.
 * The scripts and haproxy.cfg are the ones the failover tier runs on real processes (docs/high-availability.md).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { REPLICATION_USER, SENTINEL_USER } from "../render/acl";
import { renderHaproxyConf } from "../render/haproxy-conf";
import { REDIS_CONTAINER_PORT } from "../render/layout";
import { configChecksum } from "../render/redis-conf";
import {
    PROXY_CONFIG_FILE,
    NODE_DEFAULT_CONTAINER,
    SCRIPT_FILES,
    SWITCHOVER_TIMING,
    proxyPodSpec,
    replicatedNodePodSpec,
} from "../render/replicated-pod-spec";
import {
    ReplicationTopology,
    SENTINEL_PORT,
    quorum,
    renderNodeStartScript,
    renderSentinelStartScript,
} from "../render/replication";
import { renderSwitchoverScript } from "../render/switchover";
import type { ConfigFiles } from "./config-files";
import type { BuildContext } from "./context";
import { metricsSidecar } from "./metrics-sidecar";
import {
    BUS_LABELS,
    NODE_LABELS,
    NODE_SELECTOR,
    OBJECT_NAMES,
    REDIS_NAME,
    REDIS_SELECTOR,
    nodeDnsName,
    nodeHosts,
    secretNameFor,
} from "./object-names";
import { dataClaimTemplate } from "./storage";

/**
 * Sentinel's timing in a cluster. A master silent for 5 s is down: long enough that a busy host or a slow disk is not
 * a failover, short enough that a kill costs about 7 s of writes (5 s, the vote, and the proxy's
 * next check), within the 10 s the bus promises. A failover that stalls is retried after 20 s; a second loss of the
 * master is handled 40 s after the first at the soonest (Sentinel waits twice this timeout).
 */
export const CLUSTER_TIMING = {
    downAfterMilliseconds: 5000,
    failoverTimeoutMilliseconds: 20000,
    minReplicasMaxLagSeconds: 10,
} as const;

/** Two proxies, so that a drained node or a proxy's rollout never leaves Service `redis` without an endpoint. */
const PROXY_REPLICAS = 2;

export interface ReplicatedBus {
    /** StatefulSet `redis-node`: the Redis nodes and their Sentinels. */
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** Headless Service `redis-nodes`: each node's stable DNS name. */
    readonly nodeService: k8s.core.v1.Service;
    /** PodDisruptionBudget `redis-node`: a drain never takes the nodes below a majority. */
    readonly nodeDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
    /** ConfigMap `redis-replication`: the start, Sentinel and switchover scripts. */
    readonly scripts: k8s.core.v1.ConfigMap;
    /** Deployment `redis`: the proxy, which Service `redis` selects. */
    readonly proxy: k8s.apps.v1.Deployment;
    /** ConfigMap `redis-proxy`: haproxy.cfg. */
    readonly proxyConfig: k8s.core.v1.ConfigMap;
    /** PodDisruptionBudget `redis-proxy`: one proxy always up. */
    readonly proxyDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
}

export function buildReplicatedBus(
    context: BuildContext,
    files: ConfigFiles,
    /** Secrets the pods read (replication, Sentinel, metrics), so that no pod starts before them. */
    secrets: readonly k8s.core.v1.Secret[],
): ReplicatedBus {
    const { name, setting, structure, namespace, childOptions } = context;
    const nodes = structure.replicas;
    const topology = pulumi.output(namespace).apply((ns): ReplicationTopology => ({
        nodes: nodeHosts(nodes, ns),
        redisPort: REDIS_CONTAINER_PORT,
        sentinelPort: SENTINEL_PORT,
        ...CLUSTER_TIMING,
    }));
    const scriptFiles = topology.apply((t) => ({
        [SCRIPT_FILES.node]: renderNodeStartScript(t),
        [SCRIPT_FILES.sentinel]: renderSentinelStartScript(t),
        [SCRIPT_FILES.switchover]: renderSwitchoverScript(t, SWITCHOVER_TIMING),
    }));
    const scripts = new k8s.core.v1.ConfigMap(
        `${name}-replication`,
        { metadata: { name: OBJECT_NAMES.replication, namespace, labels: NODE_LABELS }, data: scriptFiles },
        childOptions,
    );
    const nodeService = new k8s.core.v1.Service(
        `${name}-nodes`,
        {
            metadata: { name: OBJECT_NAMES.nodeDomain, namespace, labels: NODE_LABELS },
            spec: {
                clusterIP: "None",
                // A starting node and its Sentinel resolve their peers before they are ready.
                publishNotReadyAddresses: true,
                selector: NODE_SELECTOR,
                ports: [
                    { name: "redis", port: REDIS_CONTAINER_PORT, targetPort: "redis", protocol: "TCP" },
                    { name: "sentinel", port: SENTINEL_PORT, targetPort: "sentinel", protocol: "TCP" },
                ],
            },
        },
        childOptions,
    );
    const claim = dataClaimTemplate(context);
    const statefulSet = new k8s.apps.v1.StatefulSet(
        `${name}-nodes`,
        {
            metadata: { name: OBJECT_NAMES.nodes, namespace, labels: NODE_LABELS },
            spec: {
                replicas: nodes,
                serviceName: OBJECT_NAMES.nodeDomain,
                // A new bus starts every node at once (node 0 becomes master); updates still go one pod at a time.
                podManagementPolicy: "Parallel",
                updateStrategy: { type: "RollingUpdate" },
                selector: { matchLabels: NODE_SELECTOR },
                template: {
                    metadata: {
                        labels: NODE_LABELS,
                        annotations: {
                            ...NODE_DEFAULT_CONTAINER,
                            "checksum/config": pulumi
                                .all([files.checksum, scriptFiles])
                                .apply(([conf, s]) => configChecksum(conf, ...Object.values(s))),
                        },
                    },
                    spec: replicatedNodePodSpec({
                        image: setting("image"),
                        resources: setting("resources"),
                        configMapName: OBJECT_NAMES.config,
                        aclSecretName: OBJECT_NAMES.acl,
                        scriptsConfigMapName: OBJECT_NAMES.replication,
                        replicationSecretName: secretNameFor(REPLICATION_USER),
                        sentinelSecretName: secretNameFor(SENTINEL_USER),
                        // The kubelet expands these from the fields above them in the environment.
                        announceHost: nodeDnsName("$(POD_NAME)", "$(POD_NAMESPACE)"),
                        nodeSelector: NODE_SELECTOR,
                        spread: structure.replicaSpread,
                        persistentData: claim !== undefined,
                        metrics: metricsSidecar(context),
                    }),
                },
                volumeClaimTemplates: claim === undefined ? [] : [claim],
            },
        },
        { ...childOptions, dependsOn: [files.configMap, files.aclSecret, scripts, nodeService, ...secrets] },
    );
    const nodeDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
        `${name}-nodes`,
        {
            metadata: { name: OBJECT_NAMES.nodes, namespace, labels: NODE_LABELS },
            spec: { minAvailable: quorum(nodes), selector: { matchLabels: NODE_SELECTOR } },
        },
        childOptions,
    );
    const proxyFile = topology.apply((t) =>
        renderHaproxyConf({
            bind: { host: "", port: REDIS_CONTAINER_PORT },
            nodes: t.nodes,
            redisPort: t.redisPort,
            resolveNames: true,
        }),
    );
    const proxyConfig = new k8s.core.v1.ConfigMap(
        `${name}-proxy`,
        {
            metadata: { name: OBJECT_NAMES.proxy, namespace, labels: BUS_LABELS },
            data: { [PROXY_CONFIG_FILE]: proxyFile },
        },
        childOptions,
    );
    const proxy = new k8s.apps.v1.Deployment(
        `${name}-deployment`,
        {
            metadata: { name: REDIS_NAME, namespace, labels: BUS_LABELS },
            spec: {
                replicas: PROXY_REPLICAS,
                // A new proxy is up before an old one goes: the Service never loses its last endpoint.
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                selector: { matchLabels: REDIS_SELECTOR },
                template: {
                    metadata: {
                        labels: BUS_LABELS,
                        annotations: { "checksum/config": proxyFile.apply((f) => configChecksum(f)) },
                    },
                    spec: proxyPodSpec({ image: setting("proxyImage"), configMapName: OBJECT_NAMES.proxy }),
                },
            },
        },
        { ...childOptions, dependsOn: [proxyConfig] },
    );
    const proxyDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
        `${name}-proxy`,
        {
            metadata: { name: OBJECT_NAMES.proxy, namespace, labels: BUS_LABELS },
            spec: { minAvailable: PROXY_REPLICAS - 1, selector: { matchLabels: REDIS_SELECTOR } },
        },
        childOptions,
    );
    return { statefulSet, nodeService, nodeDisruptionBudget, scripts, proxy, proxyConfig, proxyDisruptionBudget };
}
