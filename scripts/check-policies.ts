/**
 * `npm run check-policies [-- --stack NAME] [--policy-config FILE]`: the policy pack over the program with
 * Pulumi.<stack>.yaml, under mocks: no engine, no cluster, no credentials. Exits 1 on a mandatory violation.
 */
import "./lib/require-node";
import * as fs from "fs";
import * as path from "path";
import { checkStackFile, formatViolations } from "./lib/check-policies";
import { parseArgs, reportFailure, ROOT } from "./lib/stack-command";
import { PreflightError } from "./lib/preflight";

async function main(): Promise<number> {
    const write = (text: string) => void process.stdout.write(text);
    try {
        const { stackName, policyConfig } = parseArgs(process.argv.slice(2), process.env);
        const stackFile = path.join(ROOT, `Pulumi.${stackName}.yaml`);
        if (!fs.existsSync(stackFile)) throw new PreflightError([`There is no ${path.basename(stackFile)} to check.`]);
        const config = policyConfig === undefined ? {} : JSON.parse(fs.readFileSync(policyConfig, "utf8"));
        const violations = await checkStackFile(stackFile, config);
        write(formatViolations(violations));
        return violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
    } catch (error) {
        return reportFailure(error, write);
    }
}

void main().then((code) => (process.exitCode = code));
