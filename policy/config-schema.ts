/**
 * A pack config checked against each policy's configSchema, as the engine checks it when it loads the pack (it uses
 * gojsonschema; this uses Ajv, with the same JSON Schema draft-04 keywords). `runPolicies` checks first, so that a bad
 * value stops `npm run check-policies` with the key named, as it stops a preview, instead of failing inside a policy.
 */
import Ajv from "ajv";
import type { Policy } from "@pulumi/policy";

/** The engine's enforcement levels (pulumi/pulumi apitype.EnforcementLevel.IsValid). */
export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
export type EnforcementLevel = (typeof ENFORCEMENT_LEVELS)[number];
const LEVELS: readonly string[] = ENFORCEMENT_LEVELS;

export class PolicyConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`The policy pack config is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "PolicyConfigError";
    }
}

/** Every problem of the config, as `policy: key: what is wrong; expected <the key's description>`. */
export function policyConfigProblems(
    policies: readonly Policy[],
    config: Readonly<Record<string, Record<string, unknown>>>,
): string[] {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const problems: string[] = [];
    for (const [name, given] of Object.entries(config)) {
        const policy = policies.find((p) => p.name === name);
        if (policy === undefined) {
            problems.push(
                `${name}: is not a policy of this pack; expected one of ${policies.map((p) => p.name).join(", ")}`,
            );
            continue;
        }
        const { enforcementLevel, ...properties } = given;
        if (enforcementLevel !== undefined && !LEVELS.includes(String(enforcementLevel))) {
            problems.push(
                `${name}: enforcementLevel ${JSON.stringify(enforcementLevel)} is not one of ${LEVELS.join(", ")}`,
            );
        }
        const schema = policy.configSchema;
        // Stryker disable next-line ConditionalExpression: every policy of this pack has a schema; this guards a new one
        if (schema === undefined) continue;
        const validate = ajv.compile({ type: "object", properties: schema.properties, required: schema.required });
        if (validate(properties)) continue;
        for (const error of validate.errors ?? []) {
            // An instance path is "" (the whole config) or "/key/…".
            const key = error.instancePath.slice(1).split("/")[0];
            const description = (schema.properties[key] as { description?: string } | undefined)?.description;
            const at = error.instancePath
                .slice(1)
                .replace(/\/(\d+)/g, "[$1]")
                .replace(/\//g, ".");
            problems.push(
                `${name}: ${at || "(config)"} ${error.message}${description ? `; expected ${description}` : ""}`,
            );
        }
    }
    return problems;
}
