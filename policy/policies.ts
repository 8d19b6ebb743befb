/**
 * Every policy of the pack, for the pack itself (index.ts) and for anything that runs the policies without starting
 * the pack's server: the tests, and `runPolicies` for checking a stack's resources.
 */
import { Policies } from "@pulumi/policy";
import { imagePinned } from "./image-pinned";
import { noDefaultNamespace } from "./no-default-namespace";
import { podSecurityRestricted } from "./pod-security-restricted";
import { probesPresent } from "./probes-present";
import { redisClusterInternal } from "./redis-cluster-internal";
import { resourcesBounded } from "./resources-bounded";

export const policies: Policies = [
    imagePinned,
    resourcesBounded,
    podSecurityRestricted,
    probesPresent,
    redisClusterInternal,
    noDefaultNamespace,
];
