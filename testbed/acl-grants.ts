/**
 * Every command an ACL user may run on the `dsm:*` keys, as the server itself judges it: each command of the server's
 * own table (COMMAND), each subcommand on its own, asked with ACL DRYRUN with as many `dsm:` arguments as it takes.
 * A test compares the list with what the user is meant to run, so a rule that grants more, on any server, fails it.
 */
import type Redis from "ioredis";

/** Commands any connection may run whatever its rules (they carry Redis's no-auth flag). */
export const ALWAYS_ALLOWED = ["auth", "hello", "quit", "reset"] as const;

type CommandRow = [name: string, arity: number, ...rest: unknown[]];

/** The commands, `container|sub` for subcommands, that `user` may run, sorted; `client` must be allowed ACL DRYRUN. */
export async function grantedCommands(client: Redis, user: string): Promise<string[]> {
    const table = (await client.call("COMMAND")) as CommandRow[];
    const commands: Array<[string, number]> = [];
    for (const [name, arity, ...rest] of table) {
        // The 10th field of a command's row (Redis 7): its subcommands, each a row of its own.
        const subcommands = (rest[7] ?? []) as CommandRow[];
        if (subcommands.length === 0) commands.push([name, arity]);
        for (const [sub, subArity] of subcommands) commands.push([sub, subArity]);
    }
    const granted: string[] = [];
    for (const [name, arity] of commands) {
        const words = name.split("|");
        // As many arguments as the arity asks (negative: at least that many), each a key of the bus's pattern.
        const needed = Math.max(0, Math.abs(arity) - words.length);
        const reply = await client
            .call("ACL", "DRYRUN", user, ...words, ...Array<string>(needed).fill("dsm:x"))
            .catch((error: Error) => error.message);
        if (reply === "OK") granted.push(name);
        else if (!/no permissions/.test(String(reply))) throw new Error(`ACL DRYRUN ${user} ${name}: ${String(reply)}`);
    }
    return granted.sort();
}
