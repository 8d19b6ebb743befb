import * as pulumi from "@pulumi/pulumi";
import { Problem, assertNoProblems } from "./validation";

/** True when a value holds no Output or Promise at any depth, so it can be checked before anything is created. */
export function isPlain(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) {
        return false;
    }
    if (Array.isArray(value)) {
        return value.every(isPlain);
    }
    if (value !== null && typeof value === "object") {
        return Object.values(value).every(isPlain);
    }
    return true;
}

/**
 * Validates an input: a plain value at once (so a bad argument throws before any child exists), an Output once it
 * resolves (so that the resources fed by it fail with the same message).
 */
export function checkedInput<T>(
    value: pulumi.Input<T>,
    check: (resolved: pulumi.Unwrap<T>) => Problem[],
): pulumi.Output<pulumi.Unwrap<T>> {
    const output = pulumi.output(value);
    if (isPlain(value)) {
        assertNoProblems(check(value as pulumi.Unwrap<T>));
        return output;
    }
    return output.apply((resolved) => {
        assertNoProblems(check(resolved));
        return resolved;
    });
}
