/** Entry point of `npm run verify [-- --stack NAME]`: the design's verification runbook against the stack's cluster. */
import "./lib/require-node";
import { pulumiAutomation } from "./lib/automation";
import { openExistingStack, parseArgs, realEnvironment, reportFailure } from "./lib/stack-command";
import { verifyTargetOf } from "./lib/stack-target";
import { formatTable, verifyBus } from "./lib/verify-checks";

async function main(): Promise<number> {
    const write = (text: string) => void process.stdout.write(text);
    try {
        const args = parseArgs(process.argv.slice(2), process.env);
        const stack = await openExistingStack(pulumiAutomation, { ...args, write, environment: realEnvironment });
        const results = await verifyBus(await verifyTargetOf(stack));
        write(formatTable(results));
        return results.every((r) => r.ok) ? 0 : 1;
    } catch (error) {
        return reportFailure(error, write);
    }
}

void main().then((code) => (process.exitCode = code));
