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
import type { PolicyConfig } from "../policy/run-policies";

/** A `--policy-config` file: its absence or broken JSON is said in a sentence, not a stack trace. */
function readPolicyConfig(file: string): PolicyConfig {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw new PreflightError([`Cannot read the policy config ${file} (--policy-config): there is no such file.`]);
    }
    try {
        return JSON.parse(text) as PolicyConfig;
    } catch (error) {
        throw new PreflightError([
            `The policy config ${file} (--policy-config) is not JSON: ${(error as Error).message}. Expected an object of policy name to its config, as policy/config.example.json.`,
        ]);
    }
}

async function main(): Promise<number> {
    const write = (text: string) => void process.stdout.write(text);
    try {
        const { stackName, policyConfig } = parseArgs(process.argv.slice(2), process.env);
        const stackFile = path.join(REPO_ROOT, `Pulumi.${stackName}.yaml`);
        if (!fs.existsSync(stackFile)) throw new PreflightError([`There is no ${path.basename(stackFile)} to check.`]);
        const config = policyConfig === undefined ? {} : readPolicyConfig(policyConfig);
        const check = await checkStackFile(stackFile, config);
        write(formatCheck(stackName, check));
        return check.violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
    } catch (error) {
        return reportFailure(error, write);
    }
}

void main().then((code) => (process.exitCode = code));
