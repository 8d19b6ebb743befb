/**
 * probes-present: the containers of long-running workloads have readiness and liveness probes, so that a Service
 * only routes to a ready pod and a hung process is restarted. Advisory by default: a missing probe weakens recovery
 * but endangers no data, and organisations adopt it at their own pace.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Finding, validateWith } from "./finding";
import { Json, containersOf, shown, workloadOf } from "./workloads";

const LONG_RUNNING_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"]);
const PROBE_KINDS = ["readinessProbe", "livenessProbe", "startupProbe"] as const;
type ProbeKind = (typeof PROBE_KINDS)[number];

export interface ProbesPresentConfig {
    /** The probes every container of a long-running workload needs. */
    readonly requiredProbes: readonly ProbeKind[];
}

export const PROBES_PRESENT_DEFAULTS: ProbesPresentConfig = { requiredProbes: ["readinessProbe", "livenessProbe"] };

export function checkProbesPresent(type: string, props: Json, name: string, config: ProbesPresentConfig): Finding[] {
    const workload = workloadOf(type, props, name);
    if (workload === undefined || workload.isPatch || !LONG_RUNNING_KINDS.has(workload.kind)) return [];
    const findings: Finding[] = [];
    for (const ref of containersOf(workload, ["containers"])) {
        for (const probe of config.requiredProbes) {
            const value = ref.container[probe];
            if (value === undefined || value === null) {
                findings.push({
                    resource: workload.displayName,
                    container: ref.name,
                    field: `${ref.path}.${probe}`,
                    found: shown(undefined),
                    problem: `a long-running container has no ${probe}`,
                    expected: "an exec, httpGet, tcpSocket or grpc probe",
                });
            }
        }
    }
    return findings;
}

export const probesPresent: ResourceValidationPolicy = {
    name: "probes-present",
    description:
        "Containers of Deployments, StatefulSets, DaemonSets, ReplicaSets and ReplicationControllers have readiness and liveness probes.",
    remediationSteps:
        "Give every container of a long-running workload the probes the message names (requiredProbes: by default a readinessProbe and a livenessProbe), each an exec, httpGet, tcpSocket or grpc probe.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            requiredProbes: {
                type: "array",
                items: { type: "string", enum: [...PROBE_KINDS] },
                default: [...PROBES_PRESENT_DEFAULTS.requiredProbes],
            },
        },
    },
    validateResource: validateWith(PROBES_PRESENT_DEFAULTS, checkProbesPresent),
};
