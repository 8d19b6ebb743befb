/**
 * The integration run against a real cluster and a real engine: an ephemeral stack on a local file backend, `up`
 * with the policy pack, `verify`, a second `up` that must change nothing, then `destroy` and removal of the stack,
 * whatever failed before.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Automation } from "../ops/lib/automation";
import { REPO_ROOT } from "../ops/lib/repo-root";
import { POLICY_PACK } from "../ops/lib/stack-command";
import { verifyTargetOf } from "../ops/lib/stack-target";
import { CheckResult, VerifyTarget, formatTable } from "../ops/lib/verify-checks";

/** The environment variables that enable and steer the integration test. */
export const INTEGRATION_ENV = {
    enable: "DSM_REDIS_INTEGRATION",
    context: "DSM_REDIS_KUBE_CONTEXT",
} as const;

/**
 * Why the integration test is skipped, or undefined when it is asked for. Once asked for, a missing CLI is a
 * failure, not a skip: a workflow that meant to test against a cluster must not pass without doing so.
 */
export function integrationSkipReason(env: NodeJS.ProcessEnv, cliAvailable: boolean): string | undefined {
    if (env[INTEGRATION_ENV.enable] !== "1") {
        return `set ${INTEGRATION_ENV.enable}=1 (with a cluster in your kubeconfig and the Pulumi CLI) to run it`;
    }
    if (!cliAvailable) {
        throw new Error(
            `${INTEGRATION_ENV.enable}=1 but the Pulumi CLI is not on the PATH: install it to run the integration test`,
        );
    }
    return undefined;
}

export interface IntegrationOptions {
    readonly env: NodeJS.ProcessEnv;
    readonly write: (text: string) => void;
    readonly verify: (target: VerifyTarget) => Promise<CheckResult[]>;
    /** Distinguishes concurrent runs; a timestamp by default. */
    readonly runId?: string;
}

export async function runIntegration(automation: Automation, options: IntegrationOptions): Promise<void> {
    const runId = options.runId ?? Date.now().toString(36);
    const state = path.join(os.tmpdir(), `dsm-redis-integration-${runId}`);
    // The CLI opens a file backend's folder; it does not create it.
    fs.mkdirSync(state, { recursive: true });
    const envVars: Record<string, string> = {
        PULUMI_BACKEND_URL: `file://${state}`,
        PULUMI_CONFIG_PASSPHRASE: options.env.PULUMI_CONFIG_PASSPHRASE ?? `integration-${runId}`,
    };
    if (options.env.KUBECONFIG !== undefined) envVars.KUBECONFIG = options.env.KUBECONFIG;
    const stack = await automation.selectOrCreateStack({
        stackName: `integration-${runId}`,
        workDir: REPO_ROOT,
        envVars,
    });
    const context = options.env[INTEGRATION_ENV.context];
    if (context !== undefined) await stack.setConfig("kubernetes:context", context, false);
    // An ephemeral stack leaves nothing behind: its destroy deletes the data volume and the namespace too.
    await stack.setConfig("dsm-redis:deleteDataOnDestroy", "true", false);
    const run = { policyPacks: [POLICY_PACK], onOutput: options.write, color: "never" as const };
    try {
        await stack.up(run);
        const results = await options.verify(await verifyTargetOf(stack));
        options.write(formatTable(results));
        const failed = results.filter((r) => !r.ok);
        if (failed.length > 0)
            throw new Error(`verify failed: ${failed.map((r) => `${r.check} (${r.detail})`).join("; ")}`);
        await stack.up({ ...run, expectNoChanges: true });
    } finally {
        await stack.destroy({ onOutput: options.write, color: "never" });
        await stack.removeStack();
        fs.rmSync(state, { recursive: true, force: true });
    }
}
