import { Policy } from "@pulumi/policy";
import { CheckedResource, Violation, runPolicies } from "../../policy/run-policies";

/** Runs one policy over one resource (through the same harness as a stack check) and returns the messages. */
export async function messagesFor(
    policy: Policy,
    type: string,
    props: Record<string, unknown>,
    config: Record<string, unknown> = {},
    extra: Partial<CheckedResource> = {},
): Promise<string[]> {
    const violations: Violation[] = await runPolicies(
        [policy],
        [{ type, name: "test", urn: `urn:pulumi:test::test::${type}::test`, props, ...extra }],
        { [policy.name]: config },
    );
    return violations.map((v) => v.message);
}

/** A Deployment with the given pod spec. */
export function deployment(podSpec: Record<string, unknown>, name = "app"): Record<string, unknown> {
    return {
        metadata: { name, namespace: "dsm" },
        spec: {
            selector: { matchLabels: { app: name } },
            template: { metadata: { labels: { app: name } }, spec: podSpec },
        },
    };
}

/** A container that passes every mandatory policy of the pack. */
export function goodContainer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name: "app",
        image: "redis:7.2-alpine",
        resources: { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "200m", memory: "200Mi" } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        readinessProbe: { tcpSocket: { port: 6379 } },
        livenessProbe: { tcpSocket: { port: 6379 } },
        ...overrides,
    };
}

/** A pod spec that passes every mandatory policy of the pack. */
export function goodPod(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: "RuntimeDefault" } },
        containers: [goodContainer()],
        ...overrides,
    };
}
