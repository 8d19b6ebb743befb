/**
 * A replicated bus on loopback, for the failover tests and the benchmark: each node a real redis-server, each beside
 * it a real redis-sentinel, and HAProxy in front, as the pods run them. Every node has its own address in
 * 127.0.0.0/8 (as a pod has its own IP), so the addresses the nodes and Sentinels announce are real ones. The nodes
 * and Sentinels start through the start scripts the pods run, with the same config, ACL file and haproxy.cfg.
 *
 * Nothing here is a stand-in: a fault is a signal to a real process (SIGKILL, SIGSTOP), and a restart runs the
 * node's start script again, which asks the Sentinels where the master is.
 */
import { ChildProcess, spawn } from "child_process";
import { randomBytes, randomInt } from "crypto";
import * as fs from "fs";
import Redis, { RedisOptions } from "ioredis";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import {
    ADMIN_USER,
    REPLICATION_USER,
    SENTINEL_USER,
    ServiceUser,
    SystemUser,
    renderAclFile,
    sha256Hex,
} from "../components/render/acl";
import { renderHaproxyConf } from "../components/render/haproxy-conf";
import { renderRedisConf } from "../components/render/redis-conf";
import {
    MASTER_NAME,
    ReplicationTopology,
    SCRIPT_ENV,
    renderNodeStartScript,
    renderSentinelStartScript,
} from "../components/render/replication";
import { SWITCHOVER_TIMING } from "../components/render/replicated-pod-spec";
import { RETURN_MODE, renderSwitchoverScript } from "../components/render/switchover";

/** The directives this machine decides for a node; the pod's values (/data, /etc/redis/acl) are dropped. */
const LOCAL_DIRECTIVES = new Set(["bind", "port", "dir", "aclfile"]);

export interface ReplicatedBusOptions {
    /** Nodes, each with its Sentinel: 3 by default. */
    readonly nodes?: number;
    /** The service users, besides the bus's own; their passwords are in `passwords`. */
    readonly users: readonly ServiceUser[];
    /** The bus's own users besides the admin (the backup's, retention's), as the features that have them add them. */
    readonly systemUsers?: readonly SystemUser[];
    /** Sentinel's down-after: short on loopback, so that a test sees a failover in seconds. */
    readonly downAfterMilliseconds?: number;
    readonly appendfsync?: "everysec" | "always";
}

/** A TCP port free on every one of the given addresses. */
async function portFreeOn(hosts: readonly string[]): Promise<number> {
    for (;;) {
        const port = randomInt(20000, 60000);
        const free = await Promise.all(hosts.map((host) => canListen(host, port)));
        if (free.every(Boolean)) return port;
    }
}

function canListen(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, host, () => server.close(() => resolve(true)));
    });
}

/** Resolves once `text` appears in the process's output; rejects if it exits first. */
function outputShows(child: ChildProcess, text: string, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
        let output = "";
        const onData = (chunk: Buffer) => {
            output += chunk.toString();
            if (output.includes(text)) {
                child.stdout?.off("data", onData);
                child.off("exit", onExit);
                resolve();
            }
        };
        const onExit = (code: number | null) =>
            reject(new Error(`${what} exited (${code}) before "${text}":\n${output}`));
        child.stdout?.on("data", onData);
        child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.once("exit", onExit);
    });
}

/** Polls a condition every 50 ms until it holds, or fails naming what it waited for. */
export async function until(what: string, holds: () => Promise<boolean>, timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            if (await holds()) return;
        } catch {
            // not yet: a process still starting refuses connections
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

class Member implements BusMember {
    process?: ChildProcess;
    postStartOutput?: string;
    constructor(
        readonly index: number,
        readonly host: string,
        private readonly command: string[],
        private readonly env: NodeJS.ProcessEnv,
        private readonly ready: string,
        private readonly what: string,
        /** The container's postStart hook, run once it runs, as the kubelet runs it before it goes on. */
        private readonly postStart?: { command: string[]; env: NodeJS.ProcessEnv },
    ) {}

    async start(): Promise<void> {
        const child = spawn("sh", this.command, { env: this.env, stdio: ["ignore", "pipe", "pipe"] });
        this.process = child;
        await outputShows(child, this.ready, `${this.what} ${this.index}`);
        child.stdout?.resume();
        child.stderr?.resume();
        if (this.postStart !== undefined) {
            this.postStartOutput = await runSwitchover(this.postStart.command, this.postStart.env);
        }
    }

    get pid(): number {
        const pid = this.process?.pid;
        if (pid === undefined) throw new Error(`${this.what} ${this.index} is not running`);
        return pid;
    }

    get running(): boolean {
        const child = this.process;
        return child !== undefined && child.exitCode === null && child.signalCode === null;
    }

    signal(signal: NodeJS.Signals): void {
        process.kill(this.pid, signal);
    }

    async kill(): Promise<void> {
        const child = this.process;
        if (child === undefined || !this.running) return;
        await new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
        });
    }
}

/** A node or a Sentinel of a bus under test, as the scenarios act on it. */
export interface BusMember {
    readonly index: number;
    /** Its address: the one it announces. */
    readonly host: string;
    readonly running: boolean;
    signal(signal: NodeJS.Signals): void;
    /** Stops it at once (SIGKILL), and keeps it stopped until start: a lost node. */
    kill(): Promise<void>;
    /**
     * Starts it again (its start script asks the Sentinels where the master is), resolving once it runs and its
     * postStart hook (a node's: node 0 takes the master back) has ended.
     */
    start(): Promise<void>;
    /** What its postStart hook printed at its last start. */
    readonly postStartOutput?: string;
}

/**
 * A replicated bus as the fault scenarios see it, wherever its processes run (here on loopback, or as pods of the
 * local cluster): its topology, its proxy, its members, and what the scenarios ask of it.
 */
export abstract class BusUnderTest {
    abstract readonly topology: ReplicationTopology;
    abstract readonly proxy: { readonly host: string; readonly port: number };
    abstract readonly passwords: Readonly<Record<string, string>>;
    protected abstract readonly nodes: readonly BusMember[];
    protected abstract readonly sentinels: readonly BusMember[];

    /** Runs the switchover script as node `index`'s preStop hook would; resolves with its output, or rejects. */
    abstract switchover(index: number): Promise<string>;

    /** Stops what the bus started for the test. */
    abstract destroy(): Promise<void>;

    /** Runs one call as `user` through the proxy, on a fresh connection. */
    async throughProxy<T>(user: string, call: (client: Redis) => Promise<T>): Promise<T> {
        return this.withClient({ ...this.proxy }, user, call);
    }

    /** Runs one call as `user` on node `index` directly. */
    async onNode<T>(index: number, user: string, call: (client: Redis) => Promise<T>): Promise<T> {
        return this.withClient({ host: this.topology.nodes[index], port: this.topology.redisPort }, user, call);
    }

    private async withClient<T>(
        at: { host: string; port: number },
        user: string,
        call: (client: Redis) => Promise<T>,
    ): Promise<T> {
        const client = this.client(at, user, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 1000 });
        client.on("error", () => undefined);
        try {
            await client.connect();
            return await call(client);
        } finally {
            client.disconnect();
        }
    }

    /** A client as `user`: through the proxy by default, as a DSM service connects. */
    client(
        at: { host: string; port: number } = this.proxy,
        user: string = ADMIN_USER,
        options: RedisOptions = {},
    ): Redis {
        return new Redis({
            host: at.host,
            port: at.port,
            username: user,
            password: this.passwords[user],
            maxRetriesPerRequest: 1,
            ...options,
        });
    }

    /** What node `index` says it is: its ROLE's first word. */
    async role(index: number): Promise<string> {
        const reply = (await this.onNode(index, SENTINEL_USER, (c) => c.call("ROLE"))) as unknown[];
        return String(reply[0]);
    }

    /** The master every Sentinel agrees on, as a node index, or undefined while they disagree. */
    async agreedMaster(): Promise<number | undefined> {
        const answers = await Promise.all(
            this.sentinels
                .filter((s) => s.running)
                .map((s) =>
                    this.askSentinel(s.host, ["SENTINEL", "get-master-addr-by-name", MASTER_NAME]).then(
                        (reply) => (reply as string[])[0],
                        () => undefined,
                    ),
                ),
        );
        const hosts = new Set(answers);
        if (hosts.size !== 1) return undefined;
        const index = this.topology.nodes.indexOf(String(answers[0]));
        return index < 0 ? undefined : index;
    }

    /** Resolves with the new master once every running Sentinel agrees on one other than `old`. */
    async untilNewMaster(old: number): Promise<number> {
        let agreed: number | undefined;
        await until("a new master", async () => {
            agreed = await this.agreedMaster();
            return agreed !== undefined && agreed !== old;
        });
        return agreed as number;
    }

    protected async askSentinel(host: string, command: string[]): Promise<unknown> {
        const client = new Redis({
            host,
            port: this.topology.sentinelPort,
            // As the scripts do: a Sentinel tells a client without a password only where the master is.
            username: SENTINEL_USER,
            password: this.passwords[SENTINEL_USER],
            lazyConnect: true,
            retryStrategy: () => null,
            connectTimeout: 1000,
        });
        client.on("error", () => undefined);
        try {
            await client.connect();
            return await client.call(command[0], ...command.slice(1));
        } finally {
            client.disconnect();
        }
    }

    /** What the Sentinel at `host` knows of the master (SENTINEL MASTER): its fields by name. */
    protected async sentinelMaster(host: string): Promise<Record<string, string>> {
        const flat = (await this.askSentinel(host, ["SENTINEL", "master", MASTER_NAME])) as string[];
        const fields: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
        return fields;
    }

    /** The master's config epoch, as a running Sentinel has it: it grows with every failover. */
    async configEpoch(): Promise<number> {
        const sentinel = this.sentinels.find((s) => s.running);
        if (sentinel === undefined) throw new Error("no Sentinel runs");
        return Number((await this.sentinelMaster(sentinel.host))["config-epoch"]);
    }

    /**
     * Whether a running Sentinel is still in a failover: its leader reconfigures the replicas after the promotion,
     * and until it is done it judges the master by the old address, so a master lost meanwhile waits for its
     * `failover-timeout` (seen in the cluster tier: a kill a second after a planned move).
     */
    protected async failoverUnderWay(): Promise<boolean> {
        const views = await Promise.all(
            this.sentinels.filter((s) => s.running).map((s) => this.sentinelMaster(s.host)),
        );
        return views.some((view) => view.flags.includes("failover_in_progress"));
    }

    protected async sentinelView(host: string): Promise<{ replicas: number; peers: number }> {
        const view = await this.sentinelMaster(host);
        return { replicas: Number(view["num-slaves"]), peers: Number(view["num-other-sentinels"]) };
    }

    /** Node `index`'s INFO replication, as `field: value`. */
    async replicationOf(index: number): Promise<Record<string, string>> {
        return parseInfo(await this.onNode(index, SENTINEL_USER, (c) => c.info("replication")));
    }

    /**
     * Resolves when exactly one running node is master, every other running node is its replica with the link up
     * and the same replication offset, and (once Sentinels run) the Sentinels agree on it, none still in a failover.
     * Returns the master.
     */
    async untilSettled(timeoutMs = 30000): Promise<number> {
        let master = -1;
        await until(
            "one master, every replica in sync",
            async () => {
                const running = this.nodes.filter((n) => n.running);
                const fields = await Promise.all(running.map((n) => this.replicationOf(n.index)));
                const masters = running.filter((_, i) => fields[i].role === "master");
                if (masters.length !== 1) return false;
                master = masters[0].index;
                const offset = fields[running.indexOf(masters[0])].master_repl_offset;
                const replicasInSync = fields.every(
                    (f) =>
                        f.role === "master" ||
                        (f.master_host === this.topology.nodes[master] &&
                            f.master_link_status === "up" &&
                            f.master_repl_offset === offset),
                );
                if (!replicasInSync) return false;
                if (!this.sentinels.some((s) => s.running)) return true;
                return (await this.agreedMaster()) === master && !(await this.failoverUnderWay());
            },
            timeoutMs,
        );
        return master;
    }

    node(index: number): BusMember {
        return this.nodes[index];
    }

    sentinel(index: number): BusMember {
        return this.sentinels[index];
    }
}

/** Three (or more) nodes on loopback, each with its Sentinel, and HAProxy in front. */
export class ReplicatedBus extends BusUnderTest {
    readonly topology: ReplicationTopology;
    readonly proxy: { readonly host: string; readonly port: number };
    readonly passwords: Readonly<Record<string, string>>;
    protected readonly nodes: Member[] = [];
    protected readonly sentinels: Member[] = [];
    private proxyProcess?: ChildProcess;

    private constructor(
        readonly dir: string,
        hosts: string[],
        redisPort: number,
        sentinelPort: number,
        proxyPort: number,
        private readonly options: ReplicatedBusOptions,
        passwords: Record<string, string>,
    ) {
        super();
        this.topology = {
            nodes: hosts,
            redisPort,
            sentinelPort,
            downAfterMilliseconds: options.downAfterMilliseconds ?? 1000,
            failoverTimeoutMilliseconds: 5000,
            minReplicasMaxLagSeconds: 10,
        };
        this.proxy = { host: proxyHost(hosts), port: proxyPort };
        this.passwords = passwords;
    }

    /** Starts every node, then every Sentinel, then the proxy, and resolves when the bus takes writes through it. */
    static async start(options: ReplicatedBusOptions): Promise<ReplicatedBus> {
        const count = options.nodes ?? 3;
        // A /24 of its own in 127.0.0.0/8, away from 127.0.0.1, so that parallel runs do not meet.
        const prefix = `127.${randomInt(1, 255)}.${randomInt(0, 256)}`;
        const hosts = Array.from({ length: count }, (_, i) => `${prefix}.${i + 1}`);
        const all = [...hosts, proxyHost(hosts)];
        const [redisPort, sentinelPort, proxyPort] = [
            await portFreeOn(all),
            await portFreeOn(all),
            await portFreeOn(all),
        ];
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-redis-replicated-"));
        const users = [
            ADMIN_USER,
            REPLICATION_USER,
            SENTINEL_USER,
            ...(options.systemUsers ?? []),
            ...options.users.map((u) => u.name),
        ];
        const passwords = Object.fromEntries(users.map((user) => [user, randomBytes(16).toString("hex")]));
        const bus = new ReplicatedBus(dir, hosts, redisPort, sentinelPort, proxyPort, options, passwords);
        try {
            await bus.startAll();
        } catch (error) {
            await bus.destroy();
            throw error;
        }
        return bus;
    }

    private async startAll(): Promise<void> {
        const { dir, topology } = this;
        const hashes = Object.fromEntries(Object.entries(this.passwords).map(([u, p]) => [u, sha256Hex(p)]));
        const aclPath = path.join(dir, "users.acl");
        fs.writeFileSync(aclPath, renderAclFile(this.options.users, hashes, this.options.systemUsers ?? [], true));
        const pod = renderRedisConf({
            memoryLimit: "200Mi",
            persistence: true,
            appendfsync: this.options.appendfsync ?? "everysec",
        });
        const baseConfig = path.join(dir, "redis.conf");
        fs.writeFileSync(
            baseConfig,
            pod
                .split("\n")
                .filter((line) => !LOCAL_DIRECTIVES.has(line.trim().split(/\s+/)[0] ?? ""))
                .join("\n"),
        );
        const nodeScript = path.join(dir, "node-start.sh");
        const sentinelScript = path.join(dir, "sentinel-start.sh");
        fs.writeFileSync(nodeScript, renderNodeStartScript(topology));
        fs.writeFileSync(sentinelScript, renderSentinelStartScript(topology));
        fs.writeFileSync(this.switchoverScript, renderSwitchoverScript(topology, SWITCHOVER_TIMING));
        topology.nodes.forEach((host, index) => {
            const nodeDir = path.join(dir, `node-${index}`);
            const runDir = path.join(nodeDir, "run");
            const sentinelRun = path.join(nodeDir, "sentinel");
            for (const d of [path.join(nodeDir, "data"), runDir, sentinelRun]) fs.mkdirSync(d, { recursive: true });
            const env = this.podEnv(host, index, baseConfig);
            this.nodes.push(
                new Member(
                    index,
                    host,
                    [
                        nodeScript,
                        "--bind",
                        host,
                        "--port",
                        String(topology.redisPort),
                        "--dir",
                        path.join(nodeDir, "data"),
                        "--aclfile",
                        aclPath,
                    ],
                    { ...env, [SCRIPT_ENV.runDir]: runDir },
                    "Ready to accept connections",
                    "node",
                    { command: this.hookCommand(RETURN_MODE), env },
                ),
            );
            this.sentinels.push(
                new Member(
                    index,
                    host,
                    [sentinelScript, "--bind", host],
                    { ...env, [SCRIPT_ENV.runDir]: sentinelRun },
                    "+monitor master",
                    "sentinel",
                ),
            );
        });
        for (const node of this.nodes) await node.start();
        await this.untilSettled();
        for (const sentinel of this.sentinels) await sentinel.start();
        await until("every Sentinel to know every replica and peer", async () => {
            const views = await Promise.all(this.sentinels.map((s) => this.sentinelView(s.host)));
            return views.every(
                (v) => v.replicas === topology.nodes.length - 1 && v.peers === topology.nodes.length - 1,
            );
        });
        await this.startProxy();
    }

    /** The environment a pod's containers get: its announced address, ordinal, and the passwords from its Secret. */
    private podEnv(host: string, index: number, baseConfig: string): NodeJS.ProcessEnv {
        return {
            PATH: process.env.PATH,
            [SCRIPT_ENV.announceHost]: host,
            [SCRIPT_ENV.nodeIndex]: String(index),
            [SCRIPT_ENV.baseConfig]: baseConfig,
            [SCRIPT_ENV.replicationPassword]: this.passwords[REPLICATION_USER],
            [SCRIPT_ENV.sentinelPassword]: this.passwords[SENTINEL_USER],
        };
    }

    private async startProxy(): Promise<void> {
        const cfg = path.join(this.dir, "haproxy.cfg");
        fs.writeFileSync(
            cfg,
            renderHaproxyConf({
                bind: this.proxy,
                nodes: this.topology.nodes,
                redisPort: this.topology.redisPort,
                resolveNames: false,
            }),
        );
        const child = spawn("haproxy", ["-db", "-f", cfg], { stdio: ["ignore", "pipe", "pipe"] });
        this.proxyProcess = child;
        child.stdout?.resume();
        child.stderr?.resume();
        await until(
            "the proxy to reach the master",
            async () => (await this.throughProxy(ADMIN_USER, (c) => c.ping())) === "PONG",
        );
    }

    /** The switchover script, which both of a node's hooks run. */
    private get switchoverScript(): string {
        return path.join(this.dir, "switchover.sh");
    }

    /** A node's hook: the switchover script, in `mode` (none: the preStop hand-over). */
    private hookCommand(...mode: string[]): string[] {
        return ["sh", this.switchoverScript, ...mode];
    }

    /** Runs the switchover script as node `index`'s preStop hook would; resolves with its output, or rejects. */
    switchover(index: number): Promise<string> {
        return runSwitchover(this.hookCommand(), this.podEnv(this.topology.nodes[index], index, ""));
    }

    /** Runs node `index`'s postStart hook (node 0 takes the master back) on its own; resolves with its output. */
    postStart(index: number): Promise<string> {
        return runSwitchover(this.hookCommand(RETURN_MODE), this.podEnv(this.topology.nodes[index], index, ""));
    }

    /** Stops every process by its PID and removes the directory. */
    async destroy(): Promise<void> {
        const proxy = this.proxyProcess;
        if (proxy && proxy.exitCode === null && proxy.signalCode === null) {
            await new Promise<void>((resolve) => {
                proxy.once("exit", () => resolve());
                proxy.kill("SIGKILL");
            });
        }
        await Promise.all([...this.sentinels, ...this.nodes].map((m) => m.kill()));
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** Runs a switchover script as a preStop hook runs: resolves with its output, or rejects with it. */
export function runSwitchover(command: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(command[0], command.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.once("exit", (code) =>
            code === 0 ? resolve(out) : reject(new Error(`switchover failed (${code}): ${out}`)),
        );
    });
}

/** The proxy's own address: after the nodes'. */
function proxyHost(hosts: readonly string[]): string {
    return hosts[0].replace(/\.\d+$/, ".100");
}

/** INFO's `field:value` lines. */
export function parseInfo(info: string): Record<string, string> {
    return Object.fromEntries(
        info
            .split("\r\n")
            .filter((line) => line.includes(":") && !line.startsWith("#"))
            .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)]),
    );
}
