/**
 * A policy-config file has one meaning: the engine's. Each case of the shared table (tests/fixtures), read by
 * policy/pack-config.ts as check-policies reads it; the engine tier runs the same table through real previews.
 */
import * as assert from "assert";
import { PolicyConfigError } from "../../policy/config-schema";
import { loadPolicyPackConfig } from "../../policy/pack-config";
import { policies } from "../../policy/policies";
import { POLICY_CONFIG_CASES } from "../fixtures/policy-config-cases";

describe("a policy-config file, read as the engine reads it", () => {
    for (const c of POLICY_CONFIG_CASES) {
        it(`${c.name}: ${c.refused ? "refused, naming it" : "the engine's levels"}`, () => {
            if (c.refused !== undefined) {
                assert.throws(
                    () => loadPolicyPackConfig(policies, c.text),
                    (error: unknown) =>
                        error instanceof PolicyConfigError && error.problems.some((p) => c.refused?.test(p) === true),
                );
                return;
            }
            const effective = loadPolicyPackConfig(policies, c.text);
            assert.deepStrictEqual(
                Object.fromEntries(Object.entries(effective).map(([name, config]) => [name, config.enforcementLevel])),
                c.levels,
            );
        });
    }

    it("merges given properties over the schema's defaults, as the engine does", () => {
        const effective = loadPolicyPackConfig(policies, '{"resources-bounded": {"maxMemory": "2Gi"}}');
        assert.strictEqual(effective["resources-bounded"].maxMemory, "2Gi");
        assert.strictEqual(effective["resources-bounded"].maxCpu, "1", "the schema's default stays");
        assert.deepStrictEqual(effective["probes-present"].requiredProbes, ["readinessProbe", "livenessProbe"]);
    });

    it("refuses a file that is not a JSON object, and what it cannot check here (ESC environments)", () => {
        for (const [text, problem] of [
            ["[]", /must be a JSON object/],
            ["{", /not JSON/],
            ['{"environments": ["org/env"]}', /^environments: cannot be checked without the Pulumi service/],
        ] as const) {
            assert.throws(
                () => loadPolicyPackConfig(policies, text),
                (e: unknown) => e instanceof PolicyConfigError && problem.test(e.problems[0]),
                text,
            );
        }
    });

    it("reads a file of white space as no config, and drops an entry with neither a level nor properties", () => {
        const levels = (text: string) =>
            Object.fromEntries(
                Object.entries(loadPolicyPackConfig(policies, text)).map(([n, c]) => [n, c.enforcementLevel]),
            );
        const none = levels("{}");
        assert.deepStrictEqual(levels("  \n\t"), none);
        // The engine drops an empty entry before it looks at the name, so a misspelt empty one is no error.
        assert.deepStrictEqual(levels('{"image-pined": {}}'), none);
    });

    it("refuses a bad level inside an object, a null value, and version 2's exceptions and environments", () => {
        for (const [text, problem] of [
            ['{"image-pinned": {"enforcementLevel": "strict"}}', /^image-pinned: enforcementLevel "strict" is not/],
            ['{"image-pinned": null}', /^image-pinned: null is not a policy's config/],
            ['{"version": 2, "exceptions": []}', /^exceptions: cannot be checked/],
            ['{"version": 2, "environments": ["org/env"]}', /^environments: cannot be checked/],
        ] as const) {
            assert.throws(
                () => loadPolicyPackConfig(policies, text),
                (e: unknown) => e instanceof PolicyConfigError && problem.test(e.problems[0]),
                text,
            );
        }
    });

    it("names every policy of the pack when it refuses an unknown name, and fills in only the schema's defaults", () => {
        assert.throws(
            () => loadPolicyPackConfig(policies, '{"image-pined": "disabled"}'),
            (e: unknown) =>
                e instanceof PolicyConfigError &&
                e.problems[0].endsWith(`expected "all" or one of ${policies.map((p) => p.name).join(", ")}`),
        );
        for (const [name, config] of Object.entries(loadPolicyPackConfig(policies, "{}"))) {
            const undefinedKeys = Object.entries(config).filter(([, v]) => v === undefined);
            assert.deepStrictEqual(undefinedKeys, [], name);
        }
    });
});
