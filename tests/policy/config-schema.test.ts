/**
 * Each policy's config schema refuses a bad value with the key named, when the pack loads (the engine checks the
 * schema; runPolicies checks it the same way), instead of a crash while the policy runs. And by default the pack
 * allows what the program allows.
 */
import * as assert from "assert";
import { argumentProblems } from "../../components/args";
import { checkImagesPinned, IMAGE_PINNED_DEFAULTS } from "../../policy/image-pinned";
import { policyConfigProblems } from "../../policy/config-schema";
import { policies } from "../../policy/policies";
import { PolicyConfigError } from "../../policy/config-schema";
import { runPolicies } from "../../policy/run-policies";

describe("policy config schemas", () => {
    const cases: Array<[string, Record<string, Record<string, unknown>>, RegExp]> = [
        [
            "a maxCpu that is no quantity",
            { "resources-bounded": { maxCpu: "lots" } },
            /^resources-bounded: maxCpu must match pattern/,
        ],
        [
            "a requireDigest that is no boolean",
            { "image-pinned": { requireDigest: "yes" } },
            /^image-pinned: requireDigest must be boolean/,
        ],
        [
            "an empty allowed image",
            { "image-pinned": { allowedImages: [""] } },
            /^image-pinned: allowedImages\[0\] must NOT have fewer than 1 characters/,
        ],
        [
            "an exempt namespace that is no DNS label",
            { "pod-security-restricted": { exemptNamespaces: ["Bad_NS"] } },
            /^pod-security-restricted: exemptNamespaces\[0\] must match pattern/,
        ],
        [
            "an unknown probe",
            { "probes-present": { requiredProbes: ["healthProbe"] } },
            /^probes-present: requiredProbes\[0\] must be equal to one of the allowed values/,
        ],
        [
            "an empty Redis selector",
            { "redis-cluster-internal": { redisSelectors: [{}] } },
            /^redis-cluster-internal: redisSelectors\[0\] must NOT have fewer than 1 properties/,
        ],
        [
            "a disallowed namespace that is no DNS label",
            { "no-default-namespace": { disallowedNamespaces: ["-x"] } },
            /^no-default-namespace: disallowedNamespaces\[0\] must match pattern/,
        ],
        [
            "a namespaced kind without its group",
            { "no-default-namespace": { namespacedKinds: ["ServiceMonitor"] } },
            /^no-default-namespace: namespacedKinds\[0\] must match pattern .*; expected Custom kinds to check as namespaced, as group\/Kind/,
        ],
        [
            "an unknown policy",
            { "image-pined": {} },
            /^image-pined: is not a policy of this pack; expected one of image-pinned, /,
        ],
        [
            "an unknown enforcement level",
            { "image-pinned": { enforcementLevel: "strict" } },
            /^image-pinned: enforcementLevel "strict" is not one of advisory, mandatory, remediate, disabled/,
        ],
    ];
    for (const [what, config, message] of cases) {
        it(`refuses ${what}, naming the policy and key`, async () => {
            const problems = policyConfigProblems(policies, config);
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], message);
            await assert.rejects(runPolicies(policies, [], config), PolicyConfigError);
        });
    }

    it("says each problem whole: where, what, and the key's description; several at once", () => {
        const images = "Repositories (normalised), optionally with a tag pattern using *; * alone admits all.";
        assert.deepStrictEqual(
            policyConfigProblems(policies, {
                "image-pinned": { allowedImages: [...Array(10).fill("redis:7"), ""], requireDigest: "no" },
                "redis-cluster-internal": { redisSelectors: [{ app: 5 }] },
            }),
            [
                `image-pinned: allowedImages[10] must NOT have fewer than 1 characters; expected ${images}`,
                "image-pinned: requireDigest must be boolean",
                "redis-cluster-internal: redisSelectors[0].app must be string",
            ],
        );
    });

    it("takes each enforcement level the engine knows", () => {
        for (const level of ["advisory", "mandatory", "disabled"]) {
            assert.deepStrictEqual(policyConfigProblems(policies, { "image-pinned": { enforcementLevel: level } }), []);
        }
    });

    it("fails the run with every problem listed, as a PolicyConfigError", async () => {
        await assert.rejects(
            runPolicies(policies, [], { "image-pined": {}, "image-pinned": { requireDigest: 1 } }),
            (e: unknown) =>
                e instanceof PolicyConfigError &&
                e.name === "PolicyConfigError" &&
                e.message ===
                    `The policy pack config is invalid:\n  - ${e.problems[0]}\n  - image-pinned: requireDigest must be boolean` &&
                e.problems[0].startsWith("image-pined: is not a policy of this pack"),
        );
    });

    it("accepts the example config", () => {
        assert.deepStrictEqual(
            policyConfigProblems(policies, {
                "image-pinned": {
                    allowedImages: ["redis:7.2*-alpine", "registry.example.com/dsm/*"],
                    requireDigest: false,
                },
                "resources-bounded": { maxCpu: "1", maxMemory: "1Gi", enforcementLevel: "advisory" },
                "no-default-namespace": { namespacedKinds: ["monitoring.coreos.com/ServiceMonitor"] },
            }),
            [],
        );
    });
});

describe("image-pinned by default agrees with the program", () => {
    const images = [
        "redis:7.2-alpine",
        "redis:7.4-alpine",
        "redis:8.2",
        "valkey/valkey:8-alpine",
        "registry.example.com:5000/dsm/redis:7.2-alpine",
        `redis@sha256:${"a".repeat(64)}`,
        `redis:7.2-alpine@sha256:${"b".repeat(64)}`,
        "redis",
        "redis:latest",
        "redis:",
        `redis@sha256:${"a".repeat(63)}g`,
        "Redis:7.2",
        "fast!",
    ];
    for (const image of images) {
        it(`judges ${image} as the program does`, () => {
            const programAccepts = argumentProblems({ image }).length === 0;
            const deployment = {
                metadata: { name: "redis", namespace: "dsm" },
                spec: { template: { spec: { containers: [{ name: "redis", image }] } } },
            };
            const packAccepts =
                checkImagesPinned("kubernetes:apps/v1:Deployment", deployment, "redis", IMAGE_PINNED_DEFAULTS)
                    .length === 0;
            assert.strictEqual(packAccepts, programAccepts);
        });
    }
});
