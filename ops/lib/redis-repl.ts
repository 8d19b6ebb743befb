/**
 * A redis-cli-like session on the bus, over an ioredis connection: one command and its reply, formatted as redis-cli
 * formats them, or an interactive loop. It needs no local redis-cli.
 */
import type { Redis } from "ioredis";
import * as readline from "readline";

/** Splits a command line into arguments as redis-cli does: by spaces, with "…" (escapes allowed) and '…' quoting. */
export function parseCommandLine(line: string): string[] {
    const args: string[] = [];
    let i = 0;
    while (i < line.length) {
        while (line[i] === " " || line[i] === "\t") i++;
        if (i >= line.length) break;
        let arg = "";
        const quote = line[i] === '"' || line[i] === "'" ? line[i++] : undefined;
        while (i < line.length) {
            const c = line[i];
            if (quote === undefined && (c === " " || c === "\t")) break;
            if (c === quote) {
                i++;
                break;
            }
            if (quote === '"' && c === "\\" && i + 1 < line.length) {
                const next = line[++i];
                arg += { n: "\n", r: "\r", t: "\t" }[next] ?? next;
            } else {
                arg += c;
            }
            i++;
        }
        if (quote !== undefined && line[i - 1] !== quote) throw new Error(`unbalanced quotes in: ${line}`);
        args.push(arg);
    }
    return args;
}

/** A reply as redis-cli prints it: "text", (integer) n, (nil), (error) …, and numbered lines for arrays. */
export function formatReply(reply: unknown, indent = ""): string {
    if (reply === null || reply === undefined) return "(nil)";
    if (typeof reply === "number") return `(integer) ${reply}`;
    if (reply instanceof Error) return `(error) ${reply.message}`;
    if (Buffer.isBuffer(reply)) return JSON.stringify(reply.toString("utf8"));
    if (Array.isArray(reply)) {
        if (reply.length === 0) return "(empty array)";
        const width = String(reply.length).length;
        return reply
            .map((item, i) => {
                const label = `${String(i + 1).padStart(width)}) `;
                const inner = formatReply(item, indent + " ".repeat(label.length));
                return `${i === 0 ? "" : indent}${label}${inner}`;
            })
            .join("\n");
    }
    return typeof reply === "string" && /^[A-Z]+$/.test(reply) && reply.length < 8
        ? reply
        : JSON.stringify(String(reply));
}

/** Sends one command and returns what redis-cli would print; an error reply is printed, not thrown. */
export async function runCommand(client: Redis, args: readonly string[]): Promise<string> {
    if (args.length === 0) return "";
    try {
        return formatReply(await client.call(args[0], ...args.slice(1)));
    } catch (error) {
        return `(error) ${(error as Error).message}`;
    }
}

/** Reads commands from `input` until quit, exit or the end of input, printing each reply to `output`. */
export async function interactive(
    client: Redis,
    prompt: string,
    input: NodeJS.ReadableStream,
    output: NodeJS.WritableStream,
): Promise<void> {
    const terminal = readline.createInterface({
        input,
        output,
        prompt,
        terminal: (input as { isTTY?: boolean }).isTTY,
    });
    terminal.prompt();
    for await (const line of terminal) {
        let args: string[];
        try {
            args = parseCommandLine(line);
        } catch (error) {
            output.write(`(error) ${(error as Error).message}\n`);
            terminal.prompt();
            continue;
        }
        if (["quit", "exit"].includes(args[0]?.toLowerCase() ?? "")) break;
        if (args.length > 0) output.write(`${await runCommand(client, args)}\n`);
        terminal.prompt();
    }
    terminal.close();
}
