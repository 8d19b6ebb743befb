/**
 * resources-bounded: every container declares cpu and memory requests and limits, each a positive Kubernetes
 * quantity, requests at most limits and limits at most the configured maxima, all compared exactly.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Finding, validateWith } from "./finding";
import {
    QUANTITY_EXAMPLES,
    Quantity,
    QUANTITY_SCHEMA_PATTERN,
    ResourceKind,
    compareQuantities,
    isQuantityProblem,
    parseResourceQuantity,
} from "../k8s-grammar/quantity";
import { isUnknown } from "./unknown";
import { Json, containersOf, objectAt, shown, workloadOf } from "./workloads";

export interface ResourcesBoundedConfig {
    /** The largest cpu limit a container may have, as a quantity. */
    readonly maxCpu: string;
    /** The largest memory limit a container may have, as a quantity. */
    readonly maxMemory: string;
}

export const RESOURCES_BOUNDED_DEFAULTS: ResourcesBoundedConfig = { maxCpu: "1", maxMemory: "1Gi" };

const RESOURCES: readonly ResourceKind[] = ["cpu", "memory"];

/**
 * Parses a configured maximum, failing loudly: a broken policy config must not quietly admit everything. The config
 * schema's pattern refuses most bad values when the pack loads; this catches the rest (zero, `m` of memory).
 */
function parseMaximum(value: string, key: string, kind: ResourceKind): Quantity {
    const quantity = parseResourceQuantity(value, kind);
    if (isQuantityProblem(quantity)) {
        throw new Error(
            `resources-bounded config ${key} = ${JSON.stringify(value)}: ${quantity.problem}; expected ${quantity.expected}`,
        );
    }
    return quantity;
}

/** The findings of resources-bounded for one resource. */
export function checkResourcesBounded(
    type: string,
    props: Json,
    name: string,
    config: ResourcesBoundedConfig,
): Finding[] {
    const workload = workloadOf(type, props, name);
    if (workload === undefined) return [];
    const maxima: Record<ResourceKind, Quantity> = {
        cpu: parseMaximum(config.maxCpu, "maxCpu", "cpu"),
        memory: parseMaximum(config.maxMemory, "maxMemory", "memory"),
    };
    const findings: Finding[] = [];
    // Ephemeral containers may not declare resources (the API server rejects them), so they are not checked.
    for (const ref of containersOf(workload, ["initContainers", "containers"])) {
        const resourcesValue = ref.container.resources;
        if (isUnknown(resourcesValue)) continue;
        const resources = objectAt(resourcesValue);
        if (resources === undefined && workload.isPatch) continue;
        for (const resource of RESOURCES) {
            const parsed: Partial<Record<"requests" | "limits", Quantity>> = {};
            for (const bound of ["requests", "limits"] as const) {
                const boundValue = resources?.[bound];
                if (isUnknown(boundValue)) continue;
                const value = objectAt(boundValue)?.[resource];
                const field = `${ref.path}.resources.${bound}.${resource}`;
                const at = { resource: workload.displayName, container: ref.name, field, found: shown(value) };
                if (isUnknown(value) || (value === undefined && workload.isPatch)) continue;
                if (value === undefined || value === null) {
                    findings.push({
                        ...at,
                        problem: `the ${resource} ${bound === "requests" ? "request" : "limit"} is missing`,
                        expected: `a positive quantity such as ${QUANTITY_EXAMPLES[resource]}`,
                    });
                    continue;
                }
                const quantity = parseResourceQuantity(value, resource);
                if (isQuantityProblem(quantity)) {
                    findings.push({ ...at, ...quantity });
                    continue;
                }
                parsed[bound] = quantity;
            }
            const { requests, limits } = parsed;
            if (requests !== undefined && limits !== undefined && compareQuantities(requests, limits) > 0) {
                findings.push({
                    resource: workload.displayName,
                    container: ref.name,
                    field: `${ref.path}.resources.requests.${resource}`,
                    found: shown(requests.text),
                    problem: `the request is above the limit ${shown(limits.text)}`,
                    expected: "a request at most the limit",
                });
            }
            if (limits !== undefined && compareQuantities(limits, maxima[resource]) > 0) {
                findings.push({
                    resource: workload.displayName,
                    container: ref.name,
                    field: `${ref.path}.resources.limits.${resource}`,
                    found: shown(limits.text),
                    problem: `the limit is above the maximum ${shown(maxima[resource].text)} (max${resource === "cpu" ? "Cpu" : "Memory"})`,
                    expected: `a limit at most ${maxima[resource].text}`,
                });
            }
        }
    }
    return findings;
}

export const resourcesBounded: ResourceValidationPolicy = {
    name: "resources-bounded",
    description:
        "Every container (and init container) has cpu and memory requests and limits: positive Kubernetes quantities, requests <= limits <= maxCpu/maxMemory, compared exactly.",
    remediationSteps: `Give every container and init container cpu and memory requests and limits under resources: for cpu a positive quantity such as ${QUANTITY_EXAMPLES.cpu}, for memory a positive quantity such as ${QUANTITY_EXAMPLES.memory}; each a request at most the limit; each a limit at most maxCpu and maxMemory of the pack's config (by default a limit at most ${RESOURCES_BOUNDED_DEFAULTS.maxCpu} for cpu, a limit at most ${RESOURCES_BOUNDED_DEFAULTS.maxMemory} for memory).`,
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            maxCpu: {
                type: "string",
                pattern: QUANTITY_SCHEMA_PATTERN,
                default: RESOURCES_BOUNDED_DEFAULTS.maxCpu,
                description: 'Largest cpu limit, a Kubernetes quantity such as "1" or "500m".',
            },
            maxMemory: {
                type: "string",
                pattern: QUANTITY_SCHEMA_PATTERN,
                default: RESOURCES_BOUNDED_DEFAULTS.maxMemory,
                description: 'Largest memory limit, a Kubernetes quantity such as "1Gi" or "512Mi".',
            },
        },
    },
    validateResource: validateWith(RESOURCES_BOUNDED_DEFAULTS, checkResourcesBounded),
};
