/**
 * Runs policies over a list of resources the way the policy server does, without starting it: props go through the
 * SDK's unknown-checking proxy, each policy gets its own config, and stack policies see every resource. The tests use
 * it on the resources a program registers under mocks; anyone can use it on resources from elsewhere (a stack export,
 * rendered manifests) to check them before a preview.
 */
import {
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";

import { PolicyConfigError, policyConfigProblems } from "./config-schema";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- internal to the SDK, absent from its typings.
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(value: T): T };

export interface CheckedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, unknown>;
    /** The props of the resource's provider (e.g. its `namespace`), when it has an explicit one. */
    readonly providerProps?: Record<string, unknown>;
}

export interface Violation {
    readonly policy: string;
    readonly enforcementLevel: string;
    readonly urn?: string;
    readonly message: string;
}

/** Per-policy config, keyed by policy name, as in a `--policy-pack-config` file. */
export type PolicyConfig = Readonly<Record<string, Record<string, unknown>>>;

class NotApplicable extends Error {}

function isStackPolicy(policy: Policy): policy is StackValidationPolicy {
    return "validateStack" in policy && typeof (policy as StackValidationPolicy).validateStack === "function";
}

function toPolicyResource(resource: CheckedResource): PolicyResource {
    return {
        type: resource.type,
        name: resource.name,
        urn: resource.urn,
        props: unknownCheckingProxy(resource.props),
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        dependencies: [],
        propertyDependencies: {},
        provider:
            resource.providerProps === undefined
                ? undefined
                : {
                      type: "pulumi:providers:kubernetes",
                      name: "provider",
                      urn: "",
                      props: unknownCheckingProxy(resource.providerProps),
                  },
        isType: () => false,
        asType: () => undefined,
    } as unknown as PolicyResource;
}

function resourceArgs(resource: CheckedResource, config: Record<string, unknown>): ResourceValidationArgs {
    const base = toPolicyResource(resource);
    return {
        ...base,
        stackTags: new Map(),
        isType: (cls: { isInstance?(o: unknown): boolean }) =>
            cls.isInstance?.({ __pulumiType: resource.type }) ?? false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    } as unknown as ResourceValidationArgs;
}

/**
 * Runs each policy (disabled ones excepted) over the resources and returns every violation it reports. A config that
 * its policies' schemas refuse throws a PolicyConfigError first, as the engine refuses it at load.
 */
export async function runPolicies(
    policies: readonly Policy[],
    resources: readonly CheckedResource[],
    config: PolicyConfig = {},
): Promise<Violation[]> {
    const problems = policyConfigProblems(policies, config);
    if (problems.length > 0) throw new PolicyConfigError(problems);
    const violations: Violation[] = [];
    for (const policy of policies) {
        const policyConfig = config[policy.name] ?? {};
        const given = String(policyConfig.enforcementLevel ?? policy.enforcementLevel ?? "advisory");
        if (given === "disabled") continue;
        // As the policy server does: a validation that still fails at remediate is reported as mandatory.
        const level = given === "remediate" ? "mandatory" : given;
        const report =
            (urn?: string): ReportViolation =>
            (message: string, reportedUrn?: string) =>
                violations.push({ policy: policy.name, enforcementLevel: level, urn: reportedUrn ?? urn, message });
        if (isStackPolicy(policy)) {
            await policy.validateStack(
                {
                    resources: resources.map(toPolicyResource),
                    stackTags: new Map(),
                    getConfig: <T extends object>() => policyConfig as T,
                } as unknown as Parameters<StackValidationPolicy["validateStack"]>[0],
                report(),
            );
            continue;
        }
        const validate = (policy as ResourceValidationPolicy).validateResource;
        const validators = validate === undefined ? [] : Array.isArray(validate) ? validate : [validate];
        for (const resource of resources) {
            for (const validator of validators) {
                try {
                    await validator(resourceArgs(resource, policyConfig), report(resource.urn));
                } catch (error) {
                    if (!(error instanceof NotApplicable)) throw error;
                }
            }
        }
    }
    return violations;
}

/** Only the violations that would fail a preview. */
export function mandatory(violations: readonly Violation[]): Violation[] {
    return violations.filter((v) => v.enforcementLevel === "mandatory");
}
