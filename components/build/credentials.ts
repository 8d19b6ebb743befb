/**
 * One password and one Kubernetes Secret per ACL user. A password is the one set in the stack config, or else
 * generated once and kept in the state (stable across updates); either way it is a Pulumi secret.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { sha256Hex } from "./acl";
import { PASSWORD_KEY } from "./pod-spec";

export interface UserCredentials {
    readonly user: string;
    /** Secret. */
    readonly password: pulumi.Output<string>;
    /** Secret: a hash of a secret is still only for the ACL file. */
    readonly passwordHash: pulumi.Output<string>;
    /** The Kubernetes Secret a service mounts: REDIS_USERNAME, REDIS_PASSWORD, REDIS_HOST, REDIS_PORT. */
    readonly secret: k8s.core.v1.Secret;
}

export interface CredentialsArgs {
    readonly namespace: pulumi.Input<string>;
    readonly host: pulumi.Input<string>;
    readonly port: pulumi.Input<number>;
    readonly labels: Record<string, string>;
    /** Passwords set by the user, by user name. */
    readonly passwords: Readonly<Record<string, pulumi.Input<string>>>;
}

/** The name of a user's Secret: `redis-<user>`, so that a service finds it by its own name. */
export function secretNameFor(user: string): string {
    return `redis-${user}`;
}

export function createCredentials(
    resourcePrefix: string,
    user: string,
    args: CredentialsArgs,
    parent: pulumi.Resource,
): UserCredentials {
    const given = args.passwords[user];
    const password =
        given !== undefined
            ? pulumi.secret(given)
            : new random.RandomPassword(
                  `${resourcePrefix}-${user}-password`,
                  // Letters and digits only: safe in URLs, shells and env files; 32 of them are about 190 bits.
                  { length: 32, special: false },
                  { parent, additionalSecretOutputs: ["result"] },
              ).result;
    const secret = new k8s.core.v1.Secret(
        `${resourcePrefix}-${user}-credentials`,
        {
            metadata: { name: secretNameFor(user), namespace: args.namespace, labels: args.labels },
            type: "Opaque",
            stringData: {
                REDIS_USERNAME: user,
                [PASSWORD_KEY]: password,
                REDIS_HOST: args.host,
                REDIS_PORT: pulumi.output(args.port).apply(String),
            },
        },
        { parent },
    );
    return { user, password, passwordHash: pulumi.secret(password.apply(sha256Hex)), secret };
}
