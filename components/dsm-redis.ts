import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { checkedInput } from "./checked-input";
import { GroupSpec, ProvisionerConnection, STREAM_GROUPS_DEFAULTS } from "./stream-groups/inputs";
import { ConnectionArgs, RedisStreamGroups } from "./stream-groups/resource";
import { DEFAULT_SETTINGS } from "./settings";
import { ResourceValues, checkImage, checkNamespace, checkPort, checkResources } from "./validation";

/** The port Redis listens on inside the container; the image's default, fixed so that probes and policies agree. */
export const REDIS_CONTAINER_PORT = 6379;

/** The uid and gid of user `redis` in the official Alpine image. */
export const REDIS_UID = 999;
export const REDIS_GID = 1000;

/** The image's WORKDIR and data directory. */
export const REDIS_DATA_DIR = "/data";

/** The names every DSM service and runbook uses: `redis.dsm.svc.cluster.local`, `kubectl get svc redis -n dsm`. */
export const REDIS_NAME = "redis";

/** The selector of the Deployment and the Service; immutable once deployed, so it stays exactly the design's. */
export const REDIS_SELECTOR = { app: REDIS_NAME } as const;

export interface DsmRedisArgs {
    /**
     * The namespace of the bus, a DNS-1123 label. Every DSM service addresses `redis.<namespace>.svc.cluster.local`.
     * Default: `dsm`.
     */
    readonly namespace?: pulumi.Input<string>;
    /**
     * Whether to create the namespace. Set false when another stack owns it; it must then exist before `up`.
     * Default: true.
     */
    readonly createNamespace?: boolean;
    /** The Redis image, pinned by a tag other than `latest` or by a digest. Default: `redis:7.2-alpine`. */
    readonly image?: pulumi.Input<string>;
    /** The port of Service `redis`. The container always listens on 6379. Default: 6379. */
    readonly port?: pulumi.Input<number>;
    /**
     * Requests and limits of the redis container, as Kubernetes quantities; requests may not exceed limits.
     * Default: requests cpu `100m`, memory `100Mi`; limits cpu `200m`, memory `200Mi`.
     */
    readonly resources?: pulumi.Input<ResourceValues>;
    /** The event stream's key. A change creates a new stream and keeps the old one. Default: `dsm:events`. */
    readonly stream?: pulumi.Input<string>;
    /**
     * The consumer groups, one per consuming service. `startId` defaults to `0`: a group starts at the stream's
     * first entry, because event-sourced consumers rebuild their state from history.
     * Default: `sprint-service`, `project-service`, `backlog-service`.
     */
    readonly groups?: pulumi.Input<pulumi.Input<GroupSpec>[]>;
    /** How long provisioning the stream waits for Redis to answer and finish loading, in seconds. Default: 300. */
    readonly readinessTimeoutSeconds?: pulumi.Input<number>;
    /** Delete the stream and its events when the stack is destroyed. Default: false (events are data). */
    readonly deleteStreamOnDelete?: pulumi.Input<boolean>;
    /**
     * How provisioning reaches Redis: `port-forward` through the Kubernetes API (the machine running `pulumi up` cannot
     * reach a ClusterIP Service), or `direct` to `redis.<namespace>.svc.cluster.local` when the program runs in the
     * cluster. Default: `port-forward`.
     */
    readonly provisionerConnection?: ProvisionerConnection;
    /** The kubeconfig (contents or path) for the port-forward; pass the stack provider's. Default: as kubectl. */
    readonly kubeconfig?: pulumi.Input<string>;
    /** The kubeconfig context for the port-forward; pass the stack provider's. Default: the current context. */
    readonly kubeContext?: pulumi.Input<string>;
}

/**
 * The DSM event bus: namespace `dsm`, Deployment `redis` and ClusterIP Service `redis`, named exactly so that
 * services reach `redis.dsm.svc.cluster.local:6379`. Pulumi waits for the Deployment's rollout.
 */
export class DsmRedis extends pulumi.ComponentResource {
    /** The namespace the bus runs in. */
    public readonly namespace: pulumi.Output<string>;
    /** The name of the Service (`redis`). */
    public readonly serviceName: pulumi.Output<string>;
    /** The in-cluster DNS name of the Service, e.g. `redis.dsm.svc.cluster.local`. */
    public readonly host: pulumi.Output<string>;
    /** The Service's port. */
    public readonly port: pulumi.Output<number>;
    /** The Deployment, for callers that depend on its rollout. */
    public readonly deployment: k8s.apps.v1.Deployment;
    /** The Service. */
    public readonly service: k8s.core.v1.Service;
    /** The stream and its consumer groups, created once the Deployment has rolled out. */
    public readonly streamGroups: RedisStreamGroups;
    /** The event stream's key. */
    public readonly stream: pulumi.Output<string>;
    /** The names of its consumer groups. */
    public readonly groups: pulumi.Output<string[]>;

    constructor(name: string, args: DsmRedisArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("dsm:infra:Redis", name, {}, opts);

        const namespaceName = checkedInput(args.namespace ?? DEFAULT_SETTINGS.namespace, (v) =>
            checkNamespace(v, "namespace"),
        );
        const image = checkedInput(args.image ?? DEFAULT_SETTINGS.image, (v) => checkImage(v, "image"));
        const port = checkedInput(args.port ?? DEFAULT_SETTINGS.port, (v) => checkPort(v, "port"));
        const resources = checkedInput(args.resources ?? DEFAULT_SETTINGS.resources, (v) =>
            checkResources(v, {
                requestsCpu: "resources.requests.cpu",
                requestsMemory: "resources.requests.memory",
                limitsCpu: "resources.limits.cpu",
                limitsMemory: "resources.limits.memory",
            }),
        );

        const labels = {
            ...REDIS_SELECTOR,
            "app.kubernetes.io/name": REDIS_NAME,
            "app.kubernetes.io/component": "event-bus",
            "app.kubernetes.io/part-of": "dsm",
            "app.kubernetes.io/managed-by": "pulumi",
        };

        // Children use the namespace's output name, so that they wait for it when this stack creates it.
        const namespace =
            (args.createNamespace ?? DEFAULT_SETTINGS.createNamespace)
                ? new k8s.core.v1.Namespace(
                      `${name}-namespace`,
                      {
                          metadata: {
                              name: namespaceName,
                              labels: {
                                  "app.kubernetes.io/part-of": "dsm",
                                  "app.kubernetes.io/managed-by": "pulumi",
                                  // The admission controller then refuses any pod in the namespace that is not restricted.
                                  "pod-security.kubernetes.io/enforce": "restricted",
                                  "pod-security.kubernetes.io/enforce-version": "latest",
                              },
                          },
                      },
                      { parent: this },
                  ).metadata.name
                : namespaceName;

        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name: REDIS_NAME, namespace, labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: REDIS_SELECTOR },
                    template: {
                        metadata: { labels },
                        spec: {
                            // Redis never talks to the Kubernetes API; a mounted token would only be a credential to steal.
                            automountServiceAccountToken: false,
                            // The image's redis user is uid 999, gid 1000; with runAsUser set, its entrypoint skips
                            // chown and gosu and starts redis-server directly. fsGroup makes /data writable.
                            securityContext: {
                                runAsNonRoot: true,
                                runAsUser: REDIS_UID,
                                runAsGroup: REDIS_GID,
                                fsGroup: REDIS_GID,
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            volumes: [{ name: "data", emptyDir: {} }],
                            containers: [
                                {
                                    name: REDIS_NAME,
                                    image,
                                    ports: [{ name: "redis", containerPort: REDIS_CONTAINER_PORT, protocol: "TCP" }],
                                    resources,
                                    securityContext: {
                                        allowPrivilegeEscalation: false,
                                        readOnlyRootFilesystem: true,
                                        capabilities: { drop: ["ALL"] },
                                    },
                                    // Redis's working directory; the only path it writes with a read-only root.
                                    volumeMounts: [{ name: "data", mountPath: REDIS_DATA_DIR }],
                                    // Ready only when Redis answers PONG: -e turns an error reply (LOADING, NOAUTH) into a failure.
                                    readinessProbe: {
                                        exec: {
                                            command: ["redis-cli", "-e", "-p", String(REDIS_CONTAINER_PORT), "ping"],
                                        },
                                        initialDelaySeconds: 2,
                                        periodSeconds: 5,
                                        timeoutSeconds: 2,
                                        failureThreshold: 3,
                                    },
                                    // Alive while the port accepts connections, so a long AOF load is not killed midway.
                                    livenessProbe: {
                                        tcpSocket: { port: REDIS_CONTAINER_PORT },
                                        initialDelaySeconds: 10,
                                        periodSeconds: 10,
                                        timeoutSeconds: 2,
                                        failureThreshold: 6,
                                    },
                                },
                            ],
                        },
                    },
                },
            },
            { parent: this },
        );

        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name: REDIS_NAME, namespace, labels },
                spec: {
                    type: "ClusterIP",
                    selector: REDIS_SELECTOR,
                    ports: [{ name: "redis", protocol: "TCP", port, targetPort: REDIS_CONTAINER_PORT }],
                },
            },
            { parent: this },
        );

        this.namespace = this.service.metadata.namespace;
        this.serviceName = this.service.metadata.name;
        this.host = pulumi.interpolate`${this.serviceName}.${this.namespace}.svc.cluster.local`;
        this.port = port;

        const connection: pulumi.Input<ConnectionArgs> =
            (args.provisionerConnection ?? "port-forward") === "direct"
                ? { host: this.host, port: this.port }
                : {
                      namespace: this.namespace,
                      service: this.serviceName,
                      port: REDIS_CONTAINER_PORT,
                      kubeconfig: args.kubeconfig,
                      context: args.kubeContext,
                  };
        this.streamGroups = new RedisStreamGroups(
            `${name}-stream-groups`,
            {
                stream: args.stream ?? STREAM_GROUPS_DEFAULTS.stream,
                groups: args.groups,
                connection,
                readinessTimeoutSeconds: args.readinessTimeoutSeconds,
                deleteStreamOnDelete: args.deleteStreamOnDelete,
            },
            // After the rollout: the Deployment is awaited until its new pods are Ready, the Service until it has endpoints.
            { parent: this, dependsOn: [this.deployment, this.service] },
        );
        this.stream = this.streamGroups.stream;
        this.groups = this.streamGroups.groups.apply((groups) => groups.map((g) => g.name));

        this.registerOutputs({
            namespace: this.namespace,
            serviceName: this.serviceName,
            host: this.host,
            port: this.port,
            stream: this.stream,
            groups: this.groups,
        });
    }
}
