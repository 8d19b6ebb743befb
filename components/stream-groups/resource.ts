import * as pulumi from "@pulumi/pulumi";
import { Connection, DirectConnection, GroupSpec, PortForwardConnection } from "./inputs";
import { streamGroupsProvider } from "./provider";

/** Each field may be an Input, so that a password or kubeconfig can come from a secret Output. */
type InputFields<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

export type ConnectionArgs = InputFields<DirectConnection> | InputFields<PortForwardConnection>;

export interface RedisStreamGroupsArgs {
    /** The stream's key. A change replaces the resource (a new stream); the old one is kept. Default `dsm:events`. */
    readonly stream?: pulumi.Input<string>;
    /**
     * One consumer group per consuming service. `startId` (default `0`) applies when a group is created: `0` hands a
     * new group the stream's whole history, which event-sourced consumers rebuild their state from; `$` only what is
     * written afterwards. Default: `sprint-service`, `project-service`, `backlog-service`.
     */
    readonly groups?: pulumi.Input<pulumi.Input<GroupSpec>[]>;
    /** How to reach Redis: directly (`host`, `port`), or through a Kubernetes port-forward (`namespace`, `service`). */
    readonly connection: pulumi.Input<ConnectionArgs>;
    /** How long create, update, refresh and delete wait for Redis to answer and finish loading. Default 300. */
    readonly readinessTimeoutSeconds?: pulumi.Input<number>;
    /** Delete the stream and its entries with the resource. Default false: events are data, and stay. */
    readonly deleteStreamOnDelete?: pulumi.Input<boolean>;
}

/**
 * The stream and its consumer groups, created once Redis is up, so that no consumer ever starts against a missing
 * group (NOGROUP). The connection, with its password and kubeconfig, is a secret in the state.
 */
export class RedisStreamGroups extends pulumi.dynamic.Resource {
    declare public readonly stream: pulumi.Output<string>;
    declare public readonly groups: pulumi.Output<GroupSpec[]>;
    declare public readonly readinessTimeoutSeconds: pulumi.Output<number>;
    declare public readonly deleteStreamOnDelete: pulumi.Output<boolean>;
    /** Secret: it carries the password and the kubeconfig. */
    declare public readonly connection: pulumi.Output<Connection>;

    constructor(name: string, args: RedisStreamGroupsArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            streamGroupsProvider,
            name,
            {
                // Unset inputs stay unset: the provider's check fills in STREAM_GROUPS_DEFAULTS, the one place.
                stream: args.stream,
                groups: args.groups,
                connection: pulumi.secret(args.connection),
                readinessTimeoutSeconds: args.readinessTimeoutSeconds,
                deleteStreamOnDelete: args.deleteStreamOnDelete,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection"] }),
            "dsm",
            "RedisStreamGroups",
        );
    }
}
