/**
 * `npm run cli [-- --stack NAME] [--user NAME] [COMMAND ARG…]`: a redis-cli-like session on the stack's bus, through
 * the port-forward the provisioning uses, as dsm-admin or the named service user. The password is read from the
 * user's Secret through the Kubernetes API: never from a command line or the shell's history. With a command, it runs
 * that one and exits; without, it is interactive.
 *
 * `--direct HOST:PORT` connects to an address instead (inside the cluster, or to a local server), with the password
 * from REDISCLI_AUTH, as redis-cli takes it.
 */
import "./lib/require-node";
import type { Redis } from "ioredis";
import { ADMIN_USER } from "../components/render/acl";
import type { Connection } from "../components/stream-groups/inputs";
import { withSession } from "../components/stream-groups/session";
import { pulumiAutomation } from "./lib/automation";
import { busConnection, busTargetOf } from "./lib/bus-connection";
import { interactive, runCommand } from "./lib/cli";
import { PreflightError } from "./lib/preflight";
import { openExistingStack, parseArgs, realEnvironment, reportFailure } from "./lib/stack-command";

/** Takes `--user NAME` and `--direct HOST:PORT` out of the arguments; the stack's flags come next, then the command. */
function split(argv: string[]): { user: string; direct?: string; stackArgs: string[]; command: string[] } {
    let user = ADMIN_USER;
    let direct: string | undefined;
    const stackArgs: string[] = [];
    let i = 0;
    for (; i < argv.length && argv[i].startsWith("--"); i++) {
        const value = argv[i + 1];
        if (value === undefined) throw new PreflightError([`${argv[i]} needs a value.`]);
        if (argv[i] === "--user") user = value;
        else if (argv[i] === "--direct") direct = value;
        else stackArgs.push(argv[i], value);
        i++;
    }
    return { user, direct, stackArgs, command: argv.slice(i) };
}

async function main(): Promise<number> {
    const write = (text: string) => void process.stdout.write(text);
    try {
        const { user, direct, stackArgs, command } = split(process.argv.slice(2));
        let connection: Connection;
        if (direct !== undefined) {
            const [host, port] = direct.split(":");
            connection = { host, port: Number(port), username: user, password: process.env.REDISCLI_AUTH };
        } else {
            const args = parseArgs(stackArgs, process.env);
            const stack = await openExistingStack(pulumiAutomation, { ...args, write, environment: realEnvironment });
            connection = await busConnection(await busTargetOf(stack), user);
        }
        return await withSession(
            connection,
            { timeoutSeconds: 30, log: () => undefined },
            async ({ client, endpoint }) => {
                if (command.length > 0) {
                    const reply = await runCommand(client as Redis, command);
                    write(`${reply}\n`);
                    return reply.startsWith("(error)") ? 1 : 0;
                }
                write(`Connected to ${endpoint} as ${user}. Type quit to leave.\n`);
                await interactive(client as Redis, `dsm-redis(${user})> `, process.stdin, process.stdout);
                return 0;
            },
        );
    } catch (error) {
        return reportFailure(error, write);
    }
}

void main().then((code) => (process.exitCode = code));
