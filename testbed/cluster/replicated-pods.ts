/**
 * The node agent's stand-in container runtime for a replicated bus (`replicas` 3 or more), a test fixture named as
 * such in README. For each running pod of StatefulSet `redis-node` in the Redis namespaces it runs the pod's `redis`
 * and `sentinel` containers as real processes (redis-server and redis-sentinel, started by the pod's own start
 * scripts from ConfigMap `redis-replication`); for the newest running pod of the proxy (Deployment `redis`, container
 * `proxy`) it runs HAProxy with the pod's haproxy.cfg. The metrics exporter beside each node is not run.
 *
 * What stands in for what a cluster has and this machine does not:
 * - **Pod IPs and cluster DNS.** Node n runs at its own loopback address (the cluster's `replicated.addresses`), on
 *   the cluster's node and Sentinel ports; every mention of a node's DNS name, and of ports 6379 and 26379, in the
 *   mounted ConfigMap files, the environment and the command is rewritten to that address and those ports. So what
 *   the nodes and Sentinels announce are real addresses, as pod IPs are.
 * - **Mounts**, as for Jobs (job-runner.ts): ConfigMap and Secret volumes written to folders, the claim the folder of
 *   its volume, an emptyDir a folder of the pod's.
 * - **Service `redis`.** KWOK forwards the proxy pod's port 6379 to the cluster's Redis port, where HAProxy listens;
 *   each node pod's port 6379 goes to that node's own server (KWOK PortForward by pod name).
 * - **The kubelet's restarts.** A container whose process exits is started again on the next pass, unless its pod is
 *   marked lost (a file `lost` in its folder: a node that died takes the pod's processes with it, until it returns).
 *   preStop hooks are not run: tests run the switchover script themselves (`switchoverCommand`).
 */
import type * as K8s from "@kubernetes/client-node";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import { NODE_SELECTOR, REDIS_SELECTOR, nodeHosts } from "../../components/builders/object-names";
import { SENTINEL_PORT } from "../../components/render/replication";
import { containerEnvironment, localizePaths, writePodVolumes } from "./job-runner";
import type { ClusterState } from "./local-cluster";

/** The containers of a node pod that run here. */
export const NODE_CONTAINERS = ["redis", "sentinel"] as const;
export type NodeContainer = (typeof NODE_CONTAINERS)[number];

/** The folder of a node pod's files, processes' PID files and logs. */
export function nodePodDir(clusterDir: string, pod: string): string {
    return path.join(clusterDir, "replicated", pod);
}

/** The PID file of a container of a node pod, while it runs. */
export function containerPidFile(clusterDir: string, pod: string, container: NodeContainer): string {
    return path.join(nodePodDir(clusterDir, pod), `${container}.pid`);
}

/** The log of a container of a node pod, in CRI format, which KWOK serves to `kubectl logs` (local-cluster.ts). */
export function containerLogFile(clusterDir: string, pod: string, container: string): string {
    return path.join(nodePodDir(clusterDir, pod), `${container}.log`);
}

/** Present while the pod's node is lost: its processes are stopped and not restarted. */
export function lostMarker(clusterDir: string, pod: string): string {
    return path.join(nodePodDir(clusterDir, pod), "lost");
}

/** The command and environment the pod's preStop hook would run, written at the redis container's start. */
export function switchoverCommand(clusterDir: string, pod: string): { command: string[]; env: NodeJS.ProcessEnv } {
    return JSON.parse(fs.readFileSync(path.join(nodePodDir(clusterDir, pod), "prestop.json"), "utf8"));
}

interface Run {
    readonly process: ChildProcess;
    readonly exited: Promise<void>;
}

const selector = (labels: Readonly<Record<string, string>>) =>
    Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");

const isRunning = (pod: K8s.V1Pod) => pod.status?.phase === "Running" && pod.metadata?.deletionTimestamp === undefined;

export class ReplicatedPods {
    /** By pod name and container: the pod's uid and the process. */
    private readonly runs = new Map<string, { uid: string; containers: Map<NodeContainer, Run> }>();
    private proxy: { uid: string; namespace: string; run: Run } | undefined;
    /** Set by stop: a pass still under way starts nothing more. */
    private stopped = false;

    constructor(
        private readonly dir: string,
        private readonly state: ClusterState,
        private readonly core: K8s.CoreV1Api,
    ) {}

    /** Each pass: the node pods' containers, then the proxy. */
    async reconcile(): Promise<void> {
        const pods = await this.list(selector(NODE_SELECTOR));
        const running = pods.filter(isRunning);
        for (const [name, run] of this.runs) {
            if (!running.some((p) => p.metadata?.name === name && p.metadata.uid === run.uid)) await this.stopPod(name);
        }
        for (const pod of running) await this.reconcileNode(pod);
        await this.reconcileProxy();
    }

    async stop(): Promise<void> {
        this.stopped = true;
        for (const name of [...this.runs.keys()]) await this.stopPod(name);
        await this.stopProxy();
    }

    /** Where Service `redis` leads while the proxy runs: for Jobs' pods, which address the bus by it. */
    serviceEndpoint(): { namespace: string; port: number } | undefined {
        return this.proxy && { namespace: this.proxy.namespace, port: this.state.redisPort };
    }

    /** Whether a proxy pod runs here: the node agent's single Redis then leaves the Redis port to it. */
    static isProxyPod(pod: K8s.V1Pod): boolean {
        return pod.spec?.containers?.[0]?.name === "proxy";
    }

    private async list(labelSelector: string): Promise<K8s.V1Pod[]> {
        const lists = await Promise.all(
            this.state.redisNamespaces.map((namespace) =>
                this.core.listNamespacedPod({ namespace, labelSelector }).catch(() => ({ items: [] })),
            ),
        );
        return lists.flatMap((list) => list.items);
    }

    private async reconcileNode(pod: K8s.V1Pod): Promise<void> {
        const name = pod.metadata?.name ?? "";
        const uid = pod.metadata?.uid ?? "";
        const run = this.runs.get(name) ?? { uid, containers: new Map<NodeContainer, Run>() };
        this.runs.set(name, run);
        if (fs.existsSync(lostMarker(this.dir, name))) {
            await this.stopContainers(run.containers, "SIGKILL");
            return;
        }
        for (const container of NODE_CONTAINERS) {
            if (!run.containers.has(container)) await this.startNodeContainer(pod, container, run.containers);
        }
    }

    /** Rewrites what differs here: the nodes' DNS names to their addresses, the ports to the cluster's. */
    private localizer(namespace: string): (text: string) => string {
        const { addresses, redisPort, sentinelPort } = this.state.replicated;
        const hosts = nodeHosts(addresses.length, namespace);
        return (text) => {
            let result = text;
            hosts.forEach((host, ordinal) => (result = result.split(host).join(addresses[ordinal])));
            return result.replace(/\b(2?6379)\b/g, (port) =>
                port === String(SENTINEL_PORT) ? String(sentinelPort) : String(redisPort),
            );
        };
    }

    private async startNodeContainer(
        pod: K8s.V1Pod,
        name: NodeContainer,
        containers: Map<NodeContainer, Run>,
    ): Promise<void> {
        const podName = pod.metadata?.name ?? "";
        const namespace = pod.metadata?.namespace ?? "";
        const container = pod.spec?.containers?.find((c) => c.name === name);
        if (container === undefined) return;
        const podDir = nodePodDir(this.dir, podName);
        fs.mkdirSync(podDir, { recursive: true });
        const ordinal = Number(podName.slice(podName.lastIndexOf("-") + 1));
        const address = this.state.replicated.addresses[ordinal];
        const networked = this.localizer(namespace);
        const mounts = await writePodVolumes(this.core, pod, container, podDir, networked);
        const localize = (text: string) => networked(localizePaths(text, mounts));
        const env = {
            ...(await containerEnvironment(this.core, pod, container, localize)),
            HOSTNAME: podName,
        };
        // Its own address, as a pod has its IP: arguments after the config file override its `bind`.
        const [command, ...args] = [...(container.command ?? []), ...(container.args ?? [])]
            .map(localize)
            .concat(["--bind", address]);
        const preStop = container.lifecycle?.preStop?.exec?.command;
        if (preStop !== undefined) {
            fs.writeFileSync(
                path.join(podDir, "prestop.json"),
                JSON.stringify({ command: preStop.map(localize), env }),
                { mode: 0o600 },
            );
        }
        const run = this.spawnLogged(command, args, env, podDir, name);
        containers.set(name, run);
        fs.writeFileSync(containerPidFile(this.dir, podName, name), String(run.process.pid));
        // A process that exits is started again on the next pass, as the kubelet restarts a container.
        void run.exited.then(() => {
            if (containers.get(name) === run) {
                containers.delete(name);
                fs.rmSync(containerPidFile(this.dir, podName, name), { force: true });
            }
        });
    }

    /** Starts a container's process, its output appended to its log as the kubelet writes it (CRI format). */
    private spawnLogged(command: string, args: string[], env: NodeJS.ProcessEnv, dir: string, name: string): Run {
        if (this.stopped) throw new Error(`the agent is stopping: ${name} is not started`);
        const child = spawn(command, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
        const log = fs.createWriteStream(path.join(dir, `${name}.log`), { flags: "a" });
        for (const [stream, tag] of [
            [child.stdout, "stdout"],
            [child.stderr, "stderr"],
        ] as const) {
            // RFC 3339 time, stream, F (a full line), the text: what kubectl logs reads.
            readline.createInterface({ input: stream }).on("line", (line) => {
                log.write(`${new Date().toISOString()} ${tag} F ${line}\n`);
            });
        }
        const exited = new Promise<void>((resolve) => child.once("exit", () => log.end(() => resolve())));
        return { process: child, exited };
    }

    private async stopContainers(containers: Map<NodeContainer, Run>, signal: NodeJS.Signals): Promise<void> {
        const runs = [...containers.values()];
        containers.clear();
        for (const run of runs) run.process.kill(signal);
        await Promise.all(runs.map((run) => run.exited));
    }

    private async stopPod(name: string): Promise<void> {
        const run = this.runs.get(name);
        this.runs.delete(name);
        if (run !== undefined) await this.stopContainers(run.containers, "SIGTERM");
    }

    /** HAProxy for the newest running proxy pod, listening where KWOK forwards Service `redis`'s pods. */
    private async reconcileProxy(): Promise<void> {
        const pod = (await this.list(selector(REDIS_SELECTOR)))
            .filter((p) => isRunning(p) && ReplicatedPods.isProxyPod(p))
            .sort((a, b) =>
                String(b.metadata?.creationTimestamp).localeCompare(String(a.metadata?.creationTimestamp)),
            )[0];
        if (pod?.metadata?.uid !== this.proxy?.uid) await this.stopProxy();
        if (pod === undefined || this.proxy !== undefined) return;
        const container = pod.spec?.containers?.[0];
        if (container === undefined) return;
        const podDir = path.join(this.dir, "replicated", "proxy");
        fs.mkdirSync(podDir, { recursive: true });
        const networked = this.localizer(pod.metadata?.namespace ?? "");
        const listen = `    bind 127.0.0.1:${this.state.redisPort}`;
        const localize = (text: string) =>
            networked(text)
                .replace(/^ {4}bind .*$/m, listen)
                // Addresses, not names, here: nothing to resolve.
                .replace(/ resolvers cluster init-addr none$/gm, "");
        const mounts = await writePodVolumes(this.core, pod, container, podDir, localize);
        const [command, ...args] = (container.command ?? []).map((part) => localizePaths(part, mounts));
        const run = this.spawnLogged(command, args, { PATH: process.env.PATH }, podDir, "proxy");
        const uid = pod.metadata?.uid ?? "";
        this.proxy = { uid, namespace: pod.metadata?.namespace ?? "", run };
        void run.exited.then(() => {
            if (this.proxy?.run === run) this.proxy = undefined;
        });
    }

    private async stopProxy(): Promise<void> {
        const proxy = this.proxy;
        this.proxy = undefined;
        if (proxy === undefined) return;
        proxy.run.process.kill("SIGTERM");
        await proxy.run.exited;
    }
}
