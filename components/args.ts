/**
 * The arguments of DsmRedis, their defaults, and `resolveArgs`: the one path from what a caller (or the stack config
 * reader) gives to settings the builders can use, refusing every invalid value before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { UNKNOWN } from "../k8s-grammar/unknown-values";
import type { BusSettings, DsmRedisArgs, StructuralSetting } from "./dsm-redis-args";
import type { ServiceUser } from "./render/acl";
import { ARGUMENT_SETTINGS, setAt, valueAt } from "./settings";
import { InvalidArgumentsError, Problem, normalisedUsers, passwordsProblems, settingsProblems } from "./validation";

/** Requests or limits; either field may be left out, to keep its default. */
export type ResourceAmounts = NonNullable<NonNullable<DsmRedisArgs["resources"]>["requests"]>;

export type { BusSettings, DsmRedisArgs } from "./dsm-redis-args";

/** The settings that have a default, as resolved settings hold them; the table's defaults, nested by argument path. */
type Defaulted = Omit<BusSettings, "storageClass" | "clientNamespaces">;

/** The defaults, from the settings table: the design's manifest (image, port, requests and limits), hardened. */
export const DSM_REDIS_DEFAULTS: Readonly<Defaulted> = (() => {
    const defaults: Record<string, unknown> = {};
    for (const s of ARGUMENT_SETTINGS)
        if (s.apart !== true && s.default !== undefined) setAt(defaults, s.argument, s.default);
    return defaults as unknown as Defaulted;
})();

/** The settings that decide which resources exist, and so must be known when the component is constructed. */
export type StructuralSettings = Pick<BusSettings, StructuralSetting>;

export interface ResolvedArgs {
    /** The structural settings, plain. */
    readonly structure: StructuralSettings;
    /** Every setting, valid once resolved; an Output so that arguments given as Outputs flow through. */
    readonly settings: pulumi.Output<BusSettings>;
    /** The passwords given, by user, each a secret. */
    readonly passwords: Readonly<Record<string, pulumi.Output<string>>>;
    /** The cluster to reach, when given. */
    readonly kubernetes?: DsmRedisArgs["kubernetes"];
}

/** True when a value holds no Output or Promise at any depth, so it can be checked before anything is created. */
export function isPlain(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
    if (Array.isArray(value)) return value.every(isPlain);
    if (value !== null && typeof value === "object") return Object.values(value).every(isPlain);
    return true;
}

/** The value with every Output or Promise in it, at any depth, replaced by UNKNOWN. */
function knownPart(value: unknown): unknown {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return UNKNOWN;
    if (Array.isArray(value)) return value.map(knownPart);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, knownPart(v)]));
    }
    return value;
}

/** The arguments over the defaults, still as Inputs. Passwords and the cluster are kept apart: they are secrets. */
function withDefaults(args: DsmRedisArgs): Record<string, unknown> {
    const merged: Record<string, unknown> = {};
    for (const s of ARGUMENT_SETTINGS) {
        if (s.apart === true) continue;
        const value = valueAt(args, s.argument) ?? s.default;
        if (value !== undefined) setAt(merged, s.argument, value);
    }
    return merged;
}

/** The settings as the validators read them: what is known now, UNKNOWN where an Output has yet to resolve. */
function toCheck(settings: unknown, passwords: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
    return { ...(settings as Record<string, unknown>), passwords };
}

/**
 * Every problem of the arguments among the values known now (Outputs and Promises are checked when they resolve).
 * The stack config reader calls this too, so the two paths share one judgement.
 */
export function argumentProblems(args: DsmRedisArgs): Problem[] {
    return settingsProblems(
        toCheck(knownPart(withDefaults(args)), knownPart(args.passwords ?? {}) as Record<string, unknown>),
    );
}

/**
 * Resolves and validates the arguments. Every problem among the values known now is thrown at once, as an
 * InvalidArgumentsError naming each argument, before the caller registers anything; values given as Outputs are
 * checked by the same rules when they resolve, failing the resources they feed with the same message.
 */
export function resolveArgs(args: DsmRedisArgs): ResolvedArgs {
    const problems = argumentProblems(args);
    if (problems.length > 0) throw new InvalidArgumentsError(problems);

    const merged = withDefaults(args);
    // Valid now, so the users are a list of ServiceUser; the structural settings are plain (the types say so).
    const users = normalisedUsers(merged.users as readonly ServiceUser[]);
    const names = users.map((u) => u.name);
    const structure = {
        ...Object.fromEntries(
            ARGUMENT_SETTINGS.filter((s) => s.structural === true).map((s) => [s.argument, merged[s.argument]]),
        ),
        users,
    } as unknown as StructuralSettings;
    const plain = isPlain(merged);
    const settings = pulumi.output(merged).apply((resolved) => {
        if (!plain) {
            const late = settingsProblems(toCheck(resolved, {}));
            if (late.length > 0) throw new InvalidArgumentsError(late);
        }
        return { ...(resolved as unknown as BusSettings), users };
    });
    const passwords = Object.fromEntries(
        Object.entries(args.passwords ?? {}).map(([user, password]) => [
            user,
            pulumi.secret(
                isPlain(password)
                    ? pulumi.output(password)
                    : pulumi.output(password).apply((resolved) => {
                          const late = passwordsProblems({ [user]: resolved }, names);
                          if (late.length > 0) throw new InvalidArgumentsError(late);
                          return resolved;
                      }),
            ),
        ]),
    );
    return { structure, settings, passwords, kubernetes: args.kubernetes };
}
