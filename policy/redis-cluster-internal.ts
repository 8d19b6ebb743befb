/**
 * redis-cluster-internal: a Service that selects Redis pods stays inside the cluster (type ClusterIP, no
 * externalIPs). Redis answers anyone who reaches it, and a NodePort or LoadBalancer puts the whole event bus, and
 * FLUSHALL, on the network. Mandatory.
 *
 * A Service selects Redis when its selector matches one of `redisSelectors`, or when it matches the pod labels of a
 * workload of the same stack and namespace that runs a Redis image; hence a stack policy, which sees both.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { formatFinding } from "./finding";
import { ImageReferenceError, parseImageReference } from "../k8s-grammar/image-reference";
import { isUnknown, rawProps } from "./unknown";
import { Json, containersOf, displayName, objectAt, shown, workloadOf } from "./workloads";

export interface RedisClusterInternalConfig {
    /** Label sets that mark Redis pods; a Service whose selector includes all labels of one of them selects Redis. */
    readonly redisSelectors: ReadonlyArray<Readonly<Record<string, string>>>;
}

export const REDIS_CLUSTER_INTERNAL_DEFAULTS: RedisClusterInternalConfig = {
    redisSelectors: [{ app: "redis" }, { "app.kubernetes.io/name": "redis" }],
};

const SERVICE_TYPE = /^kubernetes:core\/v1:Service(Patch)?$/;

/** The resource shape the check needs: what the policy SDK passes, and what a mock run records. */
export interface StackResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Json;
}

function stringMap(value: unknown): Record<string, string> | undefined {
    const object = objectAt(value);
    if (object === undefined) return undefined;
    const entries = Object.entries(object).filter(
        (e): e is [string, string] => typeof e[1] === "string" && !isUnknown(e[1]),
    );
    return Object.fromEntries(entries);
}

function includesAll(labels: Readonly<Record<string, string>>, required: Readonly<Record<string, string>>): boolean {
    const keys = Object.keys(required);
    return keys.length > 0 && keys.every((k) => labels[k] === required[k]);
}

function runsRedis(resource: StackResource): { namespace?: string; labels: Record<string, string> } | undefined {
    const workload = workloadOf(resource.type, resource.props, resource.name);
    if (workload === undefined) return undefined;
    const isRedis = containersOf(workload, ["containers"]).some((ref) => {
        try {
            // A missing or malformed image is no Redis: parseImageReference refuses it.
            const path = parseImageReference(ref.container.image as string).path;
            return /^redis(\b|-)/.test(path.slice(path.lastIndexOf("/") + 1));
        } catch (error) {
            // Stryker disable next-line ConditionalExpression,BlockStatement: parseImageReference throws only ImageReferenceErrors; this keeps a bug loud
            if (error instanceof ImageReferenceError) return false;
            throw error;
        }
    });
    if (!isRedis) return undefined;
    const namespace = objectAt(resource.props.metadata)?.namespace;
    return {
        namespace: typeof namespace === "string" ? namespace : undefined,
        labels: stringMap(workload.podMetadata?.labels) ?? {},
    };
}

/** Violation messages with the URN of the Service each is about. */
export function checkRedisClusterInternal(
    resources: readonly StackResource[],
    config: RedisClusterInternalConfig,
): Array<{ urn: string; message: string }> {
    const redisPods = resources.map(runsRedis).filter((r) => r !== undefined);
    const results: Array<{ urn: string; message: string }> = [];
    for (const service of resources.filter((r) => SERVICE_TYPE.test(r.type))) {
        const spec = objectAt(service.props.spec) ?? {};
        const selector = stringMap(spec.selector);
        if (selector === undefined || Object.keys(selector).length === 0) continue;
        const namespace = objectAt(service.props.metadata)?.namespace;
        const selectsRedis =
            config.redisSelectors.some((labels) => includesAll(selector, labels)) ||
            redisPods.some((pod) => pod.namespace === namespace && includesAll(pod.labels, selector));
        if (!selectsRedis) continue;
        const resource = `Service ${displayName(service.props, service.name)}`;
        const type = spec.type;
        if (type !== undefined && !isUnknown(type) && type !== "ClusterIP") {
            results.push({
                urn: service.urn,
                message: formatFinding({
                    resource,
                    field: "spec.type",
                    found: shown(type),
                    problem: "a Service selecting Redis pods is reachable from outside the cluster",
                    expected: '"ClusterIP" (or unset); reach Redis from outside with kubectl port-forward',
                }),
            });
        }
        const externalIPs = spec.externalIPs;
        if (Array.isArray(externalIPs) && externalIPs.length > 0) {
            results.push({
                urn: service.urn,
                message: formatFinding({
                    resource,
                    field: "spec.externalIPs",
                    found: shown(externalIPs),
                    problem: "external IPs route outside traffic to the Redis pods",
                    expected: "no externalIPs",
                }),
            });
        }
    }
    return results;
}

export function toStackResource(resource: PolicyResource): StackResource {
    return { type: resource.type, name: resource.name, urn: resource.urn, props: rawProps(resource.props) };
}

export const redisClusterInternal: StackValidationPolicy = {
    name: "redis-cluster-internal",
    description: "A Service that selects Redis pods is ClusterIP with no externalIPs, never NodePort or LoadBalancer.",
    remediationSteps:
        'Set the Service\'s spec.type to "ClusterIP" (or unset); reach Redis from outside with kubectl port-forward. Remove spec.externalIPs: no externalIPs.',
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            redisSelectors: {
                type: "array",
                items: { type: "object", minProperties: 1, additionalProperties: { type: "string" } },
                default: REDIS_CLUSTER_INTERNAL_DEFAULTS.redisSelectors.map((s) => ({ ...s })),
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = { ...REDIS_CLUSTER_INTERNAL_DEFAULTS, ...args.getConfig<Partial<RedisClusterInternalConfig>>() };
        for (const { urn, message } of checkRedisClusterInternal(args.resources.map(toStackResource), config)) {
            reportViolation(message, urn);
        }
    },
};
