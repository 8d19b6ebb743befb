/** Entry point of `npm run preview`, `npm run deploy` and `npm run destroy`: `ts-node scripts/stack.ts <command> [--stack NAME]`. */
import "./lib/require-node";
import { pulumiAutomation } from "./lib/automation";
import { PreflightError } from "./lib/preflight";
import {
    STACK_COMMANDS,
    StackCommand,
    parseArgs,
    realEnvironment,
    reportFailure,
    runStackCommand,
} from "./lib/stack-command";

async function main(): Promise<number> {
    const write = (text: string) => void process.stdout.write(text);
    try {
        const [command, ...rest] = process.argv.slice(2);
        if (!(STACK_COMMANDS as readonly string[]).includes(command)) {
            throw new PreflightError([
                `Usage: ts-node scripts/stack.ts ${STACK_COMMANDS.join("|")} [--stack NAME] [--policy-config FILE]`,
            ]);
        }
        const args = parseArgs(rest, process.env);
        await runStackCommand(command as StackCommand, pulumiAutomation, {
            ...args,
            write,
            environment: realEnvironment,
        });
        return 0;
    } catch (error) {
        return reportFailure(error, write);
    }
}

void main().then((code) => (process.exitCode = code));
