import * as pulumi from "@pulumi/pulumi";
import { ADMIN_USER } from "../render/acl";
import { REDIS_CONTAINER_PORT } from "../render/layout";
import { STREAM_GROUPS_DEFAULTS } from "../stream-groups/inputs";
import { ConnectionArgs, RedisStreamGroups } from "../stream-groups/resource";
import type { BuildContext } from "./context";

/** The cluster the port-forward goes through: the one the Kubernetes resources go to. */
export interface ClusterAccess {
    readonly kubeconfig?: pulumi.Input<string>;
    readonly context?: pulumi.Input<string>;
}

/** The stream and its groups, created once the Deployment has rolled out and the Service has endpoints. */
export function buildStreamGroups(
    context: BuildContext,
    target: { host: pulumi.Output<string>; namespace: pulumi.Output<string>; service: pulumi.Output<string> },
    adminPassword: pulumi.Output<string>,
    cluster: ClusterAccess,
    after: pulumi.Resource[],
): RedisStreamGroups {
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
    return new RedisStreamGroups(
        `${name}-stream-groups`,
        {
            stream: setting("stream"),
            groups: setting("groups").apply((groups) =>
                groups.map((g) => ({ name: g.name, startId: g.startId ?? STREAM_GROUPS_DEFAULTS.startId })),
            ),
            connection,
            readinessTimeoutSeconds: setting("readinessTimeoutSeconds"),
            deleteStreamOnDelete: setting("deleteStreamOnDelete"),
        },
        // The Deployment is awaited until its new pods are Ready, the Service until it has endpoints.
        { parent: childOptions.parent, dependsOn: after },
    );
}
