import * as assert from "assert";
import { resourcesBounded } from "../../policy/resources-bounded";
import { deployment, goodContainer, goodPod, messagesFor } from "../helpers/policy";

type Bounds = { requests?: Record<string, unknown>; limits?: Record<string, unknown> };

async function resourceMessages(
    resources: Bounds | undefined,
    config: Record<string, unknown> = {},
    type = "kubernetes:apps/v1:Deployment",
): Promise<string[]> {
    return messagesFor(
        resourcesBounded,
        type,
        deployment(goodPod({ containers: [goodContainer({ resources })] })),
        config,
    );
}

const GOOD = { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "200m", memory: "200Mi" } };

describe("resources-bounded", () => {
    it("admits the design's resources", async () => {
        assert.deepStrictEqual(await resourceMessages(GOOD), []);
    });

    it("names resource, container, field, value and accepted form", async () => {
        const [message] = await resourceMessages({ ...GOOD, limits: { cpu: "200m", memory: "100MB" } });
        assert.strictEqual(
            message,
            'Deployment dsm/app, container "app": spec.template.spec.containers[0].resources.limits.memory is "100MB": it is not a valid quantity: unknown suffix "MB" (suffixes are case-sensitive: did you mean "M"?); expected a Kubernetes quantity: a decimal number with an optional case-sensitive suffix (binary Ki Mi Gi Ti Pi Ei, decimal n u m k M G T P E, or an exponent such as 1e3), e.g. "200Mi" or "100m"',
        );
    });

    it("requires all four values, one message each", async () => {
        const messages = await resourceMessages(undefined);
        assert.deepStrictEqual(
            messages.map((m) => m.split(" is ")[0].split(": ")[1]),
            ["requests.cpu", "limits.cpu", "requests.memory", "limits.memory"].map(
                (f) => `spec.template.spec.containers[0].resources.${f}`,
            ),
        );
        assert.match(messages[0], /the cpu request is missing/);
    });

    const bad: Array<[string, Bounds, RegExp]> = [
        [
            "a zero limit",
            { ...GOOD, limits: { cpu: "0", memory: "200Mi" } },
            /limits\.cpu is "0": it is not above zero/,
        ],
        [
            "a digitless value",
            { ...GOOD, requests: { cpu: "m", memory: "100Mi" } },
            /requests\.cpu is "m": it has no digits/,
        ],
        ["a lone suffix", { ...GOOD, limits: { cpu: "200m", memory: "Gi" } }, /it has no digits/],
        ["a negative value", { ...GOOD, requests: { cpu: "-1", memory: "100Mi" } }, /not above zero/],
        [
            "memory in millibytes",
            { ...GOOD, requests: { cpu: "100m", memory: "128m" } },
            /"128m": the suffix "m" is milli: this is thousandths of a byte; expected mebibytes as "Mi"/,
        ],
        ["wrong case", { ...GOOD, limits: { cpu: "200m", memory: "1gi" } }, /did you mean "Gi"/],
        ["a float exponent", { ...GOOD, limits: { cpu: "2e-1.5", memory: "200Mi" } }, /exponent must be an integer/],
        [
            "a non-quantity",
            { ...GOOD, limits: { cpu: true, memory: "200Mi" } },
            /limits\.cpu is true: it is not a quantity/,
        ],
        [
            "requests above limits",
            { requests: { cpu: "300m", memory: "100Mi" }, limits: { cpu: "200m", memory: "200Mi" } },
            /requests\.cpu is "300m": the request is above the limit "200m"/,
        ],
        [
            "a limit above maxMemory",
            { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "200m", memory: "1025Mi" } },
            /limits\.memory is "1025Mi": the limit is above the maximum "1Gi" \(maxMemory\)/,
        ],
        [
            "a limit above maxCpu",
            { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "1001m", memory: "200Mi" } },
            /limits\.cpu is "1001m": the limit is above the maximum "1" \(maxCpu\)/,
        ],
    ];
    for (const [what, resources, message] of bad) {
        it(`rejects ${what}`, async () => {
            const messages = await resourceMessages(resources);
            assert.strictEqual(messages.length, 1, messages.join("\n"));
            assert.match(messages[0], message);
        });
    }

    it("compares exactly: 1Gi = 1024Mi = 1073741824 is at the maximum; one byte more is not", async () => {
        for (const memory of ["1Gi", "1024Mi", "1073741824", "1.073741824G"]) {
            assert.deepStrictEqual(
                await resourceMessages({ requests: { cpu: "1", memory }, limits: { cpu: "1", memory } }),
                [],
                memory,
            );
        }
        assert.strictEqual(
            (
                await resourceMessages({
                    requests: { cpu: "1", memory: "1Gi" },
                    limits: { cpu: "1", memory: "1073741825" },
                })
            ).length,
            1,
        );
    });

    it("reads JSON numbers as quantities (cpu: 0.5)", async () => {
        assert.deepStrictEqual(
            await resourceMessages({ requests: { cpu: 0.25, memory: "100Mi" }, limits: { cpu: 0.5, memory: "200Mi" } }),
            [],
        );
    });

    it("takes maxCpu and maxMemory from config, and refuses a broken maximum", async () => {
        const big = { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } };
        assert.deepStrictEqual(await resourceMessages(big, { maxCpu: "2", maxMemory: "4Gi" }), []);
        // The schema refuses a value that is no quantity, naming the key, as the engine does when it loads the pack.
        await assert.rejects(
            resourceMessages(big, { maxMemory: "4GB" }),
            /resources-bounded: maxMemory must match pattern .*; expected Largest memory limit, a Kubernetes quantity/,
        );
        // A quantity the pattern admits but no maximum can be is refused when the policy reads it.
        await assert.rejects(
            resourceMessages(big, { maxMemory: "0" }),
            /resources-bounded config maxMemory = "0": it is not above zero/,
        );
    });

    it("checks init containers, and not ephemeral ones (which may not declare resources)", async () => {
        const props = deployment(
            goodPod({
                initContainers: [goodContainer({ name: "init", resources: undefined })],
                ephemeralContainers: [{ name: "debug", image: "busybox:1" }],
            }),
        );
        const messages = await messagesFor(resourcesBounded, "kubernetes:apps/v1:Deployment", props);
        assert.strictEqual(messages.length, 4);
        assert.ok(messages.every((m) => m.includes('container "init"')));
    });

    it("lets a patch leave resources unset, but checks what it sets", async () => {
        assert.deepStrictEqual(await resourceMessages(undefined, {}, "kubernetes:apps/v1:DeploymentPatch"), []);
        const messages = await resourceMessages(
            { limits: { memory: "2Gi" } },
            {},
            "kubernetes:apps/v1:DeploymentPatch",
        );
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /above the maximum/);
    });

    it("skips values unknown during preview and checks the rest", async () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const messages = await resourceMessages({
            requests: { cpu: unknown, memory: "100Mi" },
            limits: { cpu: "200m", memory: "100MB" },
        });
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /100MB/);
        const unknownObject = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff";
        assert.deepStrictEqual(await resourceMessages(unknownObject as unknown as Bounds), []);
    });

    it("says exactly what each finding is: a missing request or limit, a request above its limit, a limit above the maximum", async () => {
        const prefix = 'Deployment dsm/app, container "app": spec.template.spec.containers[0].resources.';
        assert.deepStrictEqual(
            await resourceMessages({ requests: { cpu: "100m", memory: null }, limits: GOOD.limits }),
            [
                `${prefix}requests.memory is null: the memory request is missing; expected a positive quantity such as "128Mi" or "1Gi"`,
            ],
        );
        assert.deepStrictEqual(await resourceMessages({ requests: GOOD.requests, limits: { memory: "200Mi" } }), [
            `${prefix}limits.cpu is (unset): the cpu limit is missing; expected a positive quantity such as "100m" or "0.5"`,
        ]);
        assert.deepStrictEqual(
            await resourceMessages(
                { requests: { cpu: "300m", memory: "100Mi" }, limits: { cpu: "250m", memory: "200Mi" } },
                { maxCpu: "200m" },
            ),
            [
                `${prefix}requests.cpu is "300m": the request is above the limit "250m"; expected a request at most the limit`,
                `${prefix}limits.cpu is "250m": the limit is above the maximum "200m" (maxCpu); expected a limit at most 200m`,
            ],
        );
    });

    it("refuses a broken maximum in its config, naming the key", async () => {
        await assert.rejects(
            resourceMessages(GOOD, { maxCpu: "0" }),
            /resources-bounded config maxCpu = "0": it is not above zero/,
        );
        await assert.rejects(
            resourceMessages(GOOD, { maxMemory: "100m" }),
            /resources-bounded config maxMemory = "100m": the suffix "m" is milli/,
        );
    });
});
