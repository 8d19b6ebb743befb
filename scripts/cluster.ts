/**
 * `npm run cluster:up` and `npm run cluster:down`: a local Kubernetes control plane (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, KWOK with one node, and the node agent's stand-in Redis), on loopback only,
 * in DSM_CLUSTER_DIR (default ~/.cache/dsm-redis/cluster). See docs/testing.md, "The local cluster".
 */
import "./lib/require-node";
import * as path from "path";
import { DEFAULT_CLUSTER_DIR, readState, startCluster, stopCluster } from "./lib/cluster/local-cluster";

async function main(): Promise<number> {
    const [command] = process.argv.slice(2);
    const dir = path.resolve(process.env.DSM_CLUSTER_DIR ?? DEFAULT_CLUSTER_DIR);
    if (command === "up") {
        const state = await startCluster(dir);
        const kubectl = path.join(state.bin.kubernetes, "kubectl");
        process.stdout.write(
            [
                `The local cluster is up in ${state.startSeconds.toFixed(1)} s: API server ${state.server}, one KWOK node.`,
                `Its kubeconfig: ${state.kubeconfig}`,
                "",
                `  export KUBECONFIG=${state.kubeconfig}`,
                `  export PATH=${path.dirname(kubectl)}:$PATH     # kubectl ${"v1.37"} beside the control plane`,
                "  kubectl get nodes",
                "",
                `Pods labelled app=redis in ${state.redisNamespaces.join(", ")} are backed by a real redis-server on 127.0.0.1:${state.redisPort}.`,
                "Stop it with: npm run cluster:down",
                "",
            ].join("\n"),
        );
        return 0;
    }
    if (command === "down") {
        const state = readState(dir);
        await stopCluster(dir);
        process.stdout.write(
            state === undefined ? `No cluster in ${dir}.\n` : `Stopped the local cluster in ${dir}.\n`,
        );
        return 0;
    }
    process.stderr.write("Usage: ts-node scripts/cluster.ts up|down\n");
    return 2;
}

main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
    },
);
