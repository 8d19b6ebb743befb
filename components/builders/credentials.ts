/**
 * One password and one Kubernetes Secret per ACL user. A password is the one given, or else generated once and kept in
 * the state (stable across updates); either way it is a Pulumi secret.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { NO_PASSWORD, PasswordHash, sha256Hex } from "../render/acl";
import { PASSWORD_KEY } from "../render/pod-spec";
import type { BuildContext } from "./context";
import { MASTER_NAME, SENTINEL_PORT, sentinelEndpoints } from "../render/replication";
import { BUS_LABELS, nodeHosts, secretNameFor } from "./object-names";

export interface UserCredentials {
    readonly user: string;
    /** Secret. Undefined only where no provider generated it (see generatedPassword). */
    readonly password: pulumi.Output<string | undefined>;
    /** Secret: a hash of a secret is still only for the ACL file. */
    readonly passwordHash: pulumi.Output<PasswordHash>;
    /**
     * The Kubernetes Secret a service mounts: REDIS_USERNAME, REDIS_PASSWORD, REDIS_HOST, REDIS_PORT, and on a
     * replicated bus REDIS_SENTINELS and REDIS_SENTINEL_MASTER.
     */
    readonly secret: k8s.core.v1.Secret;
    /** Its copies in the namespaces the service runs in. */
    readonly copies: readonly k8s.core.v1.Secret[];
}

/**
 * A user's password and Secret, in the bus's namespace and in each namespace its service runs in (`namespaces`). Every
 * copy holds the same password, so that a rotation rewrites them all in one update.
 */
export function buildCredentials(
    context: BuildContext,
    user: string,
    host: pulumi.Input<string>,
    given: pulumi.Output<string> | undefined,
    serviceNamespaces: readonly string[] = [],
): UserCredentials {
    const password: pulumi.Output<string | undefined> = given ?? generatedPassword(context, user);
    const secretIn = (resourceName: string, namespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions) =>
        new k8s.core.v1.Secret(
            resourceName,
            {
                metadata: { name: secretNameFor(user), namespace, labels: BUS_LABELS },
                type: "Opaque",
                stringData: {
                    REDIS_USERNAME: user,
                    // Empty only for a user written off (no password was generated): there is nothing to hand out.
                    [PASSWORD_KEY]: password.apply((p) => p ?? ""),
                    REDIS_HOST: host,
                    REDIS_PORT: context.setting("port").apply(String),
                    // A replicated bus's Sentinels, for Sentinel-aware clients: host:port pairs and the master's name.
                    ...(context.structure.replicas === 1
                        ? {}
                        : {
                              REDIS_SENTINELS: context.namespace.apply((ns) =>
                                  sentinelEndpoints(nodeHosts(context.structure.replicas, ns), SENTINEL_PORT).join(","),
                              ),
                              REDIS_SENTINEL_MASTER: MASTER_NAME,
                          }),
                },
            },
            opts,
        );
    const secret = secretIn(`${context.name}-${user}-credentials`, context.namespace, context.childOptions);
    const copies = serviceNamespaces.map((namespace) => {
        // Read first, under a name that says whose namespace it is: a namespace that does not exist stops the
        // preview with this user's name on the error, before anything is written.
        const existing = k8s.core.v1.Namespace.get(
            `${context.name}-${user}-runs-in-${namespace}`,
            namespace,
            context.childOptions,
        );
        return secretIn(`${context.name}-${user}-credentials-in-${namespace}`, namespace, {
            ...context.childOptions,
            dependsOn: [existing],
        });
    });
    const passwordHash = password.apply((p): PasswordHash => (p === undefined ? NO_PASSWORD : sha256Hex(p)));
    return { user, password, passwordHash: pulumi.secret(passwordHash), secret, copies };
}

/**
 * A password generated once and kept in the state. Its result is absent only where no provider computed it, as under
 * the test mocks of Pulumi's documentation (`state: args.inputs`): the user is then written `off` (it cannot log in),
 * with a warning, instead of the component failing inside a hash.
 */
function generatedPassword(context: BuildContext, user: string): pulumi.Output<string | undefined> {
    const generated = new random.RandomPassword(
        `${context.name}-${user}-password`,
        // Letters and digits only: safe in URLs, shells and env files; 32 of them are about 190 bits.
        { length: 32, special: false },
        { parent: context.childOptions.parent, additionalSecretOutputs: ["result"] },
    );
    return generated.result.apply((result: string | undefined) => {
        if (typeof result !== "string") {
            void pulumi.log.warn(
                `RandomPassword of ACL user ${JSON.stringify(user)} has no result (a mock that echoes its inputs?): the user is written off, without a password`,
                generated,
            );
        }
        return result;
    });
}
