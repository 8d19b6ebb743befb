/** The one unknown marker is the engine's own: the values the SDKs hand a provider's check and a policy at preview. */
import * as assert from "assert";
import { POLICY_UNKNOWNS, UNKNOWN, isUnknown } from "../../k8s-grammar/unknown-values";

describe("unknown values", () => {
    it("UNKNOWN is the placeholder the Node.js SDK sends a dynamic provider for an unknown", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const rpc = require("@pulumi/pulumi/runtime/rpc") as { unknownValue: string };
        assert.strictEqual(UNKNOWN, rpc.unknownValue);
    });

    it("the policy placeholders are the policy SDK's, one per kind", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const proxy = require("@pulumi/policy/proxy") as Record<string, unknown>;
        for (const [kind, value] of Object.entries(POLICY_UNKNOWNS)) {
            const name = `unknown${kind[0].toUpperCase()}${kind.slice(1)}Value`;
            assert.strictEqual(value, proxy[name], name);
        }
    });

    it("isUnknown is true for each placeholder and false for known values", () => {
        for (const value of Object.values(POLICY_UNKNOWNS)) assert.ok(isUnknown(value));
        for (const value of ["dsm", "", 0, false, null, undefined, {}, []]) assert.ok(!isUnknown(value));
    });
});
