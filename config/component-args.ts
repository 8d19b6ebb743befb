/**
 * The multi-language component's arguments (multi-language/bus-args.ts), derived from CONFIG_KEYS: one argument per
 * stack config key, with the key's name, type, default and meaning, so that a Pulumi YAML, Python or Go program sets
 * the bus exactly as a stack does. Pure: it renders TypeScript source, which `npm run docs:config` writes and a test
 * compares, because Pulumi infers the package's schema from that source.
 */
import { CONFIG_KEYS, ConfigKey } from "./keys";

/** The TypeScript type of each key's argument; the schema inference takes enums as `as const` objects. */
const TYPES: Readonly<Record<string, string>> = {
    groups: "GroupArgs[]",
    users: "UserArgs[]",
    passwords: "Record<string, pulumi.Input<string>>",
    clientNamespaces: "pulumi.Input<string>[]",
    appendfsync: "Appendfsync",
    provisionerConnection: "ProvisionerConnection",
};

function typeOf(key: ConfigKey): string {
    if (TYPES[key.key] !== undefined) return TYPES[key.key];
    if (key.kind === "boolean") return "boolean";
    if (key.kind === "number") return "pulumi.Input<number>";
    return "pulumi.Input<string>";
}

/** The keys that are arguments: `protect` is a resource option, which every language sets as such. */
export const COMPONENT_KEYS: readonly ConfigKey[] = CONFIG_KEYS.filter((k) => k.option !== true);

export function renderBusArgs(): string {
    const fields = COMPONENT_KEYS.map((k) => {
        const shown = k.default.startsWith("(") ? `Default: ${k.default.slice(1, -1)}.` : `Default \`${k.default}\`.`;
        return `    /** ${k.description.replace(/\*\//g, "*\\/")} ${shown} */\n    readonly ${k.key}?: ${typeOf(k)};`;
    });
    return [
        "// Generated from config/keys.ts by `npm run docs:config`; do not edit.",
        'import * as pulumi from "@pulumi/pulumi";',
        'import { Appendfsync, GroupArgs, ProvisionerConnection, UserArgs } from "./types";',
        "",
        "/** The bus's settings, one per stack config key of the dsm-redis program, with the same names and defaults. */",
        "export interface BusArgs {",
        ...fields,
        "}",
        "",
    ].join("\n");
}
