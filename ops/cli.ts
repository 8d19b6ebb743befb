/**
 * `npm run cli -- [flags] [COMMAND ARG…]`: a redis-cli-like session on the stack's bus, through the port-forward the
 * provisioning uses, as dsm-admin or the named service user. The password is read from the user's Secret through the
 * Kubernetes API: never from a command line or the shell's history. With a command, it runs that one and exits;
 * without, it is interactive. Flags come before the command; everything from the command on goes to Redis as it is.
 *
 * `--direct HOST:PORT` connects to an address instead (inside the cluster, or to a local server), with the password
 * from REDISCLI_AUTH, as redis-cli takes it.
 */
import "./lib/node-check";
import type { Redis } from "ioredis";
import { ADMIN_USER, type Connection, withSession } from "../components";
import { busConnection, busTargetOf } from "./lib/bus-connection";
import { Command, UsageError, runCommandLine } from "./lib/command-line";
import { interactive, runCommand } from "./lib/redis-repl";
import { STACK_FLAG, openCommandStack, reportFailure } from "./lib/stack-command";

export const CLI_COMMAND: Command = {
    name: "npm run cli",
    summary:
        "A redis-cli-like session on the stack's bus through the Kubernetes API, as dsm-admin or a service user, its password read from the user's Secret. With a command, runs it and exits (1 on an error reply).",
    flags: {
        stack: STACK_FLAG,
        user: { type: "string", value: "NAME", default: ADMIN_USER, description: "The ACL user to connect as." },
        direct: {
            type: "string",
            value: "HOST:PORT",
            description: "Connect to this address instead of the stack's bus, with the password from REDISCLI_AUTH.",
        },
    },
    operands: {
        usage: "[COMMAND [ARG…]]",
        description: "A Redis command to run; without one, an interactive session (quit to leave).",
        min: 0,
        max: Number.POSITIVE_INFINITY,
    },
    operandsTakeTheRest: true,
    examples: [
        "npm run cli",
        "npm run cli -- --stack prod XINFO GROUPS dsm:events",
        "npm run cli -- --user project-service XLEN dsm:events",
        "REDISCLI_AUTH=… npm run cli -- --direct 127.0.0.1:6380 PING",
    ],
};

/** How long a session waits for Redis to answer before it gives up. */
const CONNECT_SECONDS = 30;

function directConnection(address: string, user: string): Connection {
    const match = /^([^:]+):(\d{1,5})$/.exec(address);
    if (match === null || Number(match[2]) < 1 || Number(match[2]) > 65535) {
        throw new UsageError(`--direct takes HOST:PORT, e.g. 127.0.0.1:6379; got ${JSON.stringify(address)}`);
    }
    return { host: match[1], port: Number(match[2]), username: user, password: process.env.REDISCLI_AUTH };
}

if (require.main === module) {
    runCommandLine(
        CLI_COMMAND,
        async ({ flags, operands }, output) => {
            const user = typeof flags.user === "string" ? flags.user : ADMIN_USER;
            let connection: Connection;
            if (typeof flags.direct === "string") {
                connection = directConnection(flags.direct, user);
            } else {
                const stack = await openCommandStack(flags, output);
                connection = await busConnection(await busTargetOf(stack), user);
                output.progress(
                    `connecting through the Kubernetes API (port-forward to ${connection.namespace}/${connection.service})`,
                );
            }
            return await withSession(
                connection,
                // A direct address that refuses has nothing listening: say so now, not after the timeout.
                { timeoutSeconds: CONNECT_SECONDS, log: output.progress, refusedIsFinal: flags.direct !== undefined },
                async ({ client, endpoint }) => {
                    if (operands.length > 0) {
                        const reply = await runCommand(client as Redis, [...operands]);
                        output.out(`${reply}\n`);
                        return reply.startsWith("(error)") ? 1 : 0;
                    }
                    output.out(`Connected to ${endpoint} as ${user}. Type quit to leave.\n`);
                    await interactive(client as Redis, `dsm-redis(${user})> `, process.stdin, process.stdout);
                    return 0;
                },
            );
        },
        (error, output) => reportFailure(error, output.error),
    );
}
