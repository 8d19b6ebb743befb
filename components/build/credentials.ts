/**
 * One password and one Kubernetes Secret per ACL user. A password is the one given, or else generated once and kept in
 * the state (stable across updates); either way it is a Pulumi secret.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { sha256Hex } from "../render/acl";
import { PASSWORD_KEY } from "../render/pod-spec";
import type { BuildContext } from "./context";
import { BUS_LABELS, secretNameFor } from "./names";

export interface UserCredentials {
    readonly user: string;
    /** Secret. */
    readonly password: pulumi.Output<string>;
    /** Secret: a hash of a secret is still only for the ACL file. */
    readonly passwordHash: pulumi.Output<string>;
    /** The Kubernetes Secret a service mounts: REDIS_USERNAME, REDIS_PASSWORD, REDIS_HOST, REDIS_PORT. */
    readonly secret: k8s.core.v1.Secret;
}

export function buildCredentials(
    context: BuildContext,
    user: string,
    host: pulumi.Input<string>,
    given: pulumi.Output<string> | undefined,
): UserCredentials {
    const password =
        given ??
        new random.RandomPassword(
            `${context.name}-${user}-password`,
            // Letters and digits only: safe in URLs, shells and env files; 32 of them are about 190 bits.
            { length: 32, special: false },
            { parent: context.childOptions.parent, additionalSecretOutputs: ["result"] },
        ).result;
    const secret = new k8s.core.v1.Secret(
        `${context.name}-${user}-credentials`,
        {
            metadata: { name: secretNameFor(user), namespace: context.namespace, labels: BUS_LABELS },
            type: "Opaque",
            stringData: {
                REDIS_USERNAME: user,
                [PASSWORD_KEY]: password,
                REDIS_HOST: host,
                REDIS_PORT: context.setting("port").apply(String),
            },
        },
        context.childOptions,
    );
    return { user, password, passwordHash: pulumi.secret(password.apply(sha256Hex)), secret };
}
