/**
 * Generated DsmRedis arguments, derived from the settings table: each setting's values come from its type's bounds
 * (booleans, whole numbers, numbers, choices) or from its row's examples and refused values, so a new row, or a
 * changed bound, changes what the property tests try. The four settings that are JSON structures are composed here
 * from their elements; `UNGENERATED` says why the others are left out. tests/settings.test.ts fails when a row is in
 * none of these.
 */
import fc from "fast-check";
import type { DsmRedisArgs, Role } from "../../components";
import { ARGUMENT_SETTINGS, Setting, setAt } from "../../components/settings";

/** Mostly valid values, so that whole settings are often valid; sometimes one of the invalid ones. */
export function mostly<T>(valid: readonly T[], invalid: readonly T[]): fc.Arbitrary<T> {
    if (invalid.length === 0) return fc.constantFrom(...valid);
    return fc.oneof(
        { arbitrary: fc.constantFrom(...valid), weight: 29 },
        { arbitrary: fc.constantFrom(...invalid), weight: 1 },
    );
}

/** The valid values a row states: its default and examples, and the bounds of its type. */
export function validValues(setting: Setting): unknown[] {
    const stated = [...(setting.default === undefined ? [] : [setting.default]), ...(setting.examples ?? [])];
    const { type } = setting;
    switch (type.kind) {
        case "boolean":
            // Mostly the default, so that rules across settings (monitoring needs metrics) do not refuse most.
            return setting.default === undefined ? [true, false] : [setting.default, setting.default, !setting.default];
        case "whole":
            return [...stated, type.min, type.max];
        case "number":
            return [...stated, type.max];
        case "choice":
            return [...type.values];
        default:
            return stated;
    }
}

/** The invalid values: just outside the type's bounds, or the row's refused values. */
export function invalidValues(setting: Setting): unknown[] {
    const { type } = setting;
    switch (type.kind) {
        case "boolean":
            return ["yes"];
        case "whole":
            return [type.min - 1, type.max + 1, type.min + 0.5, ...(setting.refused ?? [])];
        case "number":
            return [type.above, type.max * 2];
        case "choice":
            return ["none-of-these"];
        default:
            return [...(setting.refused ?? [])];
    }
}

/** A namespace, valid or not, as the table states namespaces: its values for `namespace`, and the longest label. */
const namespaceRow = ARGUMENT_SETTINGS.find((s) => s.argument === "namespace")!;
const label = mostly([...validValues(namespaceRow), "a".repeat(63)], invalidValues(namespaceRow));

/** The JSON structures, composed from their elements' valid and invalid forms. */
export const COMPOSED: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
    groups: fc.uniqueArray(
        fc.record(
            { name: mostly(["a", "b", "sprint-service"], [""]), startId: mostly(["0", "$", "1-0"], ["new"]) },
            { requiredKeys: ["name"] },
        ),
        { minLength: 1, maxLength: 3, selector: (g) => g.name },
    ),
    users: fc.uniqueArray(
        fc.record({
            name: mostly(
                ["sprint-service", "audit", "a".repeat(50)],
                ["dsm-admin", "default", "Bad_Name", "a".repeat(51)],
            ),
            // "admin" is no role: the cast lets the generator hand the component what a JavaScript caller could.
            roles: mostly<Role[]>([["publish"], ["consume"], ["publish", "consume"]], [[], ["admin" as Role]]),
        }),
        { minLength: 1, maxLength: 3, selector: (u) => u.name },
    ),
    // One key at most: a second distinct key could only be the invalid one.
    passwords: fc.dictionary(
        mostly(["dsm-admin"], ["nobody"]),
        mostly(["0123456789abcdef"], ["short", "with spaces in it here"]),
        { maxKeys: 1 },
    ),
    clientNamespaces: fc.array(label, { minLength: 1, maxLength: 2 }),
};

/** The arguments not generated, and why. */
export const UNGENERATED: Readonly<Record<string, string>> = {
    "kubernetes.kubeconfig": "a cluster's credentials, which no validation judges: the provider reads them",
    "kubernetes.context": "a context of that kubeconfig, read by the provider with it",
};

/** The arbitrary of one setting, or undefined for the ones `UNGENERATED` names. */
export function arbitraryFor(setting: Setting & { readonly argument: string }): fc.Arbitrary<unknown> | undefined {
    if (setting.argument in UNGENERATED) return undefined;
    if (setting.argument in COMPOSED) return COMPOSED[setting.argument];
    const valid = validValues(setting);
    if (valid.length === 0) throw new Error(`settings.ts: ${setting.argument} states no valid value to generate`);
    return mostly(valid, invalidValues(setting));
}

/** Plain arguments, each setting left out, valid, or (now and then) invalid; nested by argument path. */
export const argsArbitrary: fc.Arbitrary<DsmRedisArgs> = fc
    .record(
        Object.fromEntries(
            ARGUMENT_SETTINGS.flatMap((s) => {
                const arbitrary = arbitraryFor(s);
                return arbitrary === undefined ? [] : [[s.argument, arbitrary]];
            }),
        ),
        { requiredKeys: [] },
    )
    .map((flat) => {
        const args: Record<string, unknown> = {};
        for (const [path, value] of Object.entries(flat)) setAt(args, path, value);
        return args as DsmRedisArgs;
    });
