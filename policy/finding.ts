import type { ResourceValidation } from "@pulumi/policy";
import { rawProps } from "./unknown";
import type { Json } from "./workloads";

/** What a policy found wrong, with everything a reader needs to fix it; formatted the same way by every policy. */
export interface Finding {
    /** The resource, e.g. `Deployment dsm/redis`. */
    readonly resource: string;
    /** The container, for container rules. */
    readonly container?: string;
    /** The field's path in the resource, e.g. `spec.template.spec.containers[0].image`. */
    readonly field: string;
    /** The value found, already formatted (`"redis:latest"`, `(unset)`). */
    readonly found: string;
    /** What is wrong with it. */
    readonly problem: string;
    /** What is accepted instead. */
    readonly expected: string;
}

/** Reports each finding through the policy SDK's callback, in the one format. */
export function reportFindings(findings: readonly Finding[], reportViolation: (message: string) => void): void {
    for (const finding of findings) reportViolation(formatFinding(finding));
}

export function formatFinding(f: Finding): string {
    const where = f.container === undefined ? f.resource : `${f.resource}, container "${f.container}"`;
    return `${where}: ${f.field} is ${f.found}: ${f.problem}; expected ${f.expected}`;
}

/**
 * A policy's `validateResource` from its pure check: the pack config over the policy's defaults, the raw props behind
 * the SDK's proxy (so that unknown values can be skipped), and each finding reported.
 */
export function validateWith<Config extends object>(
    defaults: Config,
    check: (type: string, props: Json, name: string, config: Config) => Finding[],
): ResourceValidation {
    return (args, reportViolation) => {
        const config = { ...defaults, ...args.getConfig<Partial<Config>>() };
        reportFindings(check(args.type, rawProps(args.props), args.name, config), reportViolation);
    };
}
