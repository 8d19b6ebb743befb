/** The integration run's wiring, with the Automation API replaced at the workspace boundary. */
import * as assert from "assert";
import * as path from "path";
import { integrationSkipReason, runIntegration } from "../../testbed/integration";
import { CheckResult, VerifyTarget } from "../../ops/lib/verify-checks";
import { FakeAutomation } from "../../testbed/fakes/fake-automation";
import { REPO_ROOT } from "../../ops/lib/repo-root";

const OUTPUTS = {
    namespace: { value: "dsm", secret: false },
    serviceName: { value: "redis", secret: false },
    port: { value: 6379, secret: false },
    stream: { value: "dsm:events", secret: false },
    groups: { value: ["sprint-service", "project-service", "backlog-service"], secret: false },
};
const passing = async (): Promise<CheckResult[]> => [{ check: "pod is Running and Ready", ok: true, detail: "pod p" }];

describe("integration wiring", () => {
    it("runs up, verify, up expecting no changes, destroy and removal on an ephemeral file-backend stack", async () => {
        const automation = new FakeAutomation({ outputs: OUTPUTS });
        const targets: VerifyTarget[] = [];
        const output: string[] = [];
        await runIntegration(automation, {
            env: { KUBECONFIG: "/ci/kubeconfig", DSM_REDIS_KUBE_CONTEXT: "kind-dsm" },
            write: (t) => void output.push(t),
            verify: async (target) => {
                targets.push(target);
                return passing();
            },
            runId: "abc123",
        });
        const [request] = automation.requests;
        assert.strictEqual(request.stackName, "integration-abc123");
        assert.strictEqual(request.workDir, REPO_ROOT);
        assert.match(request.envVars.PULUMI_BACKEND_URL, /^file:\/\/.*dsm-redis-integration-abc123$/);
        assert.ok(request.envVars.PULUMI_CONFIG_PASSPHRASE);
        assert.strictEqual(request.envVars.KUBECONFIG, "/ci/kubeconfig");
        assert.deepStrictEqual(automation.operations, ["setConfig", "setConfig", "up", "up", "destroy", "removeStack"]);
        assert.deepStrictEqual(
            automation.calls.filter((c) => c.call === "setConfig").map((c) => c.args),
            [
                { key: "kubernetes:context", value: "kind-dsm", secret: false },
                // Ephemeral: its destroy leaves no namespace and no volume behind.
                { key: "dsm-redis:deleteDataOnDestroy", value: "true", secret: false },
            ],
        );
        const ups = automation.calls.filter((c) => c.call === "up").map((c) => c.args as Record<string, unknown>);
        assert.deepStrictEqual(
            ups.map((u) => [u.policyPacks, u.expectNoChanges]),
            [
                [[path.join(REPO_ROOT, "policy")], undefined],
                [[path.join(REPO_ROOT, "policy")], true],
            ],
        );
        assert.deepStrictEqual(targets, [
            {
                namespace: "dsm",
                serviceName: "redis",
                port: 6379,
                stream: "dsm:events",
                groups: OUTPUTS.groups.value,
                kubeconfig: undefined,
                context: undefined,
            },
        ]);
        assert.ok(output.some((o) => o.includes("pass")));
    });

    it("destroys and removes the stack even when verify fails, and reports what failed", async () => {
        const automation = new FakeAutomation({ outputs: OUTPUTS });
        await assert.rejects(
            runIntegration(automation, {
                env: {},
                write: () => undefined,
                verify: async () => [
                    { check: "XINFO GROUPS has the configured groups", ok: false, detail: "missing backlog-service" },
                ],
                runId: "x",
            }),
            /verify failed: XINFO GROUPS has the configured groups \(missing backlog-service\)/,
        );
        assert.deepStrictEqual(automation.operations, ["setConfig", "up", "destroy", "removeStack"]);
    });

    it("destroys when the second up finds changes", async () => {
        const automation = new FakeAutomation({
            outputs: OUTPUTS,
            fail: { operation: "up", message: "expected no changes" },
        });
        await assert.rejects(
            runIntegration(automation, { env: {}, write: () => undefined, verify: passing, runId: "y" }),
            /expected no changes/,
        );
        assert.deepStrictEqual(automation.operations.slice(-2), ["destroy", "removeStack"]);
    });

    it("is skipped with a one-line reason unless enabled, and fails when enabled without the CLI", () => {
        assert.match(integrationSkipReason({}, true) ?? "", /^set DSM_REDIS_INTEGRATION=1 /);
        assert.match(integrationSkipReason({}, false) ?? "", /^set DSM_REDIS_INTEGRATION=1 /);
        assert.throws(
            () => integrationSkipReason({ DSM_REDIS_INTEGRATION: "1" }, false),
            /DSM_REDIS_INTEGRATION=1 but the Pulumi CLI is not on the PATH/,
        );
        assert.strictEqual(integrationSkipReason({ DSM_REDIS_INTEGRATION: "1" }, true), undefined);
    });
});
