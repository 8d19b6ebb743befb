/**
 * `npm run check-policies [-- --stack NAME] [--policy-config FILE]`: the policy pack over the program with
 * Pulumi.<stack>.yaml, under mocks: no engine, no cluster, no credentials. Exits 1 on a mandatory violation.
 */
import "./lib/require-node";
import * as fs from "fs";
import * as path from "path";
import { checkStackFile, formatCheck } from "./lib/check-policies";
import { REPO_ROOT } from "./lib/repo-root";
import { parseArgs, reportFailure } from "./lib/stack-command";
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

async function main(): Promise<number> {
    const write = (text: string) => void process.stdout.write(text);
    try {
        const { stackName, policyConfig } = parseArgs(process.argv.slice(2), process.env);
        const stackFile = path.join(REPO_ROOT, `Pulumi.${stackName}.yaml`);
        if (!fs.existsSync(stackFile)) throw new PreflightError([`There is no ${path.basename(stackFile)} to check.`]);
        const config = policyConfig === undefined ? loadPolicyPackConfig(policies, "") : readPolicyConfig(policyConfig);
        const check = await checkStackFile(stackFile, config);
        write(formatCheck(stackName, check));
        return check.violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
    } catch (error) {
        return reportFailure(error, write);
    }
}

void main().then((code) => (process.exitCode = code));
