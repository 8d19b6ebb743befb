/**
 * The control plane's processes: each started detached in its own process group, its output in a log file, its PID
 * recorded, and stopped by that PID (the whole group), whatever happened to the process that started it.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";

export { freePort } from "../redis-server";

export interface Started {
    readonly name: string;
    readonly pid: number;
    readonly log: string;
}

/** Starts a program detached, with stdout and stderr appended to `<logDir>/<name>.log`. */
export function startProcess(
    name: string,
    command: string,
    args: readonly string[],
    logDir: string,
    env: NodeJS.ProcessEnv = process.env,
): Started {
    const log = path.join(logDir, `${name}.log`);
    const out = fs.openSync(log, "a");
    const child = spawn(command, args, { detached: true, stdio: ["ignore", out, out], env });
    fs.closeSync(out);
    if (child.pid === undefined) throw new Error(`${name} did not start: ${command}`);
    child.unref();
    return { name, pid: child.pid, log };
}

/** A container's process as the node agent runs it: resolves `exited` once it has exited and its log is flushed. */
export interface ContainerProcess {
    readonly process: ChildProcess;
    readonly exited: Promise<void>;
}

/**
 * Starts a container's process with its output written to `logFile` as the kubelet writes it, CRI format (RFC 3339
 * time, stream, F for a full line, the text), which KWOK serves to `kubectl logs`.
 */
export function spawnWithCriLog(
    command: string,
    args: readonly string[],
    options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv },
    logFile: string,
    flags: "a" | "w",
): ContainerProcess {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    const log = fs.createWriteStream(logFile, { flags });
    for (const [stream, tag] of [
        [child.stdout, "stdout"],
        [child.stderr, "stderr"],
    ] as const) {
        readline.createInterface({ input: stream }).on("line", (line) => {
            log.write(`${new Date().toISOString()} ${tag} F ${line}\n`);
        });
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => log.end(() => resolve())));
    return { process: child, exited };
}

export function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Stops a process group started by startProcess: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(pid: number, graceMs = 5000): Promise<void> {
    const signal = (s: NodeJS.Signals) => {
        try {
            process.kill(-pid, s);
        } catch {
            // Already gone.
        }
    };
    signal("SIGTERM");
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await pause(50);
    if (isAlive(pid)) signal("SIGKILL");
    while (isAlive(pid)) await pause(20);
    // What the process started after the group was signalled (the node agent restarting a server as it stopped)
    // is in the group still: nothing of it outlives the stop.
    signal("SIGKILL");
}

/**
 * Polls `ready` until it resolves true, failing with the process's log tail when the process dies or the time is up.
 * Each poll asks the process itself (a health endpoint), so the wait ends as soon as it is ready.
 */
export async function waitUntilReady(
    started: Started,
    ready: () => Promise<boolean>,
    timeoutMs: number,
): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await ready().catch(() => false)) return;
        const tail = () => fs.readFileSync(started.log, "utf8").split("\n").slice(-15).join("\n");
        if (!isAlive(started.pid)) throw new Error(`${started.name} exited while starting; its log ends:\n${tail()}`);
        if (Date.now() > deadline) {
            throw new Error(`${started.name} was not ready within ${timeoutMs / 1000} s; its log ends:\n${tail()}`);
        }
        await pause(100);
    }
}
