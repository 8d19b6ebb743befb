/** Entry point of `npm run verify`: the design's verification runbook against the stack's cluster; `--help`. */
import "./lib/node-check";
import { Command, JSON_FLAG, runCommandLine } from "./lib/command-line";
import { STACK_FLAG, openCommandStack, reportFailure } from "./lib/stack-command";
import { verifyTargetOf } from "./lib/stack-target";
import { formatTable, verifyBus } from "./lib/verify-checks";

export const VERIFY_COMMAND: Command = {
    name: "npm run verify",
    summary:
        "Runs the design's verification runbook against the stack's bus: the pod, the Service, the Secret, PING, the stream and its groups. Exits 1 when a check fails.",
    flags: { stack: STACK_FLAG, json: JSON_FLAG },
    examples: ["npm run verify", "npm run verify -- --stack prod --json"],
};

if (require.main === module) {
    runCommandLine(
        VERIFY_COMMAND,
        async (line, output) => {
            const stack = await openCommandStack(line.flags, output);
            const results = await verifyBus(await verifyTargetOf(stack), output.progress);
            const ok = results.every((r) => r.ok);
            output.out(
                line.flags.json === true
                    ? `${JSON.stringify({ stack: stack.name, ok, checks: results }, null, 2)}\n`
                    : formatTable(results),
            );
            return ok ? 0 : 1;
        },
        (error, output) => reportFailure(error, output.error),
    );
}
