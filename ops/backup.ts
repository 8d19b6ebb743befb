/**
 * `npm run backup`: a consistent snapshot of the stack's bus (its stream, groups, consumers and pending entries) to a
 * local file, through the port-forward the provisioning uses, as the admin; `--help` for the flags.
 */
import "./lib/node-check";
import * as fs from "fs";
import { withSession } from "../components";
import { BackupError, takeSnapshot, writeBackup } from "./lib/backup-file";
import { busConnection, busTargetOf, withLinkedReplica } from "./lib/bus-connection";
import { Command, JSON_FLAG, runCommandLine } from "./lib/command-line";
import { PreflightError } from "./lib/preflight";
import { STACK_FLAG, openCommandStack, reportFailure } from "./lib/stack-command";

export const BACKUP_COMMAND: Command = {
    name: "npm run backup",
    summary:
        "Writes a consistent snapshot of the stack's bus (the stream, its groups, consumers and pending entries) to a local file, readable by its owner only.",
    flags: {
        stack: STACK_FLAG,
        out: {
            type: "string",
            value: "FILE",
            default: "dsm-redis-<stack>-<time>.backup.json",
            description: "The file to write.",
        },
        json: { ...JSON_FLAG, description: "Print the backup's summary as JSON on stdout, and nothing else." },
    },
    examples: ["npm run backup", "npm run backup -- --stack prod --out prod.backup.json --json"],
};

/** How long the backup waits for Redis to answer. */
const CONNECT_SECONDS = 60;

if (require.main === module) {
    runCommandLine(
        BACKUP_COMMAND,
        async ({ flags }, output) => {
            const stack = await openCommandStack(flags, output);
            const target = await busTargetOf(stack);
            const file =
                typeof flags.out === "string"
                    ? flags.out
                    : `dsm-redis-${stack.name}-${new Date().toISOString().replace(/[:.]/g, "-")}.backup.json`;
            const started = Date.now();
            output.progress(`connecting to Redis in ${target.namespace} through the Kubernetes API`);
            const connection = await busConnection(target);
            const { written, readFrom } = await withSession(
                connection,
                { timeoutSeconds: CONNECT_SECONDS, log: output.progress },
                async ({ client }) => {
                    // On a replicated bus, the pages are read from a replica: the master is left to producers and
                    // consumers.
                    const { taken, pod } = await withLinkedReplica(connection, async (replica) => {
                        output.progress(`reading ${target.stream}${replica ? ` from replica ${replica.pod}` : ""}`);
                        const read = await takeSnapshot(client, target.stream, { reader: replica?.client });
                        return { taken: read, pod: replica?.pod };
                    });
                    if (taken === undefined) throw new BackupError(`there is no stream ${target.stream} to back up`);
                    const server = /^redis_version:(.*)$/m.exec(await client.info("server"))?.[1]?.trim() ?? "unknown";
                    output.progress(`writing ${taken.length} entries to ${file}`);
                    fs.writeFileSync(file, writeBackup(taken, `redis ${server}`), { mode: 0o600 });
                    return { written: taken, readFrom: pod };
                },
            );
            const seconds = (Date.now() - started) / 1000;
            if (flags.json === true) {
                const summary = {
                    stack: stack.name,
                    stream: written.stream,
                    entries: written.length,
                    lastGeneratedId: written.lastGeneratedId,
                    groups: written.groups.map((g) => ({
                        name: g.name,
                        lastDeliveredId: g.lastDeliveredId,
                        pending: g.pending.length,
                    })),
                    file,
                    // Where the pages were read: a replica's pod, or the master.
                    readFrom: readFrom ?? "master",
                    seconds,
                };
                output.out(`${JSON.stringify(summary, null, 2)}\n`);
                return 0;
            }
            const groups = written.groups.map(
                (g) => `${g.name} (last ${g.lastDeliveredId}, ${g.pending.length} pending)`,
            );
            output.out(
                `Backed up ${written.stream} of stack ${stack.name}: ${written.length} entries, last ID ${written.lastGeneratedId}; ` +
                    `groups ${groups.join(", ") || "none"}; read from ${readFrom ? `replica ${readFrom}` : "the master"}; ` +
                    `to ${file} in ${seconds.toFixed(1)} s.\n`,
            );
            return 0;
        },
        (error, output) =>
            reportFailure(error instanceof BackupError ? new PreflightError([error.message]) : error, output.error),
    );
}
