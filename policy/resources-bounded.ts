/**
 * resources-bounded: every container declares cpu and memory requests and limits, each a positive Kubernetes
 * quantity, requests at most limits and limits at most the configured maxima, all compared exactly.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Finding, validateWith } from "./finding";
import { QUANTITY_FORM, Quantity, QuantityError, compareQuantities, parseQuantity } from "./quantity";
import { isUnknown } from "./unknown";
import { Json, containersOf, objectAt, shown, workloadOf } from "./workloads";

export interface ResourcesBoundedConfig {
    /** The largest cpu limit a container may have, as a quantity. */
    readonly maxCpu: string;
    /** The largest memory limit a container may have, as a quantity. */
    readonly maxMemory: string;
}

export const RESOURCES_BOUNDED_DEFAULTS: ResourcesBoundedConfig = { maxCpu: "1", maxMemory: "1Gi" };

const RESOURCES = ["cpu", "memory"] as const;
type ResourceName = (typeof RESOURCES)[number];

const EXAMPLES: Record<ResourceName, string> = { cpu: '"100m" or "0.5"', memory: '"128Mi" or "1Gi"' };

/** Parses a configured maximum, failing loudly: a broken policy config must not quietly admit everything. */
function parseMaximum(value: string, key: string): Quantity {
    try {
        const q = parseQuantity(value);
        if (!q.hasDigits || q.nanos <= 0n) throw new QuantityError(value, "it must be above zero");
        return q;
    } catch (error) {
        if (error instanceof QuantityError) {
            throw new Error(
                `resources-bounded config ${key} = ${JSON.stringify(value)}: ${error.reason}; expected ${QUANTITY_FORM}`,
            );
        }
        throw error;
    }
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
    const maxima: Record<ResourceName, Quantity> = {
        cpu: parseMaximum(config.maxCpu, "maxCpu"),
        memory: parseMaximum(config.maxMemory, "maxMemory"),
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
                        expected: `a positive quantity such as ${EXAMPLES[resource]}`,
                    });
                    continue;
                }
                if (typeof value !== "string" && typeof value !== "number") {
                    findings.push({ ...at, problem: "not a quantity", expected: QUANTITY_FORM });
                    continue;
                }
                let quantity: Quantity;
                try {
                    quantity = parseQuantity(value);
                } catch (error) {
                    if (!(error instanceof QuantityError)) throw error;
                    findings.push({ ...at, problem: `not a valid quantity: ${error.reason}`, expected: QUANTITY_FORM });
                    continue;
                }
                if (!quantity.hasDigits) {
                    findings.push({
                        ...at,
                        problem: "it has no digits, which Kubernetes silently reads as zero",
                        expected: `a positive quantity such as ${EXAMPLES[resource]}`,
                    });
                    continue;
                }
                if (quantity.nanos <= 0n) {
                    findings.push({
                        ...at,
                        problem: "it is not above zero",
                        expected: `a positive quantity such as ${EXAMPLES[resource]}`,
                    });
                    continue;
                }
                if (resource === "memory" && quantity.suffix === "m") {
                    findings.push({
                        ...at,
                        problem: 'the suffix "m" is milli: this is thousandths of a byte',
                        expected: 'mebibytes as "Mi", e.g. "128Mi"',
                    });
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
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            maxCpu: {
                type: "string",
                default: RESOURCES_BOUNDED_DEFAULTS.maxCpu,
                description: "Largest cpu limit, a quantity.",
            },
            maxMemory: {
                type: "string",
                default: RESOURCES_BOUNDED_DEFAULTS.maxMemory,
                description: "Largest memory limit, a quantity.",
            },
        },
    },
    validateResource: validateWith(RESOURCES_BOUNDED_DEFAULTS, checkResourcesBounded),
};
