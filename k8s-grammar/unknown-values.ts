/**
 * The one marker of a value not known yet. At `pulumi preview`, a value that depends on another resource's output is
 * unknown: the engine hands a dynamic provider's `check` its placeholder (`UNKNOWN`), and the policy SDK hands
 * policies one typed placeholder per kind of value. The component's own validation marks an Output that has yet to
 * resolve with `UNKNOWN` too, so that every validator here skips the same thing in the same way.
 *
 * They are the engine's wire values (pulumi/pulumi sdk/nodejs/runtime/rpc.ts, and @pulumi/policy's proxy.ts), typed
 * here because neither SDK exports them in its typings; tests/k8s-grammar/unknown-values.test.ts compares them.
 */

/** The engine's placeholder for an unknown value, as a dynamic provider's `check` receives it. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The policy SDK's placeholders, one per kind; its string placeholder is the engine's. */
export const POLICY_UNKNOWNS = {
    boolean: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    number: "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    string: UNKNOWN,
    array: "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    asset: "030794c1-ac77-496b-92df-f27374a8bd58",
    archive: "e48ece36-62e2-4504-bad9-02848725956a",
    object: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
} as const;

// A list, not a Set: the dynamic providers that call isUnknown are serialized into the state by closure capture,
// which copies plain values and arrays faithfully but not a Set's contents.
const PLACEHOLDERS: readonly unknown[] = Object.values(POLICY_UNKNOWNS);

/** True for a value that cannot be known until the update runs: validation skips it, and checks it then. */
export function isUnknown(value: unknown): boolean {
    return PLACEHOLDERS.includes(value);
}
