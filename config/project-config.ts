/**
 * Pulumi.yaml's `config:` block, derived from the settings table through CONFIG_KEYS: each key's type, default and description, so that the
 * engine, `pulumi config` and the Pulumi Cloud console know them, and the engine checks a stack value's type at
 * preview. Pure; `npm run docs:config` writes it, and tests/readme.test.ts fails when Pulumi.yaml differs.
 */
import { CONFIG_KEYS, ConfigKey } from "./keys";

/** The line before Pulumi.yaml's last section, `config:`: everything after it is generated. */
export const PROJECT_CONFIG_MARKER = "# Generated from config/keys.ts by `npm run docs:config`; do not edit below.";

/** A declaration as Pulumi.yaml takes it (pulumi/pulumi sdk/go/common/workspace ProjectConfigType). */
export interface ProjectConfigType {
    readonly type: "string" | "integer" | "boolean";
    readonly default: string | number | boolean;
    readonly description: string;
}

/**
 * Keys left out: a secret cannot have a default (the engine requires a secret's stack value to be encrypted, and a
 * default is not), and a key without a default would be required of every stack.
 */
export function isDeclared(key: ConfigKey): boolean {
    return key.kind !== "secret-json" && !key.default.startsWith("(");
}

function declaration(key: ConfigKey): ProjectConfigType {
    const { description } = key;
    if (key.kind === "boolean") return { type: "boolean", default: key.default === "true", description };
    // A whole number is an integer to the engine; another number (a ratio) stays text, which the reader parses.
    if (key.setting.type.kind === "whole") {
        return { type: "integer", default: Number(key.default), description };
    }
    return { type: "string", default: key.default, description };
}

/** The block, keyed by the short key (the project's own namespace, `dsm-redis:`, is implied). */
export function projectConfig(keys: readonly ConfigKey[] = CONFIG_KEYS): Record<string, ProjectConfigType> {
    return Object.fromEntries(keys.filter(isDeclared).map((k) => [k.key, declaration(k)]));
}
