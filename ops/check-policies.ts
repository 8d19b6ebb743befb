/**
 * `npm run check-policies [-- --stack NAME] [--policy-config FILE]`: the policy pack over the program with
 * Pulumi.<stack>.yaml, under mocks: no engine, no cluster, no credentials. Exits 1 on a mandatory violation.
 */
import "./lib/node-check";
import * as fs from "fs";
import * as path from "path";
import { checkStackFile, formatCheck } from "./lib/policy-run";
import { REPO_ROOT } from "./lib/repo-root";
import { POLICY_CONFIG_FLAGS, STACK_FLAG, reportFailure, stackOptions } from "./lib/stack-command";
import { Command, runCommandLine } from "./lib/command-line";
import { PreflightError } from "./lib/preflight";
import { PolicyConfigError } from "../policy/config-schema";
import { EffectiveConfig, loadPolicyPackConfig } from "../policy/pack-config";
import { policies } from "../policy/policies";

/**
 * A `--policy-config` file, read as the engine reads a `--policy-pack-config` file (policy/pack-config.ts): its
 * absence, broken JSON or a value the engine would refuse is said in a sentence naming it, not a stack trace.
 */
function readPolicyConfig(file: string): EffectiveConfig {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw new PreflightError([`Cannot read the policy config ${file} (--policy-config): there is no such file.`]);
    }
    try {
        return loadPolicyPackConfig(policies, text);
    } catch (error) {
        if (!(error instanceof PolicyConfigError)) throw error;
        throw new PreflightError([
            [
                `The policy config ${file} (--policy-config) is refused:`,
                ...error.problems.map((p) => `  - ${p}`),
                "Expected an object of policy name to an enforcement level or to its config, as policy/config.example.json.",
            ].join("\n"),
        ]);
    }
}

export const CHECK_POLICIES_COMMAND: Command = {
    name: "npm run check-policies",
    summary:
        "Runs the policy pack on the program under mocks with the stack's config file: no engine, no cluster. Exits 1 on a mandatory violation.",
    flags: { stack: STACK_FLAG, ...POLICY_CONFIG_FLAGS },
    examples: [
        "npm run check-policies",
        "npm run check-policies -- --stack prod --policy-config policy/config.example.json",
    ],
};

if (require.main === module) {
    runCommandLine(
        CHECK_POLICIES_COMMAND,
        async ({ flags }, output) => {
            const { stackName, policyConfig } = stackOptions(flags, process.env);
            const stackFile = path.join(REPO_ROOT, `Pulumi.${stackName}.yaml`);
            if (!fs.existsSync(stackFile))
                throw new PreflightError([`There is no ${path.basename(stackFile)} to check.`]);
            const config =
                policyConfig === undefined ? loadPolicyPackConfig(policies, "") : readPolicyConfig(policyConfig);
            const check = await checkStackFile(stackFile, config);
            output.out(formatCheck(stackName, check));
            return check.violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
        },
        (error, output) => reportFailure(error, output.error),
    );
}
