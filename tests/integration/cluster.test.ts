/**
 * The whole program on a real engine and a real cluster: up (with the policy pack), verify, up again expecting no
 * changes, destroy. It runs when DSM_REDIS_INTEGRATION=1 and the Pulumi CLI is on the PATH (the integration workflow
 * sets both on a kind cluster); otherwise it is skipped with the reason.
 */
import { pulumiAutomation } from "../../ops/lib/automation";
import { integrationSkipReason, runIntegration } from "../../testbed/integration";
import { verifyBus } from "../../ops/lib/verify-checks";

describe("integration: the program on a real cluster", function () {
    this.timeout(30 * 60_000);

    it("deploys, verifies, changes nothing on a second up, and destroys", async function () {
        const reason = integrationSkipReason(process.env, await pulumiAutomation.cliAvailable());
        if (reason !== undefined) {
            console.log(`      skipped: ${reason}`);
            this.skip();
        }
        await runIntegration(pulumiAutomation, {
            env: process.env,
            write: (text) => void process.stdout.write(text),
            verify: (target) => verifyBus({ ...target, timeoutSeconds: 120 }),
        });
    });
});
