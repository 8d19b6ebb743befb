/**
 * Kyverno's own test cases for disallow-latest-tag and require-pod-requests-limits, run through image-pinned and
 * resources-bounded. Where the exact rules differ from Kyverno's approximation, the case is listed below with the
 * reason, and the test checks that ours differs for exactly that reason and no other.
 */
import * as assert from "assert";
import * as path from "path";
import { checkImagesPinned } from "../../policy/image-pinned";
import { checkResourcesBounded, RESOURCES_BOUNDED_DEFAULTS } from "../../policy/resources-bounded";
import { kyvernoCases, loadDocuments, pulumiType } from "./corpus";

/** The corpus tests tags, not registries: allowedImages is opened to its repositories. */
const CORPUS_REPOSITORIES = { allowedImages: ["nginx", "busybox", "ghcr.io/kyverno/*"], requireDigest: false };

/** Cases where resources-bounded deliberately disagrees with Kyverno, and the only problem it may report there. */
const RESOURCES_DISAGREEMENTS: Record<string, { why: string; onlyProblem: RegExp }> = {};
for (const key of [
    "kyverno-test/resource.yaml#0 goodpod01",
    "kyverno-test/resource.yaml#1 goodpod02",
    "chainsaw-test/good-pods.yaml#0 goodpod01",
    "chainsaw-test/good-pods.yaml#1 goodpod02",
    "chainsaw-test/good-podcontrollers.yaml#0 reqpodlimits-gooddeployment01",
    "chainsaw-test/good-podcontrollers.yaml#1 reqpodlimits-goodcronjob01",
]) {
    RESOURCES_DISAGREEMENTS[key] = {
        why: "Kyverno requires no CPU limit; resources-bounded requires cpu and memory requests and limits, so a container without a cpu limit fails.",
        onlyProblem: /resources\.limits\.cpu is \(unset\): the cpu limit is missing/,
    };
}

describe("conformance: Kyverno corpus", () => {
    const cases = kyvernoCases();

    it("reads every case of cases.tsv", () => {
        assert.strictEqual(cases.length, 29);
    });

    for (const c of cases) {
        const file = path.relative(c.policyDir, c.file);
        const key = `${file}#${c.docIndex} ${c.name}`;
        const isImageCase = c.policyDir.endsWith("disallow-latest-tag");
        const policy = isImageCase ? "image-pinned" : "resources-bounded";
        it(`${policy}: ${key} (Kyverno: ${c.expected})`, () => {
            const object = loadDocuments(path.join("kyverno", c.file))[c.docIndex];
            assert.strictEqual(object.kind, c.kind);
            assert.strictEqual(object.metadata?.name, c.name);
            const findings = isImageCase
                ? checkImagesPinned(pulumiType(object), object, c.name, CORPUS_REPOSITORIES)
                : checkResourcesBounded(pulumiType(object), object, c.name, RESOURCES_BOUNDED_DEFAULTS);
            const disagreement = isImageCase ? undefined : RESOURCES_DISAGREEMENTS[key];
            if (disagreement !== undefined) {
                assert.ok(findings.length > 0, `expected to differ from Kyverno: ${disagreement.why}`);
                for (const f of findings) {
                    const text = `${f.field} is ${f.found}: ${f.problem}`;
                    assert.match(text, disagreement.onlyProblem, `only the documented difference may fail ${key}`);
                }
                return;
            }
            if (c.expected === "pass") {
                assert.deepStrictEqual(findings, []);
            } else {
                assert.ok(findings.length > 0, `Kyverno rejects ${key}; so must ${policy}`);
            }
        });
    }
});
