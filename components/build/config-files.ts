import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderAclFile } from "../render/acl";
import { ACL_FILE, CONFIG_FILE } from "../render/layout";
import { configChecksum, renderRedisConf } from "../render/redis-conf";
import type { BuildContext } from "./context";
import type { UserCredentials } from "./credentials";
import { BUS_LABELS, OBJECT_NAMES } from "./names";

export interface ConfigFiles {
    /** ConfigMap `redis-config` with redis.conf. */
    readonly configMap: k8s.core.v1.ConfigMap;
    /** Secret `redis-acl` with the ACL file (password hashes only). */
    readonly aclSecret: k8s.core.v1.Secret;
    /** A digest of both files: a change rolls the pod, which is when Redis reads them. */
    readonly checksum: pulumi.Output<string>;
}

export function buildConfigFiles(context: BuildContext, credentials: readonly UserCredentials[]): ConfigFiles {
    const { name, setting, structure, namespace, childOptions } = context;
    const aclFile = pulumi
        .all(credentials.map((c) => c.passwordHash))
        .apply((hashes) =>
            renderAclFile(structure.users, Object.fromEntries(credentials.map((c, i) => [c.user, hashes[i]]))),
        );
    const aclSecret = new k8s.core.v1.Secret(
        `${name}-acl`,
        {
            metadata: { name: OBJECT_NAMES.acl, namespace, labels: BUS_LABELS },
            type: "Opaque",
            stringData: { [ACL_FILE]: pulumi.secret(aclFile) },
        },
        childOptions,
    );
    const redisConf = setting("resources").apply(({ limits }) =>
        renderRedisConf({
            memoryLimit: limits.memory,
            persistence: structure.persistence,
            appendfsync: structure.appendfsync,
        }),
    );
    const configMap = new k8s.core.v1.ConfigMap(
        `${name}-config`,
        { metadata: { name: OBJECT_NAMES.config, namespace, labels: BUS_LABELS }, data: { [CONFIG_FILE]: redisConf } },
        childOptions,
    );
    // Not secret: nothing can be learned from a hash of hashes of random passwords.
    const checksum = pulumi.unsecret(
        pulumi.all([redisConf, aclFile]).apply(([conf, acl]) => configChecksum(conf, acl)),
    );
    return { configMap, aclSecret, checksum };
}
