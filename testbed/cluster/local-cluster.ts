/**
 * A Kubernetes control plane on this machine, from binaries built by tools/build.sh: etcd, kube-apiserver (real TLS
 * from a generated CA, service-account keys, PodSecurity admission on), kube-controller-manager, kube-scheduler, and
 * KWOK with one node, whose pods report Running and Ready without containers. A node agent stands in for the
 * container runtime and the storage provisioner (see node-agent.ts). Every process binds to loopback, on free ports.
 *
 * Its state folder holds everything: certificates, the admin kubeconfig, data, logs, and state.json with the PIDs, so
 * that `stopCluster` (or `npm run cluster:down`) stops each process by its PID and removes the folder.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as http from "http";
import * as path from "path";
import { Pki, adminKubeconfig, createPki } from "./pki";
import { Started, freePort, isAlive, startProcess, stopProcess, waitUntilReady } from "./processes";
import { builtTools } from "../built-tools";
import { NODE_SELECTOR, nodePodName } from "../../components/builders/object-names";
import { NODE_CONTAINERS, containerLogFile } from "./replicated-pods";
import { REPO_ROOT } from "../../ops/lib/repo-root";

/** The folder `npm run cluster:up` uses unless DSM_CLUSTER_DIR says otherwise. */
export const DEFAULT_CLUSTER_DIR = path.join(process.env.HOME ?? "/tmp", ".cache", "dsm-redis", "cluster");

export const NODE_NAME = "kwok-node-0";

export interface ClusterOptions {
    /** Namespaces whose pods' port 6379 leads to the stand-in Redis, and whose Redis logs `kubectl logs` serves. */
    readonly redisNamespaces?: readonly string[];
}

export interface ClusterState {
    readonly dir: string;
    readonly kubeconfig: string;
    readonly server: string;
    /** The loopback port of the stand-in redis-server that the Redis pod's port 6379 forwards to. */
    readonly redisPort: number;
    readonly redisNamespaces: readonly string[];
    /**
     * A replicated bus's nodes (pods redis-node-<n> of a Redis namespace): each runs at its own loopback address, as a
     * pod has its own IP, on these ports; KWOK forwards each node pod's port 6379 to its address.
     */
    readonly replicated: ReplicatedNodesLayout;
    /** The binaries' folders (kubectl is in `kubernetes`). */
    readonly bin: { readonly kubernetes: string; readonly kwok: string };
    readonly processes: readonly Started[];
    /** Seconds from the start to a node that is Ready. */
    readonly startSeconds: number;
}

const STATE_FILE = "state.json";

export interface ReplicatedNodesLayout {
    /** Each node's address, by ordinal: a /24 of its own in 127.0.0.0/8. */
    readonly addresses: readonly string[];
    readonly redisPort: number;
    readonly sentinelPort: number;
}

/** The most nodes a replicated bus may have (the `replicas` setting's bound). */
const MAX_NODES = 7;

/** The binaries' folders, once built (tools/build.sh; this never builds, see built-tools.ts). */
function clusterBinaries(): ClusterState["bin"] {
    const { kubernetes, kwok } = builtTools("cluster");
    return { kubernetes, kwok };
}

function get(url: string, pki?: Pki): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const options = pki
            ? {
                  ca: fs.readFileSync(pki.caCert),
                  cert: fs.readFileSync(pki.adminCert),
                  key: fs.readFileSync(pki.adminKey),
              }
            : {};
        const request = (url.startsWith("https") ? https : http).get(url, options, (response) => {
            let body = "";
            response.on("data", (chunk) => (body += chunk));
            response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on("error", reject);
        request.setTimeout(2000, () => request.destroy(new Error("timeout")));
    });
}

/** What KWOK is told besides its stages: where port-forwards of Redis pods go, and where their logs are. */
function kwokConfig(
    redisPort: number,
    namespaces: readonly string[],
    redisLog: string,
    replicated: ReplicatedNodesLayout,
    clusterDir: string,
): string {
    // A node pod by name, before the rules for every pod: its port 6379 leads to its own server, and its containers'
    // logs are the files the node agent writes for it (replicated-pods.ts).
    const nodeForwards = namespaces.flatMap((namespace) =>
        replicated.addresses.map(
            (address, ordinal) => `apiVersion: kwok.x-k8s.io/v1alpha1
kind: PortForward
metadata:
  name: ${nodePodName(ordinal)}
  namespace: ${namespace}
spec:
  forwards:
    - ports: [6379]
      target:
        address: ${address}
        port: ${replicated.redisPort}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Logs
metadata:
  name: ${nodePodName(ordinal)}
  namespace: ${namespace}
spec:
  logs:
${NODE_CONTAINERS.map(
    (container) => `    - containers: [${container}]
      logsFile: ${containerLogFile(clusterDir, nodePodName(ordinal), container)}
      follow: true
`,
).join("")}---
`,
        ),
    );
    return `${nodeForwards.join("")}apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata:
  name: redis-stand-in
spec:
  selector:
    matchNamespaces: ${JSON.stringify(namespaces)}
  forwards:
    - ports: [6379]
      target:
        address: 127.0.0.1
        port: ${redisPort}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: redis-stand-in
spec:
  selector:
    matchNamespaces: ${JSON.stringify(namespaces)}
  logs:
    - containers: [redis]
      logsFile: ${redisLog}
      follow: true
`;
}

export function readState(dir: string): ClusterState | undefined {
    const file = path.join(dir, STATE_FILE);
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as ClusterState) : undefined;
}

/** Runs kubectl against the cluster; returns its stdout, throwing with its stderr on failure. */
export function kubectl(
    state: Pick<ClusterState, "bin" | "kubeconfig">,
    args: readonly string[],
    input?: string,
): string {
    return execFileSync(path.join(state.bin.kubernetes, "kubectl"), ["--kubeconfig", state.kubeconfig, ...args], {
        encoding: "utf8",
        input,
        stdio: ["pipe", "pipe", "pipe"],
    });
}

/**
 * Starts the control plane in `dir` (created; it must not hold a running cluster) and returns once the node is Ready
 * and the default ServiceAccount exists, i.e. once pods can be admitted and scheduled.
 */
export async function startCluster(dir: string, options: ClusterOptions = {}): Promise<ClusterState> {
    const started = Date.now();
    refuseRunningCluster(dir);
    const launch = await prepareCluster(dir, options);
    try {
        const etcdUrl = await startEtcd(launch);
        await startApiServer(launch, etcdUrl);
        const controllers = startControllers(launch);
        const kwok = startKwok(launch);
        const agent = startNodeAgent(launch);
        await untilControllersAndAgentReady(launch, [...controllers, kwok], agent);
        await untilNodeReady(launch, kwok);
        const result = { ...launch.state, startSeconds: (Date.now() - started) / 1000 };
        launch.save(result);
        return result;
    } catch (error) {
        await stopCluster(dir);
        throw error;
    }
}

/** What every step shares: the state being built, its certificates and ports, and how to start a logged process. */
interface Launch {
    readonly state: ClusterState;
    readonly pki: Pki;
    readonly ports: Readonly<Record<"etcd" | "etcdPeer" | "manager" | "scheduler" | "kwok", number>>;
    /** Starts a process, logging to logs/, and records its PID in the state file at once (so cluster:down finds it). */
    readonly start: (name: string, command: string, args: string[]) => Started;
    readonly save: (extra?: Partial<ClusterState>) => void;
}

/** A /24 for the nodes, from the API server's free port, so that two clusters on one machine do not meet. */
function nodeSubnet(apiPort: number): number {
    return 100 + (apiPort % 150);
}

function refuseRunningCluster(dir: string): void {
    const running = readState(dir);
    if (running !== undefined && running.processes.some((p) => isAlive(p.pid))) {
        throw new Error(`a cluster is already running from ${dir}; stop it first (npm run cluster:down)`);
    }
}

/** A fresh folder, the certificates, free ports and the admin kubeconfig. */
async function prepareCluster(dir: string, options: ClusterOptions): Promise<Launch> {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const sub of ["logs", "etcd", "volumes", "redis"]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    const logs = path.join(dir, "logs");
    const pki = createPki(path.join(dir, "pki"));
    const [etcd, etcdPeer, apiPort, manager, scheduler, kwok, redisPort, nodePort, sentinelPort] = await Promise.all(
        Array.from({ length: 9 }, freePort),
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfig, adminKubeconfig(pki, server), { mode: 0o600 });
    const processes: Started[] = [];
    const state: ClusterState = {
        dir,
        kubeconfig,
        server,
        redisPort,
        redisNamespaces: options.redisNamespaces ?? ["dsm"],
        replicated: {
            addresses: Array.from(
                { length: MAX_NODES },
                (_, ordinal) => `127.0.${nodeSubnet(apiPort)}.${ordinal + 10}`,
            ),
            redisPort: nodePort,
            sentinelPort,
        },
        bin: clusterBinaries(),
        processes,
        startSeconds: 0,
    };
    const save = (extra: Partial<ClusterState> = {}) =>
        fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify({ ...state, ...extra }, null, 2));
    const start = (name: string, command: string, args: string[]) => {
        const process_ = startProcess(name, command, args, logs);
        processes.push(process_);
        save();
        return process_;
    };
    return { state, pki, ports: { etcd, etcdPeer, manager, scheduler, kwok }, start, save };
}

async function startEtcd({ state, ports, start }: Launch): Promise<string> {
    const etcdUrl = `http://127.0.0.1:${ports.etcd}`;
    const etcd = start("etcd", path.join(state.bin.kubernetes, "etcd"), [
        "--name=dsm-local",
        `--data-dir=${path.join(state.dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-cluster=dsm-local=http://127.0.0.1:${ports.etcdPeer}`,
        // A throwaway cluster: losing etcd's last writes on a machine crash costs nothing, fsync costs seconds.
        "--unsafe-no-fsync",
    ]);
    await waitUntilReady(etcd, async () => (await get(`${etcdUrl}/health`)).body.includes('"true"'), 30_000);
    return etcdUrl;
}

async function startApiServer({ state, pki, start }: Launch, etcdUrl: string): Promise<void> {
    const apiserver = start("kube-apiserver", path.join(state.bin.kubernetes, "kube-apiserver"), [
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        // The endpoint reconciler refuses a loopback address; no pod here calls the API through its Service.
        "--endpoint-reconciler-type=none",
        `--secure-port=${new URL(state.server).port}`,
        `--tls-cert-file=${pki.servingCert}`,
        `--tls-private-key-file=${pki.servingKey}`,
        `--client-ca-file=${pki.caCert}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${pki.serviceAccountPublicKey}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        "--service-cluster-ip-range=10.96.0.0/16",
        "--authorization-mode=Node,RBAC",
        // As real clusters do: whether a privileged pod is admitted is then Pod Security's to decide.
        "--allow-privileged=true",
        // KWOK's node answers on 127.0.0.1; its Hostname address is only a name.
        "--kubelet-preferred-address-types=InternalIP",
    ]);
    await waitUntilReady(apiserver, async () => (await get(`${state.server}/readyz`, pki)).status === 200, 90_000);
}

/** The controller manager and the scheduler; neither elects a leader, since each runs once. */
function startControllers({ state, pki, ports, start }: Launch): Started[] {
    const { kubeconfig, bin } = state;
    const kubeconfigs = [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
    ];
    return [
        start("kube-controller-manager", path.join(bin.kubernetes, "kube-controller-manager"), [
            ...kubeconfigs,
            `--secure-port=${ports.manager}`,
            `--root-ca-file=${pki.caCert}`,
            `--service-account-private-key-file=${pki.serviceAccountKey}`,
            "--use-service-account-credentials=false",
        ]),
        start("kube-scheduler", path.join(bin.kubernetes, "kube-scheduler"), [
            ...kubeconfigs,
            `--secure-port=${ports.scheduler}`,
        ]),
    ];
}

/**
 * KWOK's stage that completes a Job's pod at once, as if it had run, kept for the namespaces without Redis: in the
 * Redis namespaces the node agent runs Job pods for real and reports how they ended (job-runner.ts).
 */
function jobsElsewhere(stageFile: string, state: ClusterState): string {
    const file = path.join(state.dir, "pod-complete.yaml");
    fs.writeFileSync(
        file,
        withRequirements(stageFile, [requirement(".metadata.namespace", "NotIn", state.redisNamespaces)]),
    );
    return file;
}

/**
 * KWOK's stages that make a pod Ready and delete it, kept for every pod but a replicated bus's nodes in the Redis
 * namespaces: there the node agent is their kubelet (replicated-pods.ts), Ready when its processes answer, and
 * running the preStop hook before a pod goes. Each stage is split in two, since its requirements all must hold: one
 * for pods that are not nodes, one for nodes elsewhere.
 */
function nodesElsewhere(stageFile: string, state: ClusterState): string[] {
    const name = path.basename(stageFile, ".yaml");
    const notNodes = path.join(state.dir, `${name}.yaml`);
    const nodesOutside = path.join(state.dir, `${name}-nodes-elsewhere.yaml`);
    fs.writeFileSync(notNodes, withRequirements(stageFile, [requirement(".metadata.labels.app", "NotIn", [NODE_APP])]));
    fs.writeFileSync(
        nodesOutside,
        withRequirements(stageFile, [
            requirement(".metadata.labels.app", "In", [NODE_APP]),
            requirement(".metadata.namespace", "NotIn", state.redisNamespaces),
        ]).replace(`  name: ${name}\n`, `  name: ${name}-nodes-elsewhere\n`),
    );
    return [notNodes, nodesOutside];
}

/** The label of a replicated bus's node pods. */
const NODE_APP = NODE_SELECTOR.app;

function requirement(key: string, operator: "In" | "NotIn", values: readonly string[]): string {
    return [
        `    - key: '${key}'`,
        `      operator: '${operator}'`,
        "      values:",
        ...values.map((v) => `      - '${v}'`),
        "",
    ].join("\n");
}

/** A KWOK stage with more requirements in its selector. */
function withRequirements(stageFile: string, requirements: readonly string[]): string {
    const stage = fs.readFileSync(stageFile, "utf8");
    const anchor = "    matchExpressions:\n";
    if (!stage.includes(anchor)) throw new Error(`KWOK's ${stageFile} has no matchExpressions to extend`);
    return stage.replace(anchor, anchor + requirements.join(""));
}

function startKwok({ state, pki, ports, start }: Launch): Started {
    const { dir, bin } = state;
    const kwokConfigFile = path.join(dir, "kwok.yaml");
    fs.writeFileSync(
        kwokConfigFile,
        kwokConfig(state.redisPort, state.redisNamespaces, path.join(dir, "redis", "redis.log"), state.replicated, dir),
    );
    const stages = fs
        .readdirSync(path.join(bin.kwok, "stages"))
        .map((f) => path.join(bin.kwok, "stages", f))
        .flatMap((file) => {
            const base = path.basename(file);
            if (base === "pod-complete.yaml") return [jobsElsewhere(file, state)];
            if (base === "pod-ready.yaml" || base === "pod-delete.yaml") return nodesElsewhere(file, state);
            return [file];
        });
    return start("kwok", path.join(bin.kwok, "kwok"), [
        `--kubeconfig=${state.kubeconfig}`,
        `--config=${[...stages, kwokConfigFile].join(",")}`,
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        "--node-ip=127.0.0.1",
        `--node-name=${NODE_NAME}`,
        `--node-port=${ports.kwok}`,
        // KWOK renews the node's lease, as a kubelet does; without it the node goes NotReady after the grace
        // period, and the node lifecycle controller marks every pod on it not Ready.
        "--node-lease-duration-seconds=40",
        `--server-address=127.0.0.1:${ports.kwok}`,
        `--tls-cert-file=${pki.servingCert}`,
        `--tls-private-key-file=${pki.servingKey}`,
    ]);
}

/** The node KWOK plays, then the agent that stands in for its container runtime and storage provisioner. */
function startNodeAgent({ state, start }: Launch): Started {
    kubectl(state, ["apply", "-f", "-"], nodeManifest());
    return start("node-agent", process.execPath, [
        "-r",
        require.resolve("ts-node/register/transpile-only"),
        path.join(REPO_ROOT, "testbed", "cluster", "node-agent-main.ts"),
        state.dir,
    ]);
}

/** Each process still running (else its log tail), and the agent's ready file written. */
async function untilControllersAndAgentReady({ state }: Launch, others: Started[], agent: Started): Promise<void> {
    for (const p of others) await waitUntilReady(p, async () => isAlive(p.pid), 30_000);
    await waitUntilReady(agent, async () => fs.existsSync(path.join(state.dir, "node-agent.ready")), 30_000);
}

/** Pods can be admitted once the namespace's default ServiceAccount exists, and scheduled once the node is Ready. */
async function untilNodeReady({ state }: Launch, kwok: Started): Promise<void> {
    await waitUntilReady(
        kwok,
        async () =>
            kubectl(state, [
                "get",
                "node",
                NODE_NAME,
                "-o",
                "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
            ]) === "True" && kubectl(state, ["get", "serviceaccount", "default", "-o", "name"]).trim() !== "",
        60_000,
    );
}

/** Stops every process of the cluster in `dir` by its PID, last started first, and removes the folder. */
export async function stopCluster(dir: string, { keep = false } = {}): Promise<void> {
    const state = readState(dir);
    // The node agent's redis-server runs in the agent's process group, and stops with it.
    for (const p of [...(state?.processes ?? [])].reverse()) await stopProcess(p.pid);
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
}

function nodeManifest(): string {
    return `apiVersion: v1
kind: Node
metadata:
  name: ${NODE_NAME}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: ${NODE_NAME}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
`;
}
