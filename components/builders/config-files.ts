import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AclRule, SystemUser, aclRules as aclRulesOf, renderAclFile } from "../render/acl";
import { ACL_FILE, CONFIG_FILE } from "../render/layout";
import { configChecksum, renderRedisConf } from "../render/redis-conf";
import type { BuildContext } from "./context";
import type { UserCredentials } from "./credentials";
import { BUS_LABELS, OBJECT_NAMES } from "./object-names";

export interface ConfigFiles {
    /** ConfigMap `redis-config` with redis.conf. */
    readonly configMap: k8s.core.v1.ConfigMap;
    /** Secret `redis-acl` with the ACL file (password hashes only). */
    readonly aclSecret: k8s.core.v1.Secret;
    /** A digest of redis.conf: a change rolls the pod, since Redis reads the file only when it starts. */
    readonly checksum: pulumi.Output<string>;
    /** Every user's rules, secret (password hashes), for applying a user change to the running server. */
    readonly aclRules: pulumi.Output<AclRule[]>;
}

export function buildConfigFiles(
    context: BuildContext,
    credentials: readonly UserCredentials[],
    systemUsers: readonly SystemUser[],
): ConfigFiles {
    const { name, setting, structure, namespace, childOptions } = context;
    const hashes = pulumi
        .all(credentials.map((c) => c.passwordHash))
        .apply((list) => Object.fromEntries(credentials.map((c, i) => [c.user, list[i]])));
    // A replicated bus has its replication and Sentinel users too, and the probe user may ask ROLE (the proxy does).
    const replicated = structure.replicas > 1;
    const aclFile = hashes.apply((byUser) => renderAclFile(structure.users, byUser, systemUsers, replicated));
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
    // The ACL file is not in it: a user change is applied to the running server (build/provisioning.ts), and the
    // mounted file, which the kubelet refreshes in place, is what a later start reads.
    const checksum = redisConf.apply((conf) => configChecksum(conf));
    const aclRules = pulumi.secret(
        hashes.apply((byUser) => aclRulesOf(structure.users, byUser, systemUsers, replicated)),
    );
    return { configMap, aclSecret, checksum, aclRules };
}
