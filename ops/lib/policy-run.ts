/**
 * Checks a stack against the policy pack without the engine or a cluster: the program runs under Pulumi mocks with
 * the stack's config file, and every policy runs over what it registers, through the same harness as the tests.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import { policies } from "../../policy/policies";
import { PolicyConfig, Violation, runPolicies } from "../../policy/run-policies";
import { asCheckedResources, runProgram } from "./mock-program";

/** What stands in for a value the file holds encrypted (`secure:`), which cannot be read here. */
export const SECRET_PLACEHOLDER = "encrypted-value-placeholder-0123456789";

/**
 * The config of a `Pulumi.<stack>.yaml`, as the engine hands it to the program: full keys, text values, structured
 * values as JSON. An encrypted `passwords` object becomes `{}` (all generated), any other encrypted value the placeholder.
 */
export function configFromStackFile(text: string): Record<string, string> {
    const doc = (yaml.load(text) ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        const encrypted = value !== null && typeof value === "object" && "secure" in value;
        if (encrypted) {
            config[key] = key.endsWith(":passwords") ? "{}" : SECRET_PLACEHOLDER;
        } else {
            config[key] = typeof value === "object" ? JSON.stringify(value) : String(value);
        }
    }
    return config;
}

export interface PolicyCheck {
    /** How many resources the program registered. */
    readonly resources: number;
    /** The policies that ran (those the config does not disable). */
    readonly policies: readonly string[];
    readonly violations: readonly Violation[];
}

export async function checkStackFile(stackFile: string, policyConfig: PolicyConfig = {}): Promise<PolicyCheck> {
    const run = await runProgram(configFromStackFile(fs.readFileSync(stackFile, "utf8")));
    const resources = asCheckedResources(run);
    return {
        resources: resources.length,
        policies: policies
            .filter((p) => (policyConfig[p.name]?.enforcementLevel ?? p.enforcementLevel) !== "disabled")
            .map((p) => p.name),
        violations: await runPolicies(policies, resources, policyConfig),
    };
}

/** What was checked, then each violation, one a line. */
export function formatCheck(stackName: string, check: PolicyCheck): string {
    return (
        `checked stack ${stackName}: ${check.resources} resources against ${check.policies.length} policies (${check.policies.join(", ")})\n` +
        formatViolations(check.violations)
    );
}

export function formatViolations(violations: readonly Violation[]): string {
    if (violations.length === 0) return "no policy violations\n";
    return violations.map((v) => `[${v.enforcementLevel}] ${v.policy}: ${v.message}`).join("\n") + "\n";
}
