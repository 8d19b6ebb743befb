/**
 * A `--policy-pack-config` file read exactly as the Pulumi engine reads it (pulumi/pulumi pkg/resource/analyzer
 * config.go, v3.276: parsePolicyPackConfig, then ReconcilePolicyPackConfig), so that `npm run check-policies` and a
 * preview give one file one meaning:
 *
 * - the file is a JSON object (empty text is no config); with `"version": 2` its policies are under `policies`;
 * - a policy's value is an enforcement level (`"image-pinned": "disabled"`) or an object of its properties with an
 *   optional `enforcementLevel`; `"all": "<level>"` sets every policy's level first;
 * - each policy starts from its own level and its schema's defaults; a given object's properties are merged over them;
 * - the merged properties are checked against each policy's configSchema.
 *
 * One rule is this pack's own: a name that is not one of its policies (nor `all`) is refused, naming it. The engine
 * accepts such a name and ignores it, so a misspelt `"image-pined": "disabled"` would silently change nothing.
 */
import type { Policy } from "@pulumi/policy";
import { ENFORCEMENT_LEVELS, EnforcementLevel, PolicyConfigError, policyConfigProblems } from "./config-schema";

/** One policy's effective config, as the policy server hands it to the policy: its properties and its level. */
export type EffectivePolicyConfig = Readonly<Record<string, unknown>> & { readonly enforcementLevel: EnforcementLevel };

/** Every policy's effective config, by name. */
export type EffectiveConfig = Readonly<Record<string, EffectivePolicyConfig>>;

interface GivenPolicyConfig {
    readonly enforcementLevel?: EnforcementLevel;
    readonly properties: Readonly<Record<string, unknown>>;
}

const isLevel = (value: unknown): value is EnforcementLevel =>
    typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);
const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);

/** The policies of a file, parsed as the engine parses them; throws a PolicyConfigError naming what is wrong. */
export function parsePolicyPackConfig(text: string): Readonly<Record<string, GivenPolicyConfig>> {
    if (text.trim() === "") return {};
    let file: unknown;
    try {
        file = JSON.parse(text);
    } catch (error) {
        throw new PolicyConfigError([`the file is not JSON: ${(error as Error).message}`]);
    }
    if (!isObject(file)) throw new PolicyConfigError(["the file must be a JSON object of policy name to its config"]);
    let entries: Record<string, unknown>;
    if (typeof file.version === "number") {
        if (file.version !== 2) throw new PolicyConfigError([`"version" must be 2, not ${file.version}`]);
        refuseWhatCannotBeChecked(file, ["environments", "exceptions"]);
        entries = isObject(file.policies) ? file.policies : {};
    } else {
        refuseWhatCannotBeChecked(file, ["environments"]);
        entries = file;
    }
    const problems: string[] = [];
    const given: Record<string, GivenPolicyConfig> = {};
    for (const [name, value] of Object.entries(entries)) {
        if (typeof value === "string") {
            if (isLevel(value)) given[name] = { enforcementLevel: value, properties: {} };
            else problems.push(`${name}: ${JSON.stringify(value)} is not an enforcement level; ${levelsExpected()}`);
        } else if (isObject(value)) {
            const { enforcementLevel, ...properties } = value;
            if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
                problems.push(
                    `${name}: enforcementLevel ${JSON.stringify(enforcementLevel)} is not an enforcement level; ${levelsExpected()}`,
                );
            } else if (enforcementLevel !== undefined || Object.keys(properties).length > 0) {
                given[name] = { enforcementLevel, properties };
            }
        } else {
            problems.push(
                `${name}: ${JSON.stringify(value)} is not a policy's config; expected an enforcement level or an object of its properties`,
            );
        }
    }
    if (problems.length > 0) throw new PolicyConfigError(problems);
    return given;
}

function levelsExpected(): string {
    return `expected one of ${ENFORCEMENT_LEVELS.join(", ")}`;
}

/** The parts of a file that name things outside it (Pulumi ESC environments, exceptions kept by the service). */
function refuseWhatCannotBeChecked(file: Record<string, unknown>, keys: readonly string[]): void {
    const present = keys.filter((k) => file[k] !== undefined);
    if (present.length > 0) {
        throw new PolicyConfigError(
            present.map(
                (k) =>
                    `${k}: cannot be checked without the Pulumi service; expected a file without ${JSON.stringify(k)}`,
            ),
        );
    }
}

/**
 * The effective config of every policy: its own level and its schema's defaults, then `all`, then each given
 * policy's level and properties; refused, naming each problem, when a name is unknown or a schema refuses a value.
 */
export function effectivePolicyConfig(
    policies: readonly Policy[],
    given: Readonly<Record<string, GivenPolicyConfig>>,
): EffectiveConfig {
    const unknown = Object.keys(given).filter((name) => name !== "all" && !policies.some((p) => p.name === name));
    if (unknown.length > 0) {
        throw new PolicyConfigError(
            unknown.map(
                (name) =>
                    `${name}: is not a policy of this pack (the engine would ignore it); expected "all" or one of ${policies.map((p) => p.name).join(", ")}`,
            ),
        );
    }
    const all = given.all?.enforcementLevel;
    const effective: Record<string, EffectivePolicyConfig> = {};
    for (const policy of policies) {
        const defaults = Object.fromEntries(
            Object.entries(policy.configSchema?.properties ?? {})
                .filter(([, schema]) => (schema as { default?: unknown }).default !== undefined)
                .map(([key, schema]) => [key, (schema as { default?: unknown }).default]),
        );
        const own = given[policy.name];
        const enforcementLevel = own?.enforcementLevel ?? all ?? policy.enforcementLevel ?? "advisory";
        effective[policy.name] = { ...defaults, ...own?.properties, enforcementLevel };
    }
    const problems = policyConfigProblems(policies, effective);
    if (problems.length > 0) throw new PolicyConfigError(problems);
    return effective;
}

/** A `--policy-pack-config` file's text, as the engine would configure this pack with it. */
export function loadPolicyPackConfig(policies: readonly Policy[], text: string): EffectiveConfig {
    return effectivePolicyConfig(policies, parsePolicyPackConfig(text));
}
