/**
 * A replicated bus running as pods of the local cluster, as the fault scenarios act on it: its nodes and Sentinels are
 * the node agent's processes (replicated-pods.ts), each at its pod's own loopback address, and its proxy is the
 * HAProxy behind Service `redis`. A fault is a signal to those processes; a lost node is its pod's processes stopped
 * and kept stopped (the agent's `lost` marker) until it returns.
 */
import * as fs from "fs";
import { nodePodName } from "../../components/builders/object-names";
import { CLUSTER_TIMING } from "../../components/builders/replicated-workload";
import { BusMember, BusUnderTest, runSwitchover, until } from "../replicated-bus";
import type { ReplicationTopology } from "../../components/render/replication";
import { isAlive } from "./processes";
import type { ClusterState } from "./local-cluster";
import {
    NodeContainer,
    containerPidFile,
    lostMarker,
    postStartMarker,
    postStartOutput,
    switchoverCommand,
} from "./replicated-pods";

const podName = nodePodName;

/** One container of a node pod, as the agent runs it. */
class PodContainer implements BusMember {
    constructor(
        private readonly clusterDir: string,
        readonly index: number,
        readonly host: string,
        private readonly container: NodeContainer,
    ) {}

    private get pod(): string {
        return podName(this.index);
    }

    private pid(): number | undefined {
        const file = containerPidFile(this.clusterDir, this.pod, this.container);
        if (!fs.existsSync(file)) return undefined;
        const pid = Number(fs.readFileSync(file, "utf8"));
        return isAlive(pid) ? pid : undefined;
    }

    get running(): boolean {
        return !fs.existsSync(lostMarker(this.clusterDir, this.pod)) && this.pid() !== undefined;
    }

    signal(signal: NodeJS.Signals): void {
        const pid = this.pid();
        if (pid === undefined) throw new Error(`${this.container} of ${this.pod} is not running`);
        process.kill(pid, signal);
    }

    /** The pod's node is lost: every container of the pod is killed, and stays down until start. */
    async kill(): Promise<void> {
        fs.writeFileSync(lostMarker(this.clusterDir, this.pod), "");
        const pids = (["redis", "sentinel"] as const)
            .map((c) => containerPidFile(this.clusterDir, this.pod, c))
            .filter((file) => fs.existsSync(file))
            .map((file) => Number(fs.readFileSync(file, "utf8")));
        for (const pid of pids) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // Already gone.
            }
        }
        await until(`${this.pod}'s processes to end`, async () => pids.every((pid) => !isAlive(pid)));
    }

    /** The node is back: the agent starts the pod's containers again, and runs the redis container's postStart hook. */
    async start(): Promise<void> {
        fs.rmSync(lostMarker(this.clusterDir, this.pod), { force: true });
        await until(`${this.container} of ${this.pod} to run again`, async () => this.pid() !== undefined);
        if (this.container === "redis") await this.untilPostStartEnded();
    }

    /** Until the redis container's postStart hook has ended (the hook waits for a sync: up to its own bound). */
    async untilPostStartEnded(): Promise<void> {
        await until(
            `the postStart hook of ${this.pod}`,
            async () => !fs.existsSync(postStartMarker(this.clusterDir, this.pod)),
            180_000,
        );
    }

    get postStartOutput(): string | undefined {
        const file = postStartOutput(this.clusterDir, this.pod);
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    }
}

export class ClusterBus extends BusUnderTest {
    readonly topology: ReplicationTopology;
    readonly proxy: { readonly host: string; readonly port: number };
    protected readonly nodes: PodContainer[];
    protected readonly sentinels: PodContainer[];

    private constructor(
        private readonly state: ClusterState,
        nodes: number,
        readonly passwords: Readonly<Record<string, string>>,
    ) {
        super();
        const { addresses, redisPort, sentinelPort } = state.replicated;
        const hosts = addresses.slice(0, nodes);
        this.topology = { nodes: hosts, redisPort, sentinelPort, ...CLUSTER_TIMING };
        this.proxy = { host: "127.0.0.1", port: state.redisPort };
        this.nodes = hosts.map((host, i) => new PodContainer(state.dir, i, host, "redis"));
        this.sentinels = hosts.map((host, i) => new PodContainer(state.dir, i, host, "sentinel"));
    }

    /**
     * The bus the cluster runs, once every node and Sentinel runs and the nodes have settled, with the stream `stream`
     * deleted, so that a scenario starts from nothing. `passwords` are the users' (the manifests' Secrets hold them).
     */
    static async attach(
        state: ClusterState,
        nodes: number,
        passwords: Readonly<Record<string, string>>,
        stream: string,
        admin: string,
    ): Promise<ClusterBus> {
        const bus = new ClusterBus(state, nodes, passwords);
        await bus.everyNodeBack();
        await bus.throughProxy(admin, (c) => c.del(stream));
        return bus;
    }

    /** Every lost node back, every process running, one master with every replica in sync, Sentinels agreeing. */
    private async everyNodeBack(): Promise<void> {
        for (const member of [...this.nodes, ...this.sentinels]) await member.start();
        await this.untilSettled(120_000);
        await until(
            "every Sentinel to know every replica and peer",
            async () => {
                const views = await Promise.all(this.sentinels.map((s) => this.sentinelView(s.host)));
                const others = this.topology.nodes.length - 1;
                return views.every((v) => v.replicas === others && v.peers === others);
            },
            60_000,
        );
    }

    /** Runs the pod's preStop hook (the switchover script) as the kubelet would, with the container's environment. */
    switchover(index: number): Promise<string> {
        const { command, env } = switchoverCommand(this.state.dir, podName(index));
        return runSwitchover(command, env);
    }

    /** Until the postStart hook of node `index`'s redis container has ended. */
    untilPostStartEnded(index: number): Promise<void> {
        return this.nodes[index].untilPostStartEnded();
    }

    /** The pods stay: every node is brought back for the next scenario. */
    async destroy(): Promise<void> {
        await this.everyNodeBack();
    }
}
