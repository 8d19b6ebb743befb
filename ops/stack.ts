/**
 * Entry point of `npm run preview`, `npm run deploy` and `npm run destroy` (`ts-node ops/stack.ts <command> [flags]`):
 * the stack's engine run, with the policy pack enforced; `--help` for the flags.
 */
import "./lib/node-check";
import { pulumiAutomation } from "./lib/automation";
import { runCommandLine } from "./lib/command-line";
import {
    STACK_COMMANDS,
    STACK_COMMAND_LINES,
    StackCommand,
    realEnvironment,
    reportFailure,
    runStackCommand,
    stackOptions,
} from "./lib/stack-command";

if (require.main === module) {
    const [command, ...argv] = process.argv.slice(2);
    if (!(STACK_COMMANDS as readonly string[]).includes(command)) {
        process.stderr.write(
            `Usage: ts-node ops/stack.ts ${STACK_COMMANDS.join("|")} [flags]; npm run preview -- --help\n`,
        );
        process.exitCode = 2;
    } else {
        runCommandLine(
            STACK_COMMAND_LINES[command as StackCommand],
            async (line, output) => {
                await runStackCommand(command as StackCommand, pulumiAutomation, {
                    ...stackOptions(line.flags, process.env),
                    // The engine's own output is the command's result: stdout, as it comes.
                    write: output.out,
                    environment: realEnvironment,
                });
                return 0;
            },
            (error, output) => reportFailure(error, output.error),
            argv,
        );
    }
}
