import * as pulumi from "@pulumi/pulumi";

/** A stand-in for a generated password: deterministic per resource, long enough for every rule. */
export function mockPassword(resourceName: string): string {
    return `mockpw${Buffer.from(resourceName).toString("hex")}`.slice(0, 40).padEnd(32, "0");
}

/**
 * What the engine would hand back: the inputs, plus the outputs providers compute. RandomPassword's `result` is the
 * one output the program reads that it did not give.
 */
export function mockResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type === "random:index/randomPassword:RandomPassword") {
        state.result = mockPassword(args.name);
    }
    return { id: `${args.name}-id`, state };
}

export const MOCKS: pulumi.runtime.Mocks = {
    newResource: mockResource,
    call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
};
