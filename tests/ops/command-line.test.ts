/**
 * The operator commands behave like one command-line tool (ops/lib/command-line.ts): the parser on its own, then a
 * table that runs every command as a process, as `npm run` does, with --help, an unknown flag and a missing value.
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BENCH_COMMAND } from "../../bench/main";
import { BACKUP_COMMAND } from "../../ops/backup";
import { CHECK_POLICIES_COMMAND } from "../../ops/check-policies";
import { CLI_COMMAND } from "../../ops/cli";
import { DEAD_LETTERS_COMMAND } from "../../ops/dead-letters";
import { Command, CommandLine, UsageError, readCommandLine, usage } from "../../ops/lib/command-line";
import { REPO_ROOT } from "../../ops/lib/repo-root";
import { STACK_COMMAND_LINES } from "../../ops/lib/stack-command";
import { RESTORE_COMMAND } from "../../ops/restore";
import { VERIFY_COMMAND } from "../../ops/verify";
import { CLUSTER_COMMAND_LINES } from "../../testbed/cluster-command";
import { LOCAL_COMMAND } from "../../testbed/local";

/** Every operator command: its npm script, the file and leading arguments the script runs, and its command line. */
const COMMANDS: readonly { script: string; file: string; leading: string[]; command: Command }[] = [
    { script: "preview", file: "ops/stack.ts", leading: ["preview"], command: STACK_COMMAND_LINES.preview },
    { script: "deploy", file: "ops/stack.ts", leading: ["deploy"], command: STACK_COMMAND_LINES.deploy },
    { script: "destroy", file: "ops/stack.ts", leading: ["destroy"], command: STACK_COMMAND_LINES.destroy },
    { script: "verify", file: "ops/verify.ts", leading: [], command: VERIFY_COMMAND },
    { script: "cli", file: "ops/cli.ts", leading: [], command: CLI_COMMAND },
    { script: "backup", file: "ops/backup.ts", leading: [], command: BACKUP_COMMAND },
    { script: "restore", file: "ops/restore.ts", leading: [], command: RESTORE_COMMAND },
    { script: "dead-letters", file: "ops/dead-letters.ts", leading: [], command: DEAD_LETTERS_COMMAND },
    { script: "check-policies", file: "ops/check-policies.ts", leading: [], command: CHECK_POLICIES_COMMAND },
    { script: "bench", file: "bench/main.ts", leading: [], command: BENCH_COMMAND },
    { script: "cluster:up", file: "testbed/cluster-command.ts", leading: ["up"], command: CLUSTER_COMMAND_LINES.up },
    {
        script: "cluster:down",
        file: "testbed/cluster-command.ts",
        leading: ["down"],
        command: CLUSTER_COMMAND_LINES.down,
    },
    { script: "local", file: "testbed/local.ts", leading: [], command: LOCAL_COMMAND },
];

const parsed = (command: Command, argv: string[]) => readCommandLine(command, argv) as CommandLine;

interface Run {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs a command as its npm script does (ts-node, in the repository), stdin closed, stdout and stderr apart. */
function run(file: string, args: readonly string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", file, ...args], {
            cwd: REPO_ROOT,
            stdio: ["ignore", "pipe", "pipe"],
            // No stack, no cluster, no CLI: whatever the machine has, a usage error must come before any of them.
            env: {
                ...process.env,
                DSM_STACK: "no-such-stack",
                KUBECONFIG: "/nonexistent",
                PATH: path.dirname(process.execPath),
            },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.once("error", reject);
        child.once("close", (status) => resolve({ status, stdout, stderr }));
    });
}

describe("the operator command line", function () {
    this.timeout(180_000);

    describe("the parser", () => {
        const verify = VERIFY_COMMAND;

        it("takes --flag value and --flag=value alike", () => {
            assert.deepStrictEqual(parsed(verify, ["--stack", "prod"]).flags.stack, "prod");
            assert.deepStrictEqual(parsed(verify, ["--stack=prod"]).flags.stack, "prod");
            assert.deepStrictEqual(parsed(verify, ["--json", "--stack=a=b"]).flags, { json: true, stack: "a=b" });
        });

        it("refuses an unknown flag, listing the known ones", () => {
            assert.throws(
                () => readCommandLine(verify, ["--stak", "prod"]),
                (e: Error) =>
                    e instanceof UsageError &&
                    e.message === "unknown flag --stak; the flags are: --stack NAME, --json, --quiet, --help",
            );
        });

        it("refuses a flag without its value: at the end, before another flag, or empty", () => {
            for (const argv of [["--stack"], ["--stack", "--json"], ["--stack="]]) {
                assert.throws(() => readCommandLine(verify, argv), /^UsageError: --stack needs a value: --stack NAME/);
            }
            assert.throws(() => readCommandLine(verify, ["--json=yes"]), /--json takes no value/);
        });

        it("answers --help and -h, wherever they are among the flags", () => {
            for (const argv of [["--help"], ["-h"], ["--stack", "prod", "-h"]]) {
                assert.strictEqual(readCommandLine(verify, argv), "help");
            }
        });

        it("counts operands: none where a command takes none, one FILE for restore", () => {
            assert.throws(() => readCommandLine(verify, ["prod"]), /npm run verify takes no operands; got "prod"/);
            assert.throws(() => readCommandLine(RESTORE_COMMAND, []), /npm run restore needs FILE/);
            assert.deepStrictEqual(parsed(RESTORE_COMMAND, ["b.json", "--force"]).operands, ["b.json"]);
            assert.throws(() => readCommandLine(RESTORE_COMMAND, ["a", "b"]), /takes FILE; got also "b"/);
        });

        it("passes a command line of its own through: npm run cli's flags end at the Redis command", () => {
            const line = parsed(CLI_COMMAND, ["--user=audit", "XADD", "s", "*", "-h", "--stack", "x"]);
            assert.deepStrictEqual(line.operands, ["XADD", "s", "*", "-h", "--stack", "x"]);
            assert.deepStrictEqual(line.flags, { user: "audit" });
            assert.deepStrictEqual(parsed(CLI_COMMAND, ["--", "--not-a-flag"]).operands, ["--not-a-flag"]);
            assert.strictEqual(readCommandLine(CLI_COMMAND, ["-h"]), "help");
        });

        it("shows every flag with its default, and an example, in the usage", () => {
            const text = usage(BACKUP_COMMAND);
            assert.match(text, /^Usage: npm run backup -- \[flags\]\n/);
            assert.match(text, /--stack NAME +The stack: .*\(default: \$DSM_STACK, else dev\)/);
            assert.match(text, /--out FILE +The file to write\. \(default: dsm-redis-<stack>-<time>\.backup\.json\)/);
            assert.match(text, /-q, --quiet/);
            assert.match(text, /Examples:\n {2}npm run backup\n/);
        });
    });

    describe("every command, run as a process", () => {
        it("is in the table when package.json runs it, as its script runs it", () => {
            const scripts = (
                JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
                    scripts: Record<string, string>;
                }
            ).scripts;
            const entries = Object.keys(scripts).filter((s) => /ts-node .*\b(ops|bench|testbed)\//.test(scripts[s]));
            assert.deepStrictEqual(entries.sort(), COMMANDS.map((c) => c.script).sort());
            for (const { script, file, leading } of COMMANDS) {
                assert.strictEqual(scripts[script], ["ts-node --transpile-only", file, ...leading].join(" "), script);
            }
        });

        // Three runs per command, each a ts-node start of seconds: all queued at once, run three at a time.
        const results = new Map<string, Promise<Run>>();
        const queue: (() => void)[] = [];
        let running = 0;
        const next = () => {
            while (running < 3 && queue.length > 0) {
                running++;
                queue.shift()!();
            }
        };
        const runOnce = (file: string, args: string[]) => {
            const key = JSON.stringify([file, args]);
            if (!results.has(key)) {
                results.set(
                    key,
                    new Promise<Run>((resolve, reject) => {
                        queue.push(() =>
                            run(file, args)
                                .then(resolve, reject)
                                .finally(() => {
                                    running--;
                                    next();
                                }),
                        );
                        next();
                    }),
                );
            }
            return results.get(key)!;
        };
        before(() => {
            for (const { file, leading, command } of COMMANDS) {
                const valueFlag = Object.entries(command.flags).find(([, f]) => f.type === "string")?.[0];
                void runOnce(file, [...leading, "--help"]);
                void runOnce(file, [...leading, "--no-such-flag"]);
                if (valueFlag !== undefined) void runOnce(file, [...leading, `--${valueFlag}`]);
            }
        });

        for (const { script, file, leading, command } of COMMANDS) {
            const valueFlag = Object.entries(command.flags).find(([, f]) => f.type === "string")?.[0];

            it(`npm run ${script} -- --help: the usage on stdout, exit 0`, async () => {
                const help = await runOnce(file, [...leading, "--help"]);
                assert.deepStrictEqual([help.status, help.stderr], [0, ""]);
                assert.strictEqual(help.stdout, usage(command));
            });

            it(`npm run ${script} -- --no-such-flag: refused on stderr with the known flags, exit 2`, async () => {
                const unknown = await runOnce(file, [...leading, "--no-such-flag"]);
                assert.deepStrictEqual([unknown.status, unknown.stdout], [2, ""], unknown.stderr);
                assert.match(unknown.stderr, /unknown flag --no-such-flag; the flags are: .*--help\n/);
                assert.match(unknown.stderr, new RegExp(`Run \`${command.name} -- --help\` for its usage`));
            });

            it(`npm run ${script} -- --FLAG without a value: refused on stderr, exit 2`, async function () {
                if (valueFlag === undefined) {
                    // Nothing to leave out: the command has no flag that takes a value.
                    assert.ok(Object.values(command.flags).every((f) => f.type === "boolean"));
                    return;
                }
                const missing = await runOnce(file, [...leading, `--${valueFlag}`]);
                assert.deepStrictEqual([missing.status, missing.stdout], [2, ""], missing.stderr);
                assert.match(missing.stderr, new RegExp(`--${valueFlag} needs a value`));
            });
        }
    });
});
