/**
 * `npm run backup [-- --stack NAME] [--out FILE]`: a consistent snapshot of the stack's bus (its stream, groups,
 * consumers and pending entries) to a local file, through the port-forward the provisioning uses, as the admin.
 */
import "./lib/require-node";
import * as fs from "fs";
import { pulumiAutomation } from "./lib/automation";
import { BackupError, takeSnapshot, writeBackup } from "./lib/backup";
import { busConnection, busTargetOf } from "./lib/bus-connection";
import { PreflightError } from "./lib/preflight";
import { openExistingStack, parseArgs, realEnvironment, reportFailure } from "./lib/stack-command";
import { withSession } from "../components/stream-groups/session";

async function main(): Promise<number> {
    const write = (text: string) => void process.stdout.write(text);
    try {
        const argv = process.argv.slice(2);
        const outAt = argv.indexOf("--out");
        const out = outAt === -1 ? undefined : argv[outAt + 1];
        if (outAt !== -1 && out === undefined) throw new PreflightError(["--out needs a file name."]);
        const args = parseArgs(outAt === -1 ? argv : [...argv.slice(0, outAt), ...argv.slice(outAt + 2)], process.env);
        const stack = await openExistingStack(pulumiAutomation, { ...args, write, environment: realEnvironment });
        const target = await busTargetOf(stack);
        const file = out ?? `dsm-redis-${stack.name}-${new Date().toISOString().replace(/[:.]/g, "-")}.backup.json`;
        const started = Date.now();
        const written = await withSession(
            await busConnection(target),
            { timeoutSeconds: 60, log: () => undefined },
            async ({ client }) => {
                const snapshot = await takeSnapshot(client, target.stream);
                if (snapshot === undefined) throw new BackupError(`there is no stream ${target.stream} to back up`);
                const server = /^redis_version:(.*)$/m.exec(await client.info("server"))?.[1]?.trim() ?? "unknown";
                fs.writeFileSync(file, writeBackup(snapshot, `redis ${server}`), { mode: 0o600 });
                return snapshot;
            },
        );
        const groups = written.groups.map((g) => `${g.name} (last ${g.lastDeliveredId}, ${g.pending.length} pending)`);
        write(
            `Backed up ${written.stream} of stack ${stack.name}: ${written.length} entries, last ID ${written.lastGeneratedId}; ` +
                `groups ${groups.join(", ") || "none"}; to ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
        );
        return 0;
    } catch (error) {
        if (error instanceof BackupError) return reportFailure(new PreflightError([error.message]), write);
        return reportFailure(error, write);
    }
}

void main().then((code) => (process.exitCode = code));
