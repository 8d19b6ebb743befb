/**
 * The stack config keys (`dsm-redis:<key>`), derived from the settings table (components/settings.ts): each key, the
 * argument of DsmRedis it sets, how its text is read, its default as docs show it, and what it means.
 */
import { SETTINGS, Setting, shownDefault } from "../components/settings";

/** How a key's text becomes an argument value. */
export type KeyKind =
    | "text"
    | "boolean"
    | "number"
    /** JSON: a list or an object. */
    | "json"
    /** JSON, never echoed in a message. */
    | "secret-json";

export interface ConfigKey {
    readonly key: string;
    /** The argument of DsmRedis it sets, as a path (`resources.limits.memory`), or the resource option. */
    readonly argument: string;
    /** Set for a key that is a resource option of the component (`protect`), not an argument. */
    readonly option?: true;
    readonly kind: KeyKind;
    /** The default, as README shows it; `(…)` where unset means something else than one value. */
    readonly default: string;
    readonly description: string;
    /** The setting the key stands for. */
    readonly setting: Setting;
}

function kindOf(setting: Setting): KeyKind {
    switch (setting.type.kind) {
        case "boolean":
            return "boolean";
        case "whole":
        case "number":
            return "number";
        case "json":
            return setting.secret === true ? "secret-json" : "json";
        default:
            return "text";
    }
}

export const CONFIG_KEYS: readonly ConfigKey[] = SETTINGS.filter(
    (s): s is Setting & { readonly key: string } => s.key !== undefined,
).map((setting) => ({
    key: setting.key,
    argument: setting.argument ?? setting.key,
    ...(setting.option === true ? { option: true as const } : {}),
    kind: kindOf(setting),
    default: shownDefault(setting),
    description: setting.description,
    setting,
}));
