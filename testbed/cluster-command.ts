/**
 * `npm run cluster:up` and `npm run cluster:down`: a local Kubernetes control plane (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, KWOK with one node, and the node agent's stand-in Redis), on loopback only,
 * in DSM_CLUSTER_DIR (default ~/.cache/dsm-redis/cluster). See docs/testing.md, "The local cluster".
 */
import "../ops/lib/node-check";
import * as path from "path";
import { DEFAULT_CLUSTER_DIR, readState, startCluster, stopCluster } from "./cluster/local-cluster";
import { buildTools } from "./built-tools";
import { Command, CommandOutput, Flag, FlagValues, runCommandLine } from "../ops/lib/command-line";

const DIR_FLAG: Flag = {
    type: "string",
    value: "DIR",
    default: "$DSM_CLUSTER_DIR, else ~/.cache/dsm-redis/cluster",
    description: "The cluster's state folder: certificates, kubeconfig, data, logs and the PIDs.",
};

export const CLUSTER_COMMAND_LINES: Readonly<Record<"up" | "down", Command>> = {
    up: {
        name: "npm run cluster:up",
        summary:
            "Starts a local Kubernetes control plane on loopback (etcd, kube-apiserver, controller manager, scheduler, one KWOK node, the node agent's stand-in Redis), building its binaries first if need be (cold: about 15 minutes on 2 cores).",
        flags: { dir: DIR_FLAG },
        examples: ["npm run cluster:up", "npm run cluster:up -- --dir /tmp/my-cluster"],
    },
    down: {
        name: "npm run cluster:down",
        summary: "Stops every process of the local cluster by its PID and removes its folder.",
        flags: { dir: DIR_FLAG },
        examples: ["npm run cluster:down"],
    },
};

function clusterDir(flags: FlagValues): string {
    return path.resolve(
        typeof flags.dir === "string" ? flags.dir : (process.env.DSM_CLUSTER_DIR ?? DEFAULT_CLUSTER_DIR),
    );
}

async function up(flags: FlagValues, output: CommandOutput): Promise<number> {
    const dir = clusterDir(flags);
    output.progress("building or reusing the control plane's binaries (tools/build.sh cluster)");
    buildTools("cluster");
    output.progress(`starting the control plane in ${dir}`);
    const state = await startCluster(dir);
    const kubectl = path.join(state.bin.kubernetes, "kubectl");
    output.out(
        [
            `The local cluster is up in ${state.startSeconds.toFixed(1)} s: API server ${state.server}, one KWOK node.`,
            `Its kubeconfig: ${state.kubeconfig}`,
            "",
            `  export KUBECONFIG=${state.kubeconfig}`,
            `  export PATH=${path.dirname(kubectl)}:$PATH     # kubectl beside the control plane`,
            "  kubectl get nodes",
            "",
            `Pods labelled app=redis in ${state.redisNamespaces.join(", ")} are backed by a real redis-server on 127.0.0.1:${state.redisPort}.`,
            "Stop it with: npm run cluster:down",
            "",
        ].join("\n"),
    );
    return 0;
}

async function down(flags: FlagValues, output: CommandOutput): Promise<number> {
    const dir = clusterDir(flags);
    const state = readState(dir);
    await stopCluster(dir);
    output.out(state === undefined ? `No cluster in ${dir}.\n` : `Stopped the local cluster in ${dir}.\n`);
    return 0;
}

if (require.main === module) {
    const [command, ...argv] = process.argv.slice(2);
    if (command !== "up" && command !== "down") {
        process.stderr.write(
            "Usage: ts-node testbed/cluster-command.ts up|down [flags]; npm run cluster:up -- --help\n",
        );
        process.exitCode = 2;
    } else {
        runCommandLine(
            CLUSTER_COMMAND_LINES[command],
            ({ flags }, output) => (command === "up" ? up(flags, output) : down(flags, output)),
            (error, output) => {
                output.error(`${error instanceof Error ? error.message : String(error)}\n`);
                return 1;
            },
            argv,
        );
    }
}
