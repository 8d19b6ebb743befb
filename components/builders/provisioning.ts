/**
 * What the program does to the running server once it has rolled out, through the same connection (a port-forward
 * through the stack's cluster, or the Service's address): apply user changes without a restart (RedisAclUsers), then
 * create the stream and its consumer groups (RedisStreamGroups).
 */
import * as pulumi from "@pulumi/pulumi";
import { RedisAclUsers } from "../acl-users/resource";
import { ADMIN_USER, AclRule } from "../render/acl";
import { REDIS_CONTAINER_PORT } from "../render/layout";
import { ConnectionArgs, RedisStreamGroups } from "../stream-groups/resource";
import type { BuildContext } from "./context";

/** The cluster the port-forward goes through: the one the Kubernetes resources go to. */
export interface ClusterAccess {
    readonly kubeconfig?: pulumi.Input<string>;
    readonly context?: pulumi.Input<string>;
}

export interface Provisioning {
    readonly aclUsers: RedisAclUsers;
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
    const connection: pulumi.Input<ConnectionArgs> =
        structure.provisionerConnection === "direct"
            ? { host: target.host, port: setting("port"), username: ADMIN_USER, password: adminPassword }
            : {
                  namespace: target.namespace,
                  service: target.service,
                  port: REDIS_CONTAINER_PORT,
                  kubeconfig: cluster.kubeconfig,
                  context: cluster.context,
                  username: ADMIN_USER,
                  password: adminPassword,
              };
    // After the rollout: the Deployment is awaited until its new pods are Ready, the Service until it has endpoints.
    const aclUsers = new RedisAclUsers(
        `${name}-acl-users`,
        { users: aclRules, connection, readinessTimeoutSeconds: setting("readinessTimeoutSeconds") },
        { parent: childOptions.parent, dependsOn: after },
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
        // After the users: a rotated admin password is the server's before this connects with it.
        { parent: childOptions.parent, dependsOn: [...after, aclUsers] },
    );
    return { aclUsers, streamGroups };
}
