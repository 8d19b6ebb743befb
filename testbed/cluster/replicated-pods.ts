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
 * - **The kubelet**, for the node pods (KWOK leaves them to the agent: local-cluster.ts, nodesElsewhere): a pod is
 *   Running at its address, and Ready when its readiness probes would say so (redis: master, or a replica linked and
 *   synced; sentinel: PING); the containers start in the pod's order, and a container's postStart hook (node 0
 *   taking the master back) runs once its process runs; a container whose process exits is started again on the
 *   next pass, unless its pod is marked lost (a file `lost` in its folder: a node that died takes the pod's processes
 *   with it, until it returns); a pod being deleted runs its preStop hook (the switchover), has its processes
 *   stopped, and is then deleted. So the StatefulSet controller's
 *   rolling update waits for each new pod as it would on a cluster.
 */
import type * as K8s from "@kubernetes/client-node";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { NODE_SELECTOR, REDIS_SELECTOR, nodeHosts } from "../../components/builders/object-names";
import { PROBE_USER } from "../../components/render/acl";
import { SENTINEL_PORT } from "../../components/render/replication";
import { runSwitchover } from "../replicated-bus";
import { labelSelector } from "../../components/redis-link/connection";
import { RedisEndpoint, containerEnvironment, localizePaths, writePodVolumes } from "./job-runner";
import { ContainerProcess, spawnWithCriLog } from "./processes";
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

/** Present while the postStart hook of a node pod's redis container runs (node 0 taking the master back). */
export function postStartMarker(clusterDir: string, pod: string): string {
    return path.join(nodePodDir(clusterDir, pod), "poststart.running");
}

/** What the postStart hook of a node pod's redis container printed at its last start. */
export function postStartOutput(clusterDir: string, pod: string): string {
    return path.join(nodePodDir(clusterDir, pod), "poststart.out");
}

/** The command and environment the pod's preStop hook would run, written at the redis container's start. */
export function switchoverCommand(clusterDir: string, pod: string): { command: string[]; env: NodeJS.ProcessEnv } {
    return JSON.parse(fs.readFileSync(path.join(nodePodDir(clusterDir, pod), "prestop.json"), "utf8"));
}

type Run = ContainerProcess;

const ordinalOf = (pod: string) => Number(pod.slice(pod.lastIndexOf("-") + 1));

/**
 * Sends `request` to host:port and judges the reply as it arrives (true, false, or undefined to wait for more); false
 * after half a second or on an error. What the pods' readiness probes ask, without a redis-cli per pass.
 */
function answers(
    host: string,
    port: number,
    request: string,
    judge: (reply: string) => boolean | undefined,
): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        let reply = "";
        const done = (ok: boolean) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(500, () => done(false));
        socket.once("error", () => done(false));
        socket.once("connect", () => socket.write(request));
        socket.on("data", (chunk: Buffer) => {
            reply += chunk.toString();
            const verdict = reply.includes("\r\n-") || reply.startsWith("-") ? false : judge(reply);
            if (verdict !== undefined) done(verdict);
        });
    });
}

/** The Sentinel's readiness probe: PING. */
const sentinelReady = (host: string, port: number) =>
    answers(host, port, "PING\r\n", (reply) => (reply.includes("+PONG\r\n") ? true : undefined));

/** A slave's ROLE: *5, slave, its master's host and port, then the link's state. */
const REPLICA_STATE = /\$5\r\nslave\r\n\$\d+\r\n[^\r]*\r\n:\d+\r\n\$\d+\r\n([a-z_]+)\r\n/;

/** The node's readiness probe (replicated-pod-spec.ts): master, or a replica linked and synced, asked as the probe user. */
const nodeReady = (host: string, port: number) =>
    answers(host, port, `AUTH ${PROBE_USER} ${PROBE_USER}\r\nROLE\r\n`, (reply) => {
        if (reply.includes("$6\r\nmaster\r\n")) return true;
        const state = REPLICA_STATE.exec(reply)?.[1];
        return state === undefined ? undefined : state === "connected";
    });

const isRunning = (pod: K8s.V1Pod) => pod.status?.phase === "Running" && pod.metadata?.deletionTimestamp === undefined;

export class ReplicatedPods {
    /** By pod name and container: the pod's uid and the process. */
    private readonly runs = new Map<string, { uid: string; containers: Map<NodeContainer, Run> }>();
    private proxy: { uid: string; namespace: string; run: Run } | undefined;
    /** Set by stop: a pass still under way starts nothing more. */
    private stopped = false;
    /** The pods (by uid) whose deletion is under way: preStop, stop, delete. */
    private readonly terminating = new Set<string>();

    constructor(
        private readonly dir: string,
        private readonly state: ClusterState,
        private readonly core: K8s.CoreV1Api,
    ) {}

    /**
     * Each pass, as a kubelet: the containers of each node pod scheduled here, its status (Ready when its processes
     * answer), the preStop hook and then the deletion of a pod being deleted; then the proxy.
     */
    async reconcile(): Promise<void> {
        const pods = await this.list(labelSelector(NODE_SELECTOR));
        const scheduled = pods.filter(
            (p) => p.spec?.nodeName !== undefined && p.metadata?.deletionTimestamp === undefined,
        );
        for (const pod of pods.filter((p) => p.metadata?.deletionTimestamp !== undefined)) this.terminate(pod);
        for (const [name, run] of this.runs) {
            const live = scheduled.some((p) => p.metadata?.name === name && p.metadata.uid === run.uid);
            if (!live && !this.terminating.has(run.uid)) await this.stopPod(name);
        }
        for (const pod of scheduled) {
            await this.reconcileNode(pod);
            await this.reportStatus(pod);
        }
        await this.reconcileProxy();
    }

    /**
     * A pod being deleted, once: its preStop hook (the switchover: a master hands over first), its processes
     * stopped, then the pod deleted at once, as a kubelet confirms a graceful deletion.
     */
    private terminate(pod: K8s.V1Pod): void {
        const name = pod.metadata?.name ?? "";
        const uid = pod.metadata?.uid ?? "";
        if (this.terminating.has(uid)) return;
        this.terminating.add(uid);
        void (async () => {
            const run = this.runs.get(name);
            if (run?.uid === uid && run.containers.has("redis") && !this.stopped) {
                const { command, env } = switchoverCommand(this.dir, name);
                await runSwitchover(command, env).catch((error: unknown) => {
                    process.stderr.write(`${new Date().toISOString()} preStop of ${name}: ${String(error)}\n`);
                });
            }
            if (this.runs.get(name)?.uid === uid) await this.stopPod(name);
            await this.core
                .deleteNamespacedPod({ name, namespace: pod.metadata?.namespace ?? "", gracePeriodSeconds: 0 })
                .catch(() => undefined);
        })();
    }

    /**
     * The pod's status as a kubelet reports it: Running at its own address, each container ready when its process
     * answers PING (the pods' readiness probes ask the same), the pod Ready when all are. Containers not run here
     * (the metrics exporter) count as ready. Written only when readiness changes.
     */
    private async reportStatus(pod: K8s.V1Pod): Promise<void> {
        const name = pod.metadata?.name ?? "";
        const run = this.runs.get(name);
        const address = this.state.replicated.addresses[ordinalOf(name)];
        const { redisPort, sentinelPort } = this.state.replicated;
        const answers: Record<string, boolean> = {
            redis: run?.containers.has("redis") === true && (await nodeReady(address, redisPort)),
            sentinel: run?.containers.has("sentinel") === true && (await sentinelReady(address, sentinelPort)),
        };
        const containers = pod.spec?.containers ?? [];
        const ready = (c: K8s.V1Container) => answers[c.name] ?? true;
        const podReady = containers.every(ready);
        const wasReady = (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
        if (pod.status?.phase === "Running" && podReady === wasReady) return;
        const now = new Date();
        const condition = (type: string, status: boolean) => ({
            type,
            status: status ? "True" : "False",
            lastTransitionTime: now,
        });
        const body: K8s.V1Pod = {
            ...pod,
            status: {
                ...pod.status,
                phase: "Running",
                hostIP: "127.0.0.1",
                podIP: address,
                podIPs: [{ ip: address }],
                startTime: pod.status?.startTime ?? now,
                conditions: [
                    condition("PodScheduled", true),
                    condition("Initialized", true),
                    condition("ContainersReady", podReady),
                    condition("Ready", podReady),
                ],
                containerStatuses: containers.map((c) => ({
                    name: c.name,
                    image: c.image ?? "",
                    imageID: "",
                    ready: ready(c),
                    started: ready(c),
                    restartCount: 0,
                    state: ready(c) ? { running: { startedAt: now } } : { waiting: { reason: "NotAnswering" } },
                })),
            },
        };
        // A conflict (the controllers wrote meanwhile) is left to the next pass.
        await this.core
            .replaceNamespacedPodStatus({ name, namespace: pod.metadata?.namespace ?? "", body })
            .catch(() => undefined);
    }

    async stop(): Promise<void> {
        this.stopped = true;
        for (const name of [...this.runs.keys()]) await this.stopPod(name);
        await this.stopProxy();
    }

    /**
     * Where Service `redis` leads while the proxy runs, and where the nodes run: for Jobs' pods, which address the bus
     * by the Service, and the backup's its nodes by their names.
     */
    serviceEndpoint(): RedisEndpoint | undefined {
        return (
            this.proxy && {
                namespace: this.proxy.namespace,
                port: this.state.redisPort,
                localize: this.localizer(this.proxy.namespace),
            }
        );
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
        // In the pod's order, as the kubelet starts them.
        const order = (pod.spec?.containers ?? [])
            .map((c) => c.name)
            .filter((name): name is NodeContainer => (NODE_CONTAINERS as readonly string[]).includes(name));
        for (const container of order) {
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
        const address = this.state.replicated.addresses[ordinalOf(podName)];
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
        const postStart = container.lifecycle?.postStart?.exec?.command;
        const run = this.spawnLogged(command, args, env, podDir, name);
        containers.set(name, run);
        // Marked before the PID file: whoever sees the container run sees its hook still running.
        if (postStart !== undefined) fs.writeFileSync(postStartMarker(this.dir, podName), "");
        fs.writeFileSync(containerPidFile(this.dir, podName, name), String(run.process.pid));
        if (postStart !== undefined) {
            // Its pod's last container (replicated-pod-spec.ts): no container waits for it, and neither does the pass.
            void runSwitchover(postStart.map(localize), env)
                .catch((error: unknown) => String(error))
                .then((output) => {
                    fs.writeFileSync(postStartOutput(this.dir, podName), output);
                    fs.rmSync(postStartMarker(this.dir, podName), { force: true });
                });
        }
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
        return spawnWithCriLog(command, args, { cwd: dir, env }, path.join(dir, `${name}.log`), "a");
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
        const pod = (await this.list(labelSelector(REDIS_SELECTOR)))
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
