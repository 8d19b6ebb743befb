import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ADMIN_USER, ServiceUser, renderAclFile } from "./acl";
import { checkedInput } from "./checked-input";
import { UserCredentials, createCredentials, secretNameFor } from "./credentials";
import { REDIS_CONTAINER_PORT, redisPodSpec } from "./pod-spec";
import { ACL_FILE, AppendFsync, CONFIG_FILE, configChecksum, renderRedisConf } from "./redis-config";
import { DEFAULT_SETTINGS } from "./settings";
import { GroupSpec, ProvisionerConnection } from "./stream-groups/inputs";
import { ConnectionArgs, RedisStreamGroups } from "./stream-groups/resource";
import {
    Problem,
    ResourceValues,
    assertNoProblems,
    checkImage,
    checkNamespace,
    checkPassword,
    checkPasswordUsers,
    checkPort,
    checkQuantity,
    checkResources,
    checkStorageClass,
    checkStreamKey,
    checkUsers,
} from "./validation";

export { REDIS_CONTAINER_PORT } from "./pod-spec";

/** The names every DSM service and runbook uses: `redis.dsm.svc.cluster.local`, `kubectl get svc redis -n dsm`. */
export const REDIS_NAME = "redis";

/** The selector of the Deployment and the Service; immutable once deployed, so it stays exactly the design's. */
export const REDIS_SELECTOR = { app: REDIS_NAME } as const;

/** The label a pod carries to be admitted by the NetworkPolicy. */
export const CLIENT_LABEL = { "redis.dsm.io/client": "true" } as const;

/** Fixed names, so that services and runbooks can rely on them. */
export const OBJECT_NAMES = {
    config: "redis-config",
    acl: "redis-acl",
    data: "redis-data",
    networkPolicy: "redis",
} as const;

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
     * Requests and limits of the redis container, as Kubernetes quantities; requests may not exceed limits. The
     * memory limit also sets `maxmemory` (see redis-config.ts). Default: requests cpu `100m`, memory `100Mi`; limits
     * cpu `200m`, memory `200Mi`.
     */
    readonly resources?: pulumi.Input<ResourceValues>;
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
    /** A PersistentVolumeClaim with AOF at /data. False: an emptyDir, lost with the pod, and a warning. Default: true. */
    readonly persistence?: boolean;
    /** The data volume's size. Default: `1Gi`. */
    readonly storageSize?: pulumi.Input<string>;
    /** The data volume's StorageClass. Default: the cluster's default class. */
    readonly storageClass?: pulumi.Input<string>;
    /** AOF fsync: `everysec` (at most about a second lost on a node crash) or `always`. Default: `everysec`. */
    readonly appendfsync?: AppendFsync;
    /**
     * One ACL user per service, confined to `dsm:*` and to its roles' commands. Default: `sprint-service` (publish,
     * consume), `project-orchestrator` (publish), `project-service` (consume), `backlog-service` (consume).
     */
    readonly users?: readonly ServiceUser[];
    /** Passwords by user name (`dsm-admin` included); the others are generated once. Default: all generated. */
    readonly passwords?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Admit port 6379 only from pods labelled `redis.dsm.io/client: "true"` in `clientNamespaces`. Default: true. */
    readonly networkPolicy?: boolean;
    /** The namespaces whose labelled pods may connect. Default: the bus's own namespace. */
    readonly clientNamespaces?: pulumi.Input<string>[];
}

/**
 * The DSM event bus: namespace `dsm`, Deployment `redis` and ClusterIP Service `redis`, named exactly so that
 * services reach `redis.dsm.svc.cluster.local:6379`; durable (AOF on a volume), bounded (maxmemory, noeviction),
 * locked down (ACL users, NetworkPolicy, restricted pod security); and the stream `dsm:events` with its groups.
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
    /** Each service user's Secret name, by user. */
    public readonly credentialSecrets: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: DsmRedisArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("dsm:infra:Redis", name, {}, opts);

        const namespaceName = checkedInput(args.namespace ?? DEFAULT_SETTINGS.namespace, (v) =>
            checkNamespace(v, "namespace"),
        );
        const image = checkedInput(args.image ?? DEFAULT_SETTINGS.image, (v) => checkImage(v, "image"));
        const port = checkedInput(args.port ?? DEFAULT_SETTINGS.port, (v) => checkPort(v, "port"));
        const resourceValues = args.resources ?? DEFAULT_SETTINGS.resources;
        const resources = checkedInput(resourceValues, (v) =>
            checkResources(v, {
                requestsCpu: "resources.requests.cpu",
                requestsMemory: "resources.requests.memory",
                limitsCpu: "resources.limits.cpu",
                limitsMemory: "resources.limits.memory",
            }),
        );
        const persistence = args.persistence ?? DEFAULT_SETTINGS.persistence;
        const users = args.users ?? DEFAULT_SETTINGS.users;
        // Plain values are checked here, before any child exists; the rest is checked as it resolves.
        assertNoProblems([
            ...checkUsers(users, "users").problems,
            ...checkPasswordUsers(Object.keys(args.passwords ?? {}), users, "passwords"),
        ]);
        const passwords = Object.fromEntries(
            Object.entries(args.passwords ?? {}).map(([user, password]) => [
                user,
                checkedInput(password, (v) => checkPassword(user, v, `passwords.${user}`)),
            ]),
        );
        const stream = checkedInput(args.stream ?? DEFAULT_SETTINGS.stream, (v) => checkStreamKey(v, "stream"));
        const storageSize = checkedInput(args.storageSize ?? DEFAULT_SETTINGS.storageSize, (v) => {
            const problems: Problem[] = [];
            checkQuantity(v, "storageSize", "memory", problems);
            return problems;
        });
        const storageClass =
            args.storageClass === undefined
                ? undefined
                : checkedInput(args.storageClass, (v) => checkStorageClass(v, "storageClass"));
        const clientNamespaces = args.clientNamespaces?.map((ns, i) =>
            checkedInput(ns, (v) => checkNamespace(v, `clientNamespaces[${i}]`)),
        );

        const labels = {
            ...REDIS_SELECTOR,
            "app.kubernetes.io/name": REDIS_NAME,
            "app.kubernetes.io/component": "event-bus",
            "app.kubernetes.io/part-of": "dsm",
            "app.kubernetes.io/managed-by": "pulumi",
        };
        const child = { parent: this };

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
                      child,
                  ).metadata.name
                : namespaceName;

        this.host = pulumi.interpolate`${REDIS_NAME}.${namespace}.svc.cluster.local`;
        this.port = port;

        const credentials: UserCredentials[] = [ADMIN_USER, ...users.map((u) => u.name)].map((user) =>
            createCredentials(name, user, { namespace, host: this.host, port, labels, passwords }, this),
        );
        const admin = credentials[0];
        const aclFile = pulumi
            .all(credentials.map((c) => c.passwordHash))
            .apply((hashes) =>
                renderAclFile(users, Object.fromEntries(credentials.map((c, i) => [c.user, hashes[i]]))),
            );
        const aclSecret = new k8s.core.v1.Secret(
            `${name}-acl`,
            {
                metadata: { name: OBJECT_NAMES.acl, namespace, labels },
                type: "Opaque",
                stringData: { [ACL_FILE]: pulumi.secret(aclFile) },
            },
            child,
        );

        const redisConf = resources.apply((r) =>
            renderRedisConf({
                memoryLimit: r.limits.memory,
                persistence,
                appendfsync: args.appendfsync ?? DEFAULT_SETTINGS.appendfsync,
            }),
        );
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: { name: OBJECT_NAMES.config, namespace, labels }, data: { [CONFIG_FILE]: redisConf } },
            child,
        );

        let dataClaimName: pulumi.Output<string> | undefined;
        if (persistence) {
            dataClaimName = new k8s.core.v1.PersistentVolumeClaim(
                `${name}-data`,
                {
                    metadata: {
                        name: OBJECT_NAMES.data,
                        namespace,
                        labels,
                        // With a WaitForFirstConsumer StorageClass the claim binds only once the pod exists; waiting
                        // for it here would wait forever. The Deployment's rollout proves the volume works.
                        annotations: { "pulumi.com/skipAwait": "true" },
                    },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: storageClass,
                        resources: { requests: { storage: storageSize } },
                    },
                },
                child,
            ).metadata.name;
        } else {
            pulumi.log.warn(
                "persistence is off: Redis keeps the stream in an emptyDir, and every event is lost when the pod restarts. Use this only for throwaway stacks.",
                this,
            );
        }

        // Digests of the config and of the ACL file (itself only password hashes): a change of either rolls the pod,
        // which is when Redis reads them. Not secret: nothing can be learned from a hash of hashes of random passwords.
        const checksum = pulumi.unsecret(
            pulumi.all([redisConf, aclFile]).apply(([conf, acl]) => configChecksum(conf, acl)),
        );

        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name: REDIS_NAME, namespace, labels },
                spec: {
                    replicas: 1,
                    // The volume is ReadWriteOnce: a rolling update would start the new pod while the old one holds it.
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: REDIS_SELECTOR },
                    template: {
                        metadata: { labels, annotations: { "checksum/config": checksum } },
                        spec: redisPodSpec({
                            image,
                            resources,
                            configMapName: configMap.metadata.name,
                            aclSecretName: aclSecret.metadata.name,
                            adminSecretName: admin.secret.metadata.name,
                            dataClaimName,
                        }),
                    },
                },
            },
            child,
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
            child,
        );

        if (args.networkPolicy ?? DEFAULT_SETTINGS.networkPolicy) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-network-policy`,
                {
                    metadata: { name: OBJECT_NAMES.networkPolicy, namespace, labels },
                    spec: {
                        podSelector: { matchLabels: REDIS_SELECTOR },
                        policyTypes: ["Ingress"],
                        ingress: [
                            {
                                // One peer with both selectors: a labelled pod AND in one of the namespaces.
                                from: [
                                    {
                                        podSelector: { matchLabels: CLIENT_LABEL },
                                        namespaceSelector: {
                                            matchExpressions: [
                                                {
                                                    key: "kubernetes.io/metadata.name",
                                                    operator: "In",
                                                    values: clientNamespaces ?? [namespace],
                                                },
                                            ],
                                        },
                                    },
                                ],
                                ports: [{ protocol: "TCP", port: REDIS_CONTAINER_PORT }],
                            },
                        ],
                    },
                },
                child,
            );
        }

        this.namespace = this.service.metadata.namespace;
        this.serviceName = this.service.metadata.name;

        const connection: pulumi.Input<ConnectionArgs> =
            (args.provisionerConnection ?? DEFAULT_SETTINGS.provisionerConnection) === "direct"
                ? { host: this.host, port: this.port, username: ADMIN_USER, password: admin.password }
                : {
                      namespace: this.namespace,
                      service: this.serviceName,
                      port: REDIS_CONTAINER_PORT,
                      kubeconfig: args.kubeconfig,
                      context: args.kubeContext,
                      username: ADMIN_USER,
                      password: admin.password,
                  };
        this.streamGroups = new RedisStreamGroups(
            `${name}-stream-groups`,
            {
                stream,
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
        this.credentialSecrets = pulumi.output(Object.fromEntries(users.map((u) => [u.name, secretNameFor(u.name)])));

        this.registerOutputs({
            namespace: this.namespace,
            serviceName: this.serviceName,
            host: this.host,
            port: this.port,
            stream: this.stream,
            groups: this.groups,
            credentialSecrets: this.credentialSecrets,
        });
    }
}
