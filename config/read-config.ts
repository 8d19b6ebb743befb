/**
 * The stack program's config layer: reads the `dsm-redis:*` keys as text, turns each into the DsmRedis argument it
 * sets, and has `resolveArgs`, the component's own validation, judge the result. Its only rules of its own are those
 * of text: a misspelt key, JSON that does not parse. Every problem is reported at once, under its key.
 */
import * as pulumi from "@pulumi/pulumi";
import { DsmRedisArgs, argumentProblems } from "../components/args";
import { Problem, formatProblems } from "../components/problems";
import { setAt } from "../components/settings";
import { CONFIG_KEYS, ConfigKey } from "./keys";

/** Where settings come from: a `pulumi.Config` in the program, a plain map in tests. */
export interface ConfigSource {
    /** The project name, the prefix of every key (`dsm-redis`). */
    readonly project: string;
    /** The raw text of a key (without the prefix), or undefined when unset. */
    get(key: string): string | undefined;
    /** Every key set for this project (without the prefix), to catch misspelt ones. */
    keys(): readonly string[];
}

/** The stack's own configuration, as the Pulumi engine passes it to the program. */
export function stackConfigSource(): ConfigSource {
    const project = pulumi.getProject();
    return {
        project,
        // The raw text, secrets included, without the SDK's warning: messages never echo a secret key's value.
        get: (key) => pulumi.runtime.getConfig(`${project}:${key}`),
        keys: () =>
            Object.keys(pulumi.runtime.allConfig())
                .filter((k) => k.startsWith(`${project}:`))
                .map((k) => k.slice(project.length + 1)),
    };
}

/**
 * Thrown for an invalid stack config; its message lists every problem, one a line, under the keys the user set. A
 * RunError, so that the engine prints it at preview without a stack trace: the user needs the keys, not our frames.
 */
export class InvalidSettingsError extends pulumi.RunError {
    readonly problems: readonly Problem[];
    constructor(problems: readonly Problem[]) {
        super(`Invalid DSM Redis settings:\n${formatProblems(problems)}`);
        this.name = "InvalidSettingsError";
        this.problems = problems;
    }
}

/** What a JSON key should hold, for its parse error: the form the settings table gives. */
function jsonForm(key: ConfigKey): string {
    // Stryker disable next-line ConditionalExpression,StringLiteral: every JSON key's setting has a JSON type (the settings test checks); the fallback is for the type checker
    return key.setting.type.kind === "json" ? key.setting.type.form : "JSON";
}

/** A key's text as the argument's value, or a problem when the text cannot be read at all. */
function argumentValue(key: ConfigKey, text: string): { value: unknown } | { problem: string } {
    switch (key.kind) {
        case "text":
            return { value: text };
        // Text that is not a boolean or a number is passed on as it is, for the component to refuse in its own words.
        case "boolean":
            return { value: text === "true" ? true : text === "false" ? false : text };
        case "number":
            return { value: /^\d+(\.\d+)?$/.test(text) ? Number(text) : text };
        case "json":
        case "secret-json":
            try {
                const parsed: unknown = JSON.parse(text);
                if (key.key === "groups" && Array.isArray(parsed)) {
                    return { value: parsed.map((g: unknown) => (typeof g === "string" ? { name: g } : g)) };
                }
                if (
                    key.kind === "secret-json" &&
                    (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
                ) {
                    return { problem: `is not an object; expected ${jsonForm(key)}` };
                }
                return { value: parsed };
            } catch {
                const shown = key.kind === "secret-json" ? "the value" : JSON.stringify(text);
                return { problem: `${shown} is not JSON; expected ${jsonForm(key)}` };
            }
    }
}

/** The config key an argument path belongs to, and what of the path is left (`[0].name`). */
export function configKeyOfArgument(field: string): { key: string; rest: string } {
    const owner = CONFIG_KEYS.filter(
        (k) => field === k.argument || field.startsWith(`${k.argument}.`) || field.startsWith(`${k.argument}[`),
    ).sort((a, b) => b.argument.length - a.argument.length)[0];
    if (owner === undefined) return { key: field, rest: "" };
    return { key: owner.key, rest: field.slice(owner.argument.length).replace(/^\./, "") };
}

/** What the stack config says: the component's arguments, and its resource options. */
export interface StackSettings {
    readonly args: DsmRedisArgs;
    readonly options: { readonly protect?: boolean };
}

/**
 * Reads the stack config into DsmRedis arguments and options, validated by the component's own rules. Throws an
 * InvalidSettingsError listing each bad key with the value given and the accepted form.
 */
export function readConfig(source: ConfigSource): StackSettings {
    const problems: Problem[] = [];
    const name = (key: string) => `${source.project}:${key}`;
    const known = new Set(CONFIG_KEYS.map((k) => k.key));
    for (const key of source.keys()) {
        if (!known.has(key)) {
            problems.push({
                field: name(key),
                message: `is not a setting of this program; expected one of ${[...known].join(", ")}`,
            });
        }
    }

    const args: Record<string, unknown> = {};
    const options: Record<string, unknown> = {};
    for (const key of CONFIG_KEYS) {
        const text = source.get(key.key);
        if (text === undefined) continue;
        const read = argumentValue(key, text);
        if ("problem" in read) problems.push({ field: name(key.key), message: read.problem });
        else if (key.option) options[key.argument] = read.value;
        else setAt(args, key.argument, read.value);
    }
    // A resource option is no argument of the component's: its one rule is checked here.
    for (const [option, value] of Object.entries(options)) {
        if (typeof value !== "boolean") {
            problems.push({
                field: name(option),
                message: `${JSON.stringify(value)} is not a boolean; expected true or false`,
            });
        }
    }

    for (const problem of argumentProblems(args as DsmRedisArgs)) {
        const { key, rest } = configKeyOfArgument(problem.field);
        problems.push({ field: name(key), message: rest === "" ? problem.message : `${rest}: ${problem.message}` });
    }
    if (problems.length > 0) throw new InvalidSettingsError(problems);
    return { args: args as DsmRedisArgs, options };
}
