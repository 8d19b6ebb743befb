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
