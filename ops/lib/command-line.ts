/**
 * The one command-line parser of the operator commands (npm run preview, deploy, destroy, verify, cli, backup,
 * restore, dead-letters, check-policies, bench, cluster:*, local), so that they all behave like the tools people know:
 *
 * - flags as `--flag value` or `--flag=value` (node:util parseArgs), an unknown flag refused with the list of known
 *   ones, a flag without its value an error;
 * - `--help` / `-h`: usage with every flag, its default and an example, on stdout, exit 0;
 * - errors on stderr; exit 2 for a usage error or a refusal before anything ran, 1 for a failed operation;
 * - progress (what takes more than a moment) on stderr, only to a terminal and never with `--quiet`.
 */
import { parseArgs } from "node:util";

export interface Flag {
    readonly type: "string" | "boolean";
    readonly short?: string;
    /** The value's name in usage: `NAME`, `FILE`. */
    readonly value?: string;
    /** The default as usage shows it; absent for a boolean (false) or a flag with none. */
    readonly default?: string;
    readonly description: string;
}

export interface Command {
    /** How it is run: `npm run verify`. */
    readonly name: string;
    /** One sentence: what it does. */
    readonly summary: string;
    readonly flags: Readonly<Record<string, Flag>>;
    /** The operands in usage (`FILE`, `[COMMAND [ARG…]]`), and their meaning; absent when it takes none. */
    readonly operands?: {
        readonly usage: string;
        readonly description: string;
        readonly min: number;
        readonly max: number;
    };
    /**
     * The operands are a command line of their own (npm run cli's Redis command): flags are read only before the
     * first operand, and everything from it on is passed through as it is, `-h` included.
     */
    readonly operandsTakeTheRest?: boolean;
    readonly examples: readonly string[];
}

/** A command line that cannot be run as given: exit 2, with the reason and where to find the usage. */
export class UsageError extends Error {
    override readonly name = "UsageError";
}

export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

export interface CommandLine {
    readonly flags: FlagValues;
    readonly operands: readonly string[];
}

/** The flags every command takes. */
export const HELP_FLAG: Flag = { type: "boolean", short: "h", description: "Print this help and exit." };
export const QUIET_FLAG: Flag = {
    type: "boolean",
    short: "q",
    description: "No progress on stderr (there is none when stderr is not a terminal either).",
};
export const JSON_FLAG: Flag = {
    type: "boolean",
    description: "Print the result as JSON on stdout, and nothing else.",
};

/** `--flag VALUE` as usage shows it. */
function flagForm(name: string, flag: Flag): string {
    const long = flag.type === "string" ? `--${name} ${flag.value ?? "VALUE"}` : `--${name}`;
    return flag.short === undefined ? long : `-${flag.short}, ${long}`;
}

function allFlags(command: Command): Readonly<Record<string, Flag>> {
    return { ...command.flags, quiet: QUIET_FLAG, help: HELP_FLAG };
}

/** The help text: usage line, summary, operands, every flag with its default, and examples. */
export function usage(command: Command): string {
    const flags = allFlags(command);
    const forms = Object.entries(flags).map(([name, flag]) => [flagForm(name, flag), flag] as const);
    const width = Math.max(...forms.map(([form]) => form.length));
    const operands = command.operands === undefined ? "" : ` ${command.operands.usage}`;
    return [
        `Usage: ${command.name} -- [flags]${operands}`,
        "",
        command.summary,
        ...(command.operands === undefined ? [] : ["", `  ${command.operands.usage}  ${command.operands.description}`]),
        "",
        "Flags:",
        ...forms.map(([form, flag]) => {
            const shownDefault = flag.default === undefined ? "" : ` (default: ${flag.default})`;
            return `  ${form.padEnd(width)}  ${flag.description}${shownDefault}`;
        }),
        "",
        "Examples:",
        ...command.examples.map((e) => `  ${e}`),
        "",
    ].join("\n");
}

/** The known flags, for a refusal: `--stack NAME, --json, --quiet, --help`. */
function knownFlags(command: Command): string {
    return Object.entries(allFlags(command))
        .map(([name, flag]) => (flag.type === "string" ? `--${name} ${flag.value ?? "VALUE"}` : `--${name}`))
        .join(", ");
}

/** Where the flags end: at the first operand when the operands are a command line of their own. */
function flagPart(command: Command, argv: readonly string[]): number {
    if (command.operandsTakeTheRest !== true) return argv.length;
    const flags = allFlags(command);
    for (let i = 0; i < argv.length; i++) {
        const token = argv[i];
        if (token === "--") return i;
        if (!token.startsWith("-")) return i;
        const name = token.startsWith("--")
            ? token.slice(2).split("=")[0]
            : Object.keys(flags).find((n) => flags[n].short === token.slice(1));
        const flag = name === undefined ? undefined : flags[name];
        // A string flag's value is the next token, unless given as --flag=value.
        if (flag?.type === "string" && !token.includes("=")) i++;
    }
    return argv.length;
}

/** The flags and operands of `argv`, or "help"; throws UsageError naming what is wrong. */
export function readCommandLine(command: Command, argv: readonly string[]): CommandLine | "help" {
    const end = flagPart(command, argv);
    const flags = allFlags(command);
    let parsed: ReturnType<typeof parseArgs>;
    try {
        parsed = parseArgs({
            args: [...argv.slice(0, end)],
            options: Object.fromEntries(
                Object.entries(flags).map(([name, flag]) => [
                    name,
                    flag.short === undefined ? { type: flag.type } : { type: flag.type, short: flag.short },
                ]),
            ),
            strict: true,
            allowPositionals: true,
        });
    } catch (error) {
        throw usageErrorOf(command, error);
    }
    if (parsed.values.help === true) return "help";
    for (const [name, value] of Object.entries(parsed.values)) {
        if (value === "")
            throw new UsageError(`--${name} needs a value: ${flagForm(name, flags[name]).replace(/^-\w, /, "")}`);
    }
    const rest = argv.slice(end);
    const operands = [...parsed.positionals, ...(rest[0] === "--" ? rest.slice(1) : rest)];
    const range = command.operands ?? { usage: "", min: 0, max: 0 };
    if (operands.length < range.min) throw new UsageError(`${command.name} needs ${range.usage}`);
    if (operands.length > range.max) {
        throw new UsageError(
            range.max === 0
                ? `${command.name} takes no operands; got ${JSON.stringify(operands[0])}`
                : `${command.name} takes ${range.usage}; got also ${JSON.stringify(operands[range.max])}`,
        );
    }
    // parseArgs's values have no prototype; a plain object prints and compares as one.
    return { flags: { ...parsed.values } as FlagValues, operands };
}

/** node:util's parse errors in the words of this command: the flag, what it needs, and the flags there are. */
function usageErrorOf(command: Command, error: unknown): Error {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? "";
    const name = flag.replace(/^-+/, "").split("=")[0];
    const known = allFlags(command)[name] ?? Object.values(allFlags(command)).find((f) => f.short === name);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
        return new UsageError(`unknown flag ${flag}; the flags are: ${knownFlags(command)}`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && known?.type === "string") {
        return new UsageError(`${flag} needs a value: ${flagForm(name, known).replace(/^-\w, /, "")} (or --${name}=…)`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") return new UsageError(`${flag} takes no value`);
    return error instanceof Error ? error : new Error(message);
}

/** Where a command writes: its result on stdout, progress and errors on stderr. */
export interface CommandOutput {
    /** The result: stdout. */
    readonly out: (text: string) => void;
    /** Errors and refusals: stderr, always. */
    readonly error: (text: string) => void;
    /** Progress: stderr, only to a terminal and without --quiet; a line each. */
    readonly progress: (line: string) => void;
}

export function terminalOutput(quiet: boolean): CommandOutput {
    const showProgress = !quiet && process.stderr.isTTY === true;
    return {
        out: (text) => void process.stdout.write(text),
        error: (text) => void process.stderr.write(text),
        progress: (line) => {
            if (showProgress) process.stderr.write(`${line}\n`);
        },
    };
}

/**
 * Runs a command's main with its parsed command line: `--help` prints usage (exit 0), a usage error (from the parser
 * or thrown by main) its reason and the way to the usage (exit 2); otherwise the exit code is main's, or
 * `onFailure`'s for what it throws.
 */
export function runCommandLine(
    command: Command,
    main: (line: CommandLine, output: CommandOutput) => Promise<number>,
    onFailure: (error: unknown, output: CommandOutput) => number,
    argv: readonly string[] = process.argv.slice(2),
): void {
    const refuse = (error: UsageError) => {
        process.stderr.write(`${command.name}: ${error.message}\nRun \`${command.name} -- --help\` for its usage.\n`);
        return 2;
    };
    let line: CommandLine | "help";
    try {
        line = readCommandLine(command, argv);
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        process.exitCode = refuse(error);
        return;
    }
    if (line === "help") {
        process.stdout.write(usage(command));
        process.exitCode = 0;
        return;
    }
    const output = terminalOutput(line.flags.quiet === true);
    main(line, output).then(
        (code) => (process.exitCode = code),
        // A usage error found once the values are read (an operand out of its set, a malformed address) reads as one
        // found by the parser.
        (error: unknown) => (process.exitCode = error instanceof UsageError ? refuse(error) : onFailure(error, output)),
    );
}
