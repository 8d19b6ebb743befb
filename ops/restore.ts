/**
 * `npm run restore -- FILE [--stack NAME] [--force]`: puts a backup back into the stack's bus, through the
 * port-forward, as the admin: a file of `npm run backup` or of the scheduled backup. It refuses a file whose checksum
 * fails, one the scheduled backup did not finish, and a bus whose stream holds data unless --force.
 */
import "./lib/node-check";
import * as fs from "fs";
import {
    BackupError,
    readBackup,
    restorablePart,
    restoreSnapshot,
    snapshotDifferences,
    takeSnapshot,
} from "./lib/backup-file";
import { busConnection, busTargetOf } from "./lib/bus-connection";
import { PreflightError } from "./lib/preflight";
import { STACK_FLAG, openCommandStack, reportFailure } from "./lib/stack-command";
import { Command, runCommandLine } from "./lib/command-line";
import { withSession } from "../components";

export const RESTORE_COMMAND: Command = {
    name: "npm run restore",
    summary:
        "Restores a backup file into the stack's bus and reads it back to compare. Refuses (exit 2, nothing restored) when the stream already holds entries, unless --force.",
    flags: {
        stack: STACK_FLAG,
        force: {
            type: "boolean",
            description:
                "Replace a stream that already holds entries, or groups that have delivered (a new bus's stream is replaced without it).",
        },
    },
    operands: {
        usage: "FILE",
        description: "The backup file, from npm run backup or the scheduled backup (`backup`).",
        min: 1,
        max: 1,
    },
    examples: [
        "npm run restore -- prod.backup.json --stack prod",
        "npm run restore -- --stack dev --force dev.backup.json",
    ],
};

/** How long the restore waits for Redis to answer. */
const CONNECT_SECONDS = 60;

if (require.main === module) {
    runCommandLine(
        RESTORE_COMMAND,
        async ({ flags, operands }, output) => {
            const [file] = operands;
            const force = flags.force === true;
            if (!fs.existsSync(file)) throw new PreflightError([`There is no backup file ${file}.`]);
            const backup = readBackup(fs.readFileSync(file, "utf8"), file);
            const stack = await openCommandStack(flags, output);
            const target = await busTargetOf(stack);
            if (backup.snapshot.stream !== target.stream) {
                throw new PreflightError([
                    `${file} holds stream ${backup.snapshot.stream}; stack ${stack.name}'s is ${target.stream}.`,
                ]);
            }
            const started = Date.now();
            output.progress(`connecting to Redis in ${target.namespace} through the Kubernetes API`);
            await withSession(
                await busConnection(target),
                { timeoutSeconds: CONNECT_SECONDS, log: output.progress },
                async ({ client }) => {
                    output.progress(`restoring ${backup.summary.length} entries into ${target.stream}`);
                    await restoreSnapshot(client, backup.snapshot, {
                        force,
                        onProgress: ({ entries, of }) =>
                            output.progress(
                                `restored ${entries} of ${of} entries (${Math.floor((100 * entries) / of)}%)`,
                            ),
                    });
                    // What was restored is read back and compared with what should have been.
                    output.progress("reading the stream back to compare");
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
                    output.out(
                        `Restored ${backup.summary.stream} (${backup.summary.length} entries, groups ${backup.summary.groups.map((g) => g.name).join(", ") || "none"}) ` +
                            `from ${file} (taken ${backup.createdAt}) into stack ${stack.name} in ${((Date.now() - started) / 1000).toFixed(1)} s${lostNote}.\n`,
                    );
                },
            );
            return 0;
        },
        (error, output) =>
            reportFailure(error instanceof BackupError ? new PreflightError([error.message]) : error, output.error),
    );
}
