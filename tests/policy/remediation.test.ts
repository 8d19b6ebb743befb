/**
 * Every policy tells the fix: its remediationSteps say what to change, in the words of its messages. Each violation
 * of a resource that breaks every rule of the pack ends in "; expected <what is accepted>", and that phrase is in its
 * policy's remediation steps (a path such as ", here or at spec…" aside, which names where, not what).
 */
import * as assert from "assert";
import { policies } from "../../policy/policies";
import { CheckedResource, runPolicies } from "../../policy/run-policies";
import { deployment } from "../helpers/policy";

const BROKEN: readonly CheckedResource[] = [
    {
        type: "kubernetes:apps/v1:Deployment",
        name: "broken",
        urn: "urn:broken",
        props: deployment({
            hostNetwork: true,
            securityContext: {
                runAsUser: 0,
                runAsNonRoot: false,
                seccompProfile: { type: "Unconfined" },
                sysctls: [{ name: "kernel.x", value: "1" }],
                seLinuxOptions: { type: "bad", user: "u" },
            },
            volumes: [{ name: "h", hostPath: { path: "/" } }],
            containers: [
                {
                    name: "c",
                    image: "redis",
                    ports: [{ containerPort: 1, hostPort: 80 }],
                    readinessProbe: { httpGet: { host: "x", port: 1 } },
                    resources: { requests: { cpu: "2", memory: "0" }, limits: { cpu: "1", memory: "4Gi" } },
                    securityContext: {
                        privileged: true,
                        procMount: "Unmasked",
                        runAsUser: 0,
                        allowPrivilegeEscalation: true,
                        capabilities: { add: ["SYS_ADMIN"] },
                        appArmorProfile: { type: "Unconfined" },
                        windowsOptions: { hostProcess: true },
                    },
                },
                { name: "d", image: "redis:latest", securityContext: {} },
            ],
        }),
    },
    {
        type: "kubernetes:core/v1:Pod",
        name: "pod",
        urn: "urn:pod",
        props: {
            metadata: {
                name: "p",
                namespace: "default",
                annotations: { "container.apparmor.security.beta.kubernetes.io/c": "unconfined" },
            },
            spec: { containers: [{ name: "c", image: "redis:7" }] },
        },
    },
    {
        type: "kubernetes:core/v1:Service",
        name: "service",
        urn: "urn:service",
        props: {
            metadata: { name: "redis", namespace: "dsm" },
            spec: { type: "NodePort", externalIPs: ["1.2.3.4"], selector: { app: "redis" }, ports: [{ port: 6379 }] },
        },
    },
];

describe("every policy tells the fix", () => {
    it("states remediation steps", () => {
        for (const policy of policies) {
            assert.ok((policy.remediationSteps ?? "").length > 40, `${policy.name} has no remediation steps`);
        }
    });

    it("in the words of its messages: each violation's expected value is in its policy's remediation steps", async () => {
        const violations = await runPolicies(policies, BROKEN);
        const reported = new Set(violations.map((v) => v.policy));
        assert.deepStrictEqual([...reported].sort(), policies.map((p) => p.name).sort(), "every policy reported");
        for (const v of violations) {
            const expected = v.message
                .split("; expected ")
                .slice(1)
                .join("; expected ")
                .replace(/, here or at .*$/, "");
            const steps = policies.find((p) => p.name === v.policy)?.remediationSteps ?? "";
            assert.ok(expected.length > 0, v.message);
            assert.ok(steps.includes(expected), `${v.policy}: "${expected}" is not in its remediation steps`);
        }
    });
});
