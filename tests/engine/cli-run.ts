/**
 * A command as a user types it, for the engine and commands tiers: run in a folder with the tier's environment
 * (the built CLI, language hosts and plugins on PATH, a file backend), its stdout and stderr kept together.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { engineWorld } from "./hooks";

export interface CliRun {
    readonly status: number | null;
    readonly output: string;
}

export function runIn(cwd: string, command: string, args: readonly string[], env?: NodeJS.ProcessEnv): CliRun {
    const result = spawnSync(command, args, {
        cwd,
        env: env ?? engineWorld().engine.env,
        encoding: "utf8",
        timeout: 900_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** `pulumi ARGS --stack STACK --non-interactive`, in `cwd`. */
export function pulumiIn(cwd: string, stack: string, ...args: string[]): CliRun {
    return runIn(cwd, "pulumi", [...args, "--stack", stack, "--non-interactive"]);
}

/** The run, once it exited 0; otherwise a failure showing the end of its output. */
export function succeeded(run: CliRun): CliRun {
    assert.strictEqual(run.status, 0, run.output.slice(-4000));
    return run;
}
