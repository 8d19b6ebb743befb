import * as pulumi from "@pulumi/pulumi";
import type { AclRule } from "../render/acl";
import type { ConnectionArgs } from "../stream-groups/resource";
import { aclUsersProvider } from "./provider";

export interface RedisAclUsersArgs {
    /** Every user's rules, as the ACL file has them. */
    readonly users: pulumi.Input<pulumi.Input<AclRule>[]>;
    readonly connection: pulumi.Input<ConnectionArgs>;
    readonly readinessTimeoutSeconds: pulumi.Input<number>;
}

/**
 * The running server's ACL users, kept equal to the ACL file's: a user added, removed or given a new password is
 * applied with ACL SETUSER and DELUSER, so that the pod does not restart. Its inputs and outputs are secret.
 */
export class RedisAclUsers extends pulumi.dynamic.Resource {
    declare public readonly users: pulumi.Output<AclRule[]>;

    constructor(name: string, args: RedisAclUsersArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            aclUsersProvider,
            name,
            {
                users: pulumi.secret(args.users),
                connection: pulumi.secret(args.connection),
                readinessTimeoutSeconds: args.readinessTimeoutSeconds,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["users", "connection"] }),
            "dsm",
            "RedisAclUsers",
        );
    }
}
