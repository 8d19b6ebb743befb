/**
 * The one shape of a problem with a value, wherever it is found: the component's arguments, the stack config, a
 * provider's inputs. `field` is the path the reader set (`resources.limits.memory`, `users[0].name`, or a config key);
 * `message` says what is wrong with the value and what would be accepted. Never a secret's value.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface Problem {
    readonly field: string;
    readonly message: string;
}

/** One line a problem, as every error message of the bus lists them. */
export function formatProblems(problems: readonly Problem[]): string {
    return problems.map((p) => `  - ${p.field}: ${p.message}`).join("\n");
}

/** Problems as the engine takes a dynamic provider's check failures: the engine's shape at its boundary only. */
export function asCheckFailures(problems: readonly Problem[]): pulumi.dynamic.CheckFailure[] {
    return problems.map((p) => ({ property: p.field, reason: p.message }));
}
