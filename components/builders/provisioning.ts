/**
 * What the program does to the running servers once they have rolled out, through the same connection (a port-forward
 * through the stack's cluster, or the Service's address): apply user changes without a restart (RedisAclUsers), then
 * create the stream and its consumer groups (RedisStreamGroups).
 */
import * as pulumi from "@pulumi/pulumi";
import { RedisAclUsers } from "../acl-users/resource";
import { ADMIN_USER, AclRule } from "../render/acl";
import { REDIS_CONTAINER_PORT } from "../render/layout";
import { ConnectionArgs, RedisStreamGroups } from "../stream-groups/resource";
import type { BuildContext } from "./context";
import { nodeHosts, nodePodSelector } from "./object-names";

/** The cluster the port-forward goes through: the one the Kubernetes resources go to. */
export interface ClusterAccess {
    readonly kubeconfig?: pulumi.Input<string>;
    readonly context?: pulumi.Input<string>;
}

export interface Provisioning {
    /** One per server: the single node's, or each node's of a replicated bus (ACL SETUSER is not replicated). */
    readonly aclUsers: readonly RedisAclUsers[];
    readonly streamGroups: RedisStreamGroups;
}

export function buildProvisioning(
    context: BuildContext,
    target: { host: pulumi.Output<string>; namespace: pulumi.Output<string>; service: pulumi.Output<string> },
    adminPassword: pulumi.Output<string | undefined>,
    aclRules: pulumi.Output<AclRule[]>,
    cluster: ClusterAccess,
    after: pulumi.Resource[],
): Provisioning {
    const { name, setting, structure, childOptions } = context;
    const login = { username: ADMIN_USER, password: adminPassword };
    const throughCluster = { port: REDIS_CONTAINER_PORT, kubeconfig: cluster.kubeconfig, context: cluster.context };
    // Through Service `redis`: the server itself, or on a replicated bus the proxy, which reaches the master.
    const connection: pulumi.Input<ConnectionArgs> =
        structure.provisionerConnection === "direct"
            ? { host: target.host, port: setting("port"), ...login }
            : { namespace: target.namespace, service: target.service, ...throughCluster, ...login };
    // Each node of a replicated bus by its own name: ACL SETUSER changes only the server that runs it.
    const nodeConnection = (index: number): pulumi.Input<ConnectionArgs> =>
        structure.provisionerConnection === "direct"
            ? {
                  host: target.namespace.apply((ns) => nodeHosts(structure.replicas, ns)[index]),
                  port: REDIS_CONTAINER_PORT,
                  ...login,
              }
            : {
                  namespace: target.namespace,
                  podSelector: nodePodSelector(index),
                  ...throughCluster,
                  ...login,
              };
    const usersOn = (resourceName: string, to: pulumi.Input<ConnectionArgs>) =>
        // After the rollout: the workloads are awaited until their new pods are Ready, the Service until it has
        // endpoints.
        new RedisAclUsers(
            resourceName,
            { users: aclRules, connection: to, readinessTimeoutSeconds: setting("readinessTimeoutSeconds") },
            { parent: childOptions.parent, dependsOn: after },
        );
    const aclUsers =
        structure.replicas === 1
            ? [usersOn(`${name}-acl-users`, connection)]
            : Array.from({ length: structure.replicas }, (_, index) =>
                  usersOn(`${name}-acl-users-node-${index}`, nodeConnection(index)),
              );
    const streamGroups = new RedisStreamGroups(
        `${name}-stream-groups`,
        {
            stream: setting("stream"),
            // As given: the provider's check gives a group without startId the default.
            groups: setting("groups").apply((groups) => [...groups]),
            connection,
            readinessTimeoutSeconds: setting("readinessTimeoutSeconds"),
            deleteStreamOnDelete: setting("deleteStreamOnDelete"),
        },
        // After the users: a rotated admin password is every server's before this connects with it.
        { parent: childOptions.parent, dependsOn: [...after, ...aclUsers] },
    );
    return { aclUsers, streamGroups };
}
