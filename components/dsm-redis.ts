import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BusSettings, DsmRedisArgs, resolveArgs } from "./args";
import { buildConfigFiles } from "./builders/config-files";
import type { BuildContext } from "./builders/context";
import { UserCredentials, buildCredentials } from "./builders/credentials";
import { REDIS_NAME } from "./builders/object-names";
import { buildNamespace } from "./builders/namespace";
import { buildNetworkPolicy } from "./builders/network-policy";
import { Monitoring, buildMonitoring } from "./builders/monitoring";
import { buildRetention } from "./builders/retention-cronjob";
import { Backup, buildBackup } from "./builders/backup-cronjob";
import { buildService } from "./builders/service";
import { buildDataClaim } from "./builders/storage";
import { ClusterAccess, buildProvisioning } from "./builders/provisioning";
import { buildDeployment } from "./builders/workload";
import { ReplicatedBus, buildReplicatedBus } from "./builders/replicated-workload";
import { ADMIN_USER, BACKUP_USER, METRICS_USER, REPLICATION_USERS, RETENTION_USER, SystemUser } from "./render/acl";
import { RedisTopologyGuard } from "./topology-guard/resource";
import { RedisAclUsers } from "./acl-users/resource";
import { RedisStreamGroups } from "./stream-groups/resource";
import { InvalidArgumentsError } from "./validation";

/**
 * The component's type token. It is part of every child's URN: renaming it would replace the whole bus, so it stays
 * as it is; a rename must come with `aliases: [{ type: DSM_REDIS_TYPE }]` (see README, "Versioning").
 */
export const DSM_REDIS_TYPE = "dsm:infra:Redis";

/**
 * The DSM event bus: namespace `dsm`, Deployment `redis` and ClusterIP Service `redis`, named exactly so that
 * services reach `redis.dsm.svc.cluster.local:6379`; durable (AOF on a volume), bounded (maxmemory, noeviction),
 * locked down (ACL users, NetworkPolicy, restricted pod security); and the stream `dsm:events` with its groups.
 *
 * Invalid arguments throw an InvalidArgumentsError naming each one, before anything is registered.
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
    /** The event stream's key. */
    public readonly stream: pulumi.Output<string>;
    /** The names of its consumer groups. */
    public readonly groups: pulumi.Output<string[]>;
    /** Each service user's Secret name, by user; it resolves once the Secrets exist. */
    public readonly credentialSecrets: pulumi.Output<Record<string, string>>;

    /** The Namespace, when the component creates it. */
    public readonly namespaceResource?: k8s.core.v1.Namespace;
    /**
     * The component's own Kubernetes provider, for every child, built from `args.kubernetes` or else the stack's
     * `kubernetes:kubeconfig` and `kubernetes:context` (as the default provider reads them). Its own, so that the
     * port-forward goes to the same cluster, and so that Secrets and the ConfigMap are updated in place: by default
     * the Kubernetes provider replaces them on any change, which would delete and recreate a service's credentials.
     */
    public readonly kubernetesProvider: k8s.Provider;
    /**
     * Deployment `redis`, for callers that depend on its rollout: the Redis server, or on a replicated bus the proxy
     * in front of the nodes.
     */
    public readonly deployment: k8s.apps.v1.Deployment;
    /** The nodes, their Sentinels, headless Service, disruption budgets and proxy, when `replicas` is 3 or more. */
    public readonly replicatedBus?: ReplicatedBus;
    /** Holds the number of nodes in the state, and refuses a change of it at preview. */
    public readonly topologyGuard: RedisTopologyGuard;
    /** The Service. */
    public readonly service: k8s.core.v1.Service;
    /** ConfigMap `redis-config` (redis.conf). */
    public readonly configMap: k8s.core.v1.ConfigMap;
    /** Secret `redis-acl` (the ACL file). */
    public readonly aclSecret: k8s.core.v1.Secret;
    /** The data volume of the single node, when persistence is on (a replicated bus's nodes have one each). */
    public readonly dataClaim?: k8s.core.v1.PersistentVolumeClaim;
    /** The NetworkPolicy, when on. */
    public readonly networkPolicy?: k8s.networking.v1.NetworkPolicy;
    /** Each user's credentials Secret (`dsm-admin` included), by user. */
    public readonly credentials: Readonly<Record<string, k8s.core.v1.Secret>>;
    /** The PodMonitor, PrometheusRule and dashboard ConfigMap, when `monitoring`. */
    public readonly monitoring?: Monitoring;
    /** The retention CronJob, when on. */
    public readonly retentionCronJob?: k8s.batch.v1.CronJob;
    /** The scheduled backup (its CronJob, scripts and, unless `backupClaim`, its claim), when `backup`. */
    public readonly backup?: Backup;
    /** The running server's users, kept equal to the ACL file's without a restart (node 0's, when replicated). */
    public readonly aclUsers: RedisAclUsers;
    /** Every server's users: the single node's, or each node's of a replicated bus. */
    public readonly nodeAclUsers: readonly RedisAclUsers[];
    /** The stream and its consumer groups, created once the Deployment has rolled out. */
    public readonly streamGroups: RedisStreamGroups;

    constructor(name: string, args: DsmRedisArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
        // Everything is checked before the component registers, so a bad argument leaves nothing behind.
        const resolved = resolveArgs(args);
        const { structure, settings } = resolved;
        const setting = <K extends keyof BusSettings>(key: K) => settings.apply((s) => s[key]);
        refuseForeignKubernetesProvider(opts);
        super(DSM_REDIS_TYPE, name, {}, opts);

        const cluster = args.kubernetes ?? stackClusterAccess();
        this.topologyGuard = new RedisTopologyGuard(
            `${name}-topology`,
            { replicas: structure.replicas },
            { parent: this },
        );
        this.kubernetesProvider = new k8s.Provider(
            `${name}-kubernetes`,
            {
                kubeconfig: cluster.kubeconfig,
                context: cluster.context,
                enableSecretMutable: true,
                enableConfigMapMutable: true,
            },
            // Every Kubernetes child waits for its provider, so a topology change refused by the guard touches none.
            { parent: this, dependsOn: [this.topologyGuard] },
        );
        const childOptions: pulumi.CustomResourceOptions = { parent: this, provider: this.kubernetesProvider };
        // Children use the namespace's output name, so that they wait for it when this component creates it.
        this.namespaceResource = structure.createNamespace
            ? buildNamespace(name, setting("namespace"), {
                  ...childOptions,
                  retainOnDelete: !structure.deleteDataOnDestroy,
              })
            : undefined;
        const context: BuildContext = {
            name,
            setting,
            structure,
            namespace: this.namespaceResource?.metadata.name ?? setting("namespace"),
            childOptions,
        };
        this.host = pulumi.interpolate`${REDIS_NAME}.${context.namespace}.svc.cluster.local`;
        this.port = setting("port");

        const systemUsers: SystemUser[] = [
            ...(structure.retention ? [RETENTION_USER] : []),
            ...(structure.backup ? [BACKUP_USER] : []),
            ...(structure.metrics ? [METRICS_USER] : []),
        ];
        const admin = buildCredentials(context, ADMIN_USER, this.host, resolved.passwords[ADMIN_USER]);
        // A replicated bus's replicas log in to their master, and its Sentinels to every node, as users of their own.
        const busUsers = structure.replicas === 1 ? [] : REPLICATION_USERS;
        const credentials: UserCredentials[] = [
            admin,
            ...[...systemUsers, ...busUsers].map((user) => buildCredentials(context, user, this.host, undefined)),
            ...structure.users.map((user) =>
                buildCredentials(context, user.name, this.host, resolved.passwords[user.name], user.namespaces),
            ),
        ];
        const files = buildConfigFiles(context, credentials, systemUsers);
        this.configMap = files.configMap;
        this.aclSecret = files.aclSecret;
        this.dataClaim = structure.replicas === 1 ? buildDataClaim(context) : undefined;
        const secretOf = (user: string) => credentials.find((c) => c.user === user)?.secret;
        const podSecrets = [METRICS_USER, ...REPLICATION_USERS].flatMap((user) => secretOf(user) ?? []);
        if (structure.replicas === 1) {
            this.deployment = buildDeployment(context, files, this.dataClaim, podSecrets);
        } else {
            this.replicatedBus = buildReplicatedBus(context, files, podSecrets);
            this.deployment = this.replicatedBus.proxy;
        }
        this.service = buildService(context);
        this.networkPolicy = buildNetworkPolicy(context);
        const retentionSecret = secretOf(RETENTION_USER);
        const retention = retentionSecret && buildRetention(context, this.host, retentionSecret);
        this.retentionCronJob = retention?.cronJob;
        const backupSecret = secretOf(BACKUP_USER);
        this.backup = backupSecret && buildBackup(context, this.host, backupSecret);
        this.monitoring = buildMonitoring(context);

        this.namespace = this.service.metadata.namespace;
        this.serviceName = this.service.metadata.name;
        const provisioning = buildProvisioning(
            context,
            { host: this.host, namespace: this.namespace, service: this.serviceName },
            admin.password,
            files.aclRules,
            cluster,
            [this.deployment, this.service, ...(this.replicatedBus ? [this.replicatedBus.statefulSet] : [])],
        );
        this.nodeAclUsers = provisioning.aclUsers;
        this.aclUsers = provisioning.aclUsers[0];
        this.streamGroups = provisioning.streamGroups;
        this.stream = this.streamGroups.stream;
        this.groups = this.streamGroups.groups.apply((groups) => groups.map((g) => g.name));
        this.credentials = Object.fromEntries(credentials.map((c) => [c.user, c.secret]));
        const services = new Set(structure.users.map((u) => u.name));
        this.credentialSecrets = pulumi
            .all(
                Object.fromEntries(
                    credentials.filter((c) => services.has(c.user)).map((c) => [c.user, c.secret.metadata.name]),
                ),
            )
            .apply((names) => ({ ...names }));

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

/**
 * Without `args.kubernetes`, the resources use the stack's default Kubernetes provider, which reads these keys; the
 * port-forward reads the same, so that both reach one cluster.
 */
function stackClusterAccess(): ClusterAccess {
    const config = new pulumi.Config("kubernetes");
    return { kubeconfig: config.getSecret("kubeconfig"), context: config.get("context") };
}

/**
 * A Kubernetes provider from the options would be ignored (the children use the component's own): say so, and how to
 * give the cluster instead.
 */
function refuseForeignKubernetesProvider(opts: pulumi.ComponentResourceOptions): void {
    const given = [
        opts.provider,
        ...(Array.isArray(opts.providers) ? opts.providers : Object.values(opts.providers ?? {})),
        opts.parent?.getProvider("kubernetes::"),
    ];
    if (given.some((p) => p !== undefined && k8s.Provider.isInstance(p))) {
        throw new InvalidArgumentsError([
            {
                field: "kubernetes",
                message:
                    "a Kubernetes provider was given in the resource options, but DsmRedis builds its own (to reach the same cluster with its port-forward, and to update Secrets in place); pass its kubeconfig (and context) as args.kubernetes instead",
            },
        ]);
    }
}
