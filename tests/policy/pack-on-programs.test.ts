import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { projectConfig } from "../../config/project-config";
import { policies } from "../../policy/policies";
import { mandatory, runPolicies } from "../../policy/run-policies";
import { asCheckedResources, only, runProgram } from "../helpers/program";
import { REPO_ROOT } from "../../ops/lib/repo-root";

describe("the policy pack on programs run under mocks", () => {
    it("exports the policies with the names the pack promises", () => {
        assert.deepStrictEqual(
            policies.map((p) => [p.name, p.enforcementLevel]),
            [
                ["image-pinned", "mandatory"],
                ["resources-bounded", "mandatory"],
                ["pod-security-restricted", "mandatory"],
                ["probes-present", "advisory"],
                ["redis-cluster-internal", "mandatory"],
                ["no-default-namespace", "mandatory"],
            ],
        );
    });

    it("passes every policy, advisory ones too, on this program with its default config", async () => {
        const violations = await runPolicies(policies, asCheckedResources(await runProgram()));
        assert.deepStrictEqual(violations, []);
    });

    it("passes every policy with the config the engine hands the dev stack, which reaches the program", async () => {
        // The engine passes Pulumi.yaml's declared defaults (as text), then what Pulumi.dev.yaml sets; one key here is
        // set away from its default, to see that the stack's value is the one used.
        const doc = yaml.load(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")) as {
            config: Record<string, unknown> | null;
        };
        const config = {
            ...Object.fromEntries(Object.entries(projectConfig()).map(([k, v]) => [k, String(v.default)])),
            ...Object.fromEntries(
                Object.entries(doc.config ?? {}).map(([k, v]) => [k.replace(/^dsm-redis:/, ""), String(v)]),
            ),
            memoryLimit: "256Mi",
        };
        const run = await runProgram(config);
        assert.deepStrictEqual(await runPolicies(policies, asCheckedResources(run)), []);
        const redis = only(run, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0];
        assert.strictEqual(redis.resources?.limits?.memory, "256Mi");
    });

    it("catches each mistake of the bad-workloads fixture with its message", async () => {
        const run = await runProgram({}, path.join(__dirname, "..", "fixtures", "bad-workloads.ts"));
        const violations = mandatory(await runPolicies(policies, asCheckedResources(run)));
        const byPolicy = (name: string) => violations.filter((v) => v.policy === name).map((v) => v.message);
        assert.deepStrictEqual(byPolicy("image-pinned"), [
            'Deployment dsm/unpinned, container "worker": spec.template.spec.containers[0].image is "redis": the image is not pinned: it has no tag, so it means ":latest"; expected [registry[:port]/]repository:tag or …@sha256:<64 lowercase hex>, with a tag other than "latest", e.g. "redis:7.2-alpine"',
        ]);
        const bounded = byPolicy("resources-bounded");
        const at =
            'CronJob dsm/greedy, container "report": spec.jobTemplate.spec.template.spec.containers[0].resources.';
        assert.deepStrictEqual(
            bounded.map((m) => m.split(";")[0]),
            [
                `${at}requests.cpu is "500m": the request is above the limit "250m"`,
                `${at}requests.memory is "128m": the suffix "m" is milli: this is thousandths of a byte`,
                `${at}limits.memory is "2Gi": the limit is above the maximum "1Gi" (maxMemory)`,
            ],
        );
        const security = byPolicy("pod-security-restricted").join("\n");
        for (const field of [
            "spec.hostNetwork",
            "securityContext.privileged",
            "securityContext.runAsUser",
            "allowPrivilegeEscalation",
            "capabilities.drop",
            "runAsNonRoot",
            "seccompProfile.type",
        ]) {
            assert.ok(
                security.includes(`Pod default/root`) && security.includes(field),
                `no finding for ${field}:\n${security}`,
            );
        }
        assert.deepStrictEqual(byPolicy("redis-cluster-internal").length, 1);
        assert.deepStrictEqual(byPolicy("no-default-namespace"), [
            'Pod default/root: metadata.namespace is "default": the object is in the default namespace; expected a namespace other than "default", e.g. "dsm"',
        ]);
        assert.ok(violations.every((v) => v.urn !== undefined && v.urn.includes("::")));
    });
});

describe("policy/config.example.json", () => {
    it("configures only policies of the pack, with keys of their configSchema", () => {
        const example = JSON.parse(
            fs.readFileSync(path.join(REPO_ROOT, "policy", "config.example.json"), "utf8"),
        ) as Record<string, Record<string, unknown>>;
        for (const [name, config] of Object.entries(example)) {
            const policy = policies.find((p) => p.name === name);
            assert.ok(policy !== undefined, `no policy named ${name}`);
            const known = new Set(["enforcementLevel", ...Object.keys(policy.configSchema?.properties ?? {})]);
            for (const key of Object.keys(config)) {
                assert.ok(known.has(key), `${name} has no config key ${key}`);
            }
        }
    });
});
