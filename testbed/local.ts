/**
 * `npm run local [-- up]`: the main job on this machine alone, for a newcomer with no cluster and no Pulumi CLI. It
 * builds (or reuses) the tools, starts a local control plane, runs `pulumi up --policy-pack policy` on a local file
 * backend with a passphrase it generates and keeps outside the repository, runs `npm run verify`, and prints how to
 * reach the bus. `npm run local -- down` destroys the stack and stops the cluster; `-- env` prints the environment
 * the other commands (`npm run cli`, `verify`, `pulumi`) need to reach it.
 *
 * It only ever talks to its own cluster: every command it runs gets the local cluster's kubeconfig, whatever the
 * shell's KUBECONFIG says. Its state is in DSM_LOCAL_DIR (default ~/.cache/dsm-redis/local).
 */
import "../ops/lib/node-check";
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { readState, startCluster, stopCluster } from "./cluster/local-cluster";
import { isAlive } from "./cluster/processes";
import { LocalEngine, prepareEngine } from "./local-engine";
import { buildTools } from "./built-tools";
import { REPO_ROOT } from "../ops/lib/repo-root";
import { Command, UsageError, runCommandLine } from "../ops/lib/command-line";

/** The stack `npm run local` deploys; its stack file is Pulumi.local.yaml (ignored by git). */
export const LOCAL_STACK = "local";

const home = path.resolve(
    process.env.DSM_LOCAL_DIR ?? path.join(process.env.HOME ?? "/tmp", ".cache", "dsm-redis", "local"),
);
const clusterDir = path.join(home, "cluster");
const write = (text: string) => void process.stderr.write(text);

/** The local cluster's state, when its processes still run. */
function runningCluster() {
    const state = readState(clusterDir);
    return state !== undefined && state.processes.every((p) => isAlive(p.pid)) ? state : undefined;
}

/** Generated once, mode 600, outside the repository: it encrypts the local stack's secrets. */
function passphrase(): string {
    const file = path.join(home, "passphrase");
    if (!fs.existsSync(file)) {
        fs.mkdirSync(home, { recursive: true });
        fs.writeFileSync(file, randomBytes(24).toString("hex"), { mode: 0o600 });
    }
    return fs.readFileSync(file, "utf8").trim();
}

function engineFor(kubeconfig: string): LocalEngine {
    return prepareEngine(path.join(home, "engine"), kubeconfig, passphrase());
}

/** Runs a command in the repository with the local engine's environment, its output streamed; fails on non-zero. */
function run(engine: LocalEngine, command: string, args: readonly string[], allowFailure = false): number {
    write(`\n$ ${[command, ...args].join(" ")}\n`);
    const result = spawnSync(command, args, {
        cwd: REPO_ROOT,
        env: engine.env,
        stdio: ["ignore", "inherit", "inherit"],
    });
    const status = result.status ?? 1;
    if (status !== 0 && !allowFailure) throw new Error(`\`${[command, ...args].join(" ")}\` failed (exit ${status})`);
    return status;
}

/** The export lines for a shell: `eval "$(npm run --silent local -- env)"`. */
function envLines(engine: LocalEngine): string {
    const keys = ["PATH", "KUBECONFIG", "PULUMI_HOME", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"] as const;
    const lines = keys.map((k) => `export ${k}='${engine.env[k] ?? ""}'`);
    return [...lines, "export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true", ""].join(
        "\n",
    );
}

async function up(): Promise<void> {
    write(
        "npm run local: building or reusing the tools (Pulumi CLI, language host, plugins, control plane) into\n" +
            "~/.cache/dsm-redis/tools. Cold, on 2 cores, that takes about 30 to 45 minutes, once; warm, seconds.\n",
    );
    buildTools("cluster", "engine");
    const running = runningCluster();
    if (running === undefined) await stopCluster(clusterDir); // what a crash left behind
    const cluster = running ?? (await startCluster(clusterDir));
    write(
        `The local cluster is ${running ? "already up" : `up in ${cluster.startSeconds.toFixed(1)} s`}: ${cluster.server}\n`,
    );
    const engine = engineFor(cluster.kubeconfig);
    run(engine, "pulumi", ["stack", "select", "--create", LOCAL_STACK, "--non-interactive"]);
    run(engine, "pulumi", ["up", "--yes", "--stack", LOCAL_STACK, "--policy-pack", "policy", "--non-interactive"]);
    run(engine, "npm", ["run", "--silent", "verify", "--", "--stack", LOCAL_STACK]);
    process.stdout.write(
        [
            "",
            `The bus runs on the local cluster (stack ${LOCAL_STACK}). To reach it from this shell:`,
            "",
            '  eval "$(npm run --silent local -- env)"',
            `  npm run cli -- --stack ${LOCAL_STACK}              # a redis-cli-like session, as dsm-admin`,
            `  npm run cli -- --stack ${LOCAL_STACK} XINFO GROUPS dsm:events`,
            "  kubectl get pods -n dsm",
            "",
            "When done: npm run local -- down",
            "",
        ].join("\n"),
    );
}

async function down(): Promise<void> {
    const cluster = readState(clusterDir);
    if (cluster === undefined) {
        process.stdout.write(`No local cluster in ${clusterDir}: nothing to stop.\n`);
        return;
    }
    const engine = engineFor(cluster.kubeconfig);
    // The cluster goes with it, so the data goes too: nothing is kept for a later deploy.
    run(engine, "pulumi", ["destroy", "--yes", "--stack", LOCAL_STACK, "--non-interactive"], true);
    run(engine, "pulumi", ["stack", "rm", "--yes", "--force", "--stack", LOCAL_STACK, "--non-interactive"], true);
    await stopCluster(clusterDir);
    process.stdout.write(`Destroyed stack ${LOCAL_STACK} and stopped the local cluster in ${clusterDir}.\n`);
}

export const LOCAL_COMMAND: Command = {
    name: "npm run local",
    summary:
        "The main job on this machine alone: builds or reuses the tools, starts a local control plane, deploys the bus with the policy pack on a local backend, and verifies it. `down` destroys it and stops the cluster; `env` prints the shell variables that reach it. State in $DSM_LOCAL_DIR, else ~/.cache/dsm-redis/local.",
    flags: {},
    operands: { usage: "[up | down | env]", description: "What to do (default: up).", min: 0, max: 1 },
    examples: ["npm run local", 'eval "$(npm run --silent local -- env)"', "npm run local -- down"],
};

if (require.main === module) {
    runCommandLine(
        LOCAL_COMMAND,
        async ({ operands }) => {
            const [command = "up"] = operands;
            if (!["up", "down", "env"].includes(command)) {
                throw new UsageError(`npm run local takes up, down or env; got ${JSON.stringify(command)}`);
            }
            if (command === "env") {
                const cluster = runningCluster();
                if (cluster === undefined) {
                    process.stderr.write("The local cluster is not up: run npm run local first.\n");
                    return 2;
                }
                process.stdout.write(envLines(engineFor(cluster.kubeconfig)));
                return 0;
            }
            await (command === "up" ? up() : down());
            return 0;
        },
        (error, output) => {
            output.error(`npm run local: ${error instanceof Error ? error.message : String(error)}\n`);
            return 1;
        },
    );
}
