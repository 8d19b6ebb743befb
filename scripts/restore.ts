/**
 * `npm run restore -- FILE [--stack NAME] [--force]`: puts a backup back into the stack's bus, through the
 * port-forward, as the admin. It refuses a file whose checksum fails, and a bus whose stream holds data unless --force.
 */
import "./lib/require-node";
import * as fs from "fs";
import { pulumiAutomation } from "./lib/automation";
import {
    BackupError,
    readBackup,
    restorablePart,
    restoreSnapshot,
    snapshotDifferences,
    takeSnapshot,
} from "./lib/backup";
import { busConnection, busTargetOf } from "./lib/bus-connection";
import { PreflightError } from "./lib/preflight";
import { openExistingStack, parseArgs, realEnvironment, reportFailure } from "./lib/stack-command";
import { withSession } from "../components/stream-groups/session";

async function main(): Promise<number> {
    const write = (text: string) => void process.stdout.write(text);
    try {
        const argv = process.argv.slice(2);
        const file = argv[0];
        if (file === undefined || file.startsWith("--")) {
            throw new PreflightError(["Usage: npm run restore -- FILE [--stack NAME] [--force]"]);
        }
        const force = argv.includes("--force");
        const args = parseArgs(
            argv.slice(1).filter((a) => a !== "--force"),
            process.env,
        );
        if (!fs.existsSync(file)) throw new PreflightError([`There is no backup file ${file}.`]);
        const backup = readBackup(fs.readFileSync(file, "utf8"), file);
        const stack = await openExistingStack(pulumiAutomation, { ...args, write, environment: realEnvironment });
        const target = await busTargetOf(stack);
        if (backup.snapshot.stream !== target.stream) {
            throw new PreflightError([
                `${file} holds stream ${backup.snapshot.stream}; stack ${stack.name}'s is ${target.stream}.`,
            ]);
        }
        const started = Date.now();
        await withSession(
            await busConnection(target),
            { timeoutSeconds: 60, log: () => undefined },
            async ({ client }) => {
                await restoreSnapshot(client, backup.snapshot, { force });
                // What was restored is read back and compared with what should have been.
                const expected = restorablePart(backup.snapshot);
                const restored = await takeSnapshot(client, target.stream);
                const differences =
                    restored === undefined
                        ? ["the stream is missing"]
                        : snapshotDifferences(expected.snapshot, restored);
                if (differences.length > 0)
                    throw new BackupError(`the restored stream differs: ${differences.join("; ")}`);
                const lostNote =
                    expected.pendingLost > 0
                        ? `; ${expected.pendingLost} pending entries could not be recreated, their messages having been deleted before the backup`
                        : "";
                write(
                    `Restored ${backup.summary.stream} (${backup.summary.length} entries, groups ${backup.summary.groups.map((g) => g.name).join(", ") || "none"}) ` +
                        `from ${file} (taken ${backup.createdAt}) into stack ${stack.name} in ${((Date.now() - started) / 1000).toFixed(1)} s${lostNote}.\n`,
                );
            },
        );
        return 0;
    } catch (error) {
        if (error instanceof BackupError) return reportFailure(new PreflightError([error.message]), write);
        return reportFailure(error, write);
    }
}

void main().then((code) => (process.exitCode = code));
