/**
 * The node agent of the local cluster: a stand-in for what KWOK does not do, the container runtime and a storage
 * provisioner. It is a test fixture, named as such in README.
 *
 * - **Volumes.** A PersistentVolumeClaim that nothing has bound gets a PersistentVolume of its size and class, on a
 *   folder of the cluster's, bound to it; a released volume is deleted with its folder (reclaim policy Delete).
 * - **Redis.** For the newest running pod labelled `app=redis` in the Redis namespaces, it starts a real
 *   redis-server with that pod's redis.conf and ACL file, read from the ConfigMap and Secret its volumes name, and
 *   its data in the folder of the pod's volume (a claim's volume, or a fresh folder for an emptyDir). KWOK forwards
 *   the pod's port 6379 there and serves the server's log, written in CRI format, to `kubectl logs`. A new pod (a
 *   rollout) replaces the server, after the old one has stopped, as `strategy: Recreate` does; a server that dies is
 *   restarted, as the kubelet restarts a container.
 * - **A replicated bus.** Its nodes, their Sentinels and its proxy run as real processes (replicated-pods.ts).
 * - **Jobs.** The pods of Jobs in the Redis namespaces (the retention CronJob's) run for real, and end as their
 *   process ends (job-runner.ts).
 */
import type * as K8s from "@kubernetes/client-node";
import type { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { JobRunner } from "./job-runner";
import { ClusterState, readState } from "./local-cluster";
import { spawnWithCriLog } from "./processes";
import { ReplicatedPods } from "./replicated-pods";

const POLL_MS = 250;
const PROVISIONED = "dsm-redis.local/provisioned-by";

interface RedisRun {
    readonly podUid: string;
    readonly namespace: string;
    readonly process: ChildProcess;
    readonly exited: Promise<void>;
}

/** Runs the agent on the cluster whose state is in `dir` until SIGTERM. */
export async function runNodeAgent(dir: string): Promise<void> {
    const state = readState(dir);
    if (state === undefined) throw new Error(`no cluster state in ${dir}`);
    const agent = new NodeAgent(dir, state, coreApi(state.kubeconfig));
    process.on("SIGTERM", () => void agent.stop().then(() => process.exit(0)));
    fs.writeFileSync(path.join(dir, "node-agent.ready"), String(process.pid));
    await agent.reconcileUntilStopped();
}

function coreApi(kubeconfig: string): K8s.CoreV1Api {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const k8s = require("@kubernetes/client-node") as typeof K8s;
    const config = new k8s.KubeConfig();
    config.loadFromFile(kubeconfig);
    return config.makeApiClient(k8s.CoreV1Api);
}

/**
 * A pod's redis.conf as it runs here: the pod's own file, with only what differs on this machine replaced (the
 * address, the port and the paths the pod would have mounted; redis-server reads `dir` as it parses, so it cannot
 * wait for an override), and the directives the file does not set added at the end (the image's defaults would bind
 * everywhere).
 */
export function localRedisConf(podConf: string, local: Readonly<Record<string, string>>): string {
    const lines = podConf.split("\n");
    const directiveOf = (line: string) => line.split(" ")[0];
    return [
        ...lines.map((line) =>
            directiveOf(line) in local ? `${directiveOf(line)} ${local[directiveOf(line)]}` : line,
        ),
        ...Object.entries(local)
            .filter(([directive]) => !lines.some((line) => directiveOf(line) === directive))
            .map(([directive, value]) => `${directive} ${value}`),
    ].join("\n");
}

class NodeAgent {
    private current: RedisRun | undefined;
    private stopping = false;
    private readonly redisDir: string;
    private readonly jobs: JobRunner;
    private readonly replicated: ReplicatedPods;

    constructor(
        private readonly dir: string,
        private readonly state: ClusterState,
        private readonly core: K8s.CoreV1Api,
    ) {
        this.redisDir = path.join(dir, "redis");
        this.jobs = new JobRunner(dir, core);
        this.replicated = new ReplicatedPods(dir, state, core);
    }

    /** Each pass: bind pending claims, delete released volumes, run the newest Redis pod's server, and Jobs' pods. */
    async reconcileUntilStopped(): Promise<void> {
        const steps = [
            ["provisionClaims", () => this.provisionClaims()],
            ["deleteReleasedVolumes", () => this.deleteReleasedVolumes()],
            ["reconcileRedis", () => this.reconcileRedis()],
            ["reconcileReplicated", () => this.replicated.reconcile()],
            [
                "reconcileJobs",
                () =>
                    this.jobs.reconcile(
                        this.state.redisNamespaces,
                        this.current
                            ? { namespace: this.current.namespace, port: this.state.redisPort }
                            : this.replicated.serviceEndpoint(),
                    ),
            ],
        ] as const;
        while (!this.stopping) {
            for (const [name, step] of steps) {
                await step().catch((error: unknown) => {
                    process.stderr.write(`${new Date().toISOString()} ${name}: ${String(error)}\n`);
                });
            }
            await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
    }

    async stop(): Promise<void> {
        this.stopping = true;
        await this.jobs.stop();
        await this.replicated.stop();
        await this.stopRedis();
    }

    /** A PersistentVolume on a folder of the cluster's for each claim nothing has bound, bound to it. */
    private async provisionClaims(): Promise<void> {
        const claims = await this.core.listPersistentVolumeClaimForAllNamespaces();
        for (const claim of claims.items) {
            if (claim.spec?.volumeName || claim.status?.phase !== "Pending" || !claim.metadata?.uid) continue;
            const { namespace, name, uid } = claim.metadata;
            const folder = path.join(this.dir, "volumes", `${namespace}-${name}-${uid}`);
            fs.mkdirSync(folder, { recursive: true });
            await this.core.createPersistentVolume({
                body: {
                    metadata: { name: `pv-${uid}`, labels: { [PROVISIONED]: "node-agent" } },
                    spec: {
                        capacity: { storage: claim.spec?.resources?.requests?.storage ?? "1Gi" },
                        accessModes: claim.spec?.accessModes ?? ["ReadWriteOnce"],
                        storageClassName: claim.spec?.storageClassName ?? "",
                        persistentVolumeReclaimPolicy: "Delete",
                        hostPath: { path: folder, type: "DirectoryOrCreate" },
                        claimRef: { namespace, name, uid },
                    },
                },
            });
        }
    }

    /** Reclaim policy Delete: a released volume goes, with its folder. */
    private async deleteReleasedVolumes(): Promise<void> {
        const volumes = await this.core.listPersistentVolume({ labelSelector: `${PROVISIONED}=node-agent` });
        for (const volume of volumes.items) {
            if (volume.status?.phase !== "Released" || !volume.metadata?.name) continue;
            fs.rmSync(volume.spec?.hostPath?.path ?? "/nonexistent", { recursive: true, force: true });
            await this.core.deletePersistentVolume({ name: volume.metadata.name });
        }
    }

    /** The newest running Redis pod has the server; a new pod replaces it after the old one stopped (Recreate). */
    private async reconcileRedis(): Promise<void> {
        const lists = await Promise.all(
            this.state.redisNamespaces.map((namespace) =>
                this.core.listNamespacedPod({ namespace, labelSelector: "app=redis" }).catch(() => ({ items: [] })),
            ),
        );
        const running = lists
            .flatMap((list) => list.items)
            // A replicated bus's proxy pods are app=redis too: replicated-pods.ts runs them.
            .filter((p) => p.status?.phase === "Running" && p.metadata?.deletionTimestamp === undefined)
            .filter((p) => !ReplicatedPods.isProxyPod(p))
            .sort((a, b) => String(b.metadata?.creationTimestamp).localeCompare(String(a.metadata?.creationTimestamp)));
        const pod = running[0];
        if (pod === undefined || pod.metadata?.uid !== this.current?.podUid) await this.stopRedis();
        if (pod !== undefined && this.current === undefined) await this.startRedis(pod);
    }

    private async stopRedis(): Promise<void> {
        const run = this.current;
        this.current = undefined;
        if (run === undefined) return;
        run.process.kill("SIGTERM");
        await run.exited;
    }

    /** The data folder of a pod: its claim's volume, or a folder of its own for an emptyDir. */
    private async dataFolder(pod: K8s.V1Pod): Promise<string | undefined> {
        const data = pod.spec?.volumes?.find((v) => v.name === "data");
        if (data?.persistentVolumeClaim) {
            const claim = await this.core.readNamespacedPersistentVolumeClaim({
                name: data.persistentVolumeClaim.claimName,
                namespace: pod.metadata?.namespace ?? "",
            });
            if (!claim.spec?.volumeName) return undefined;
            const volume = await this.core.readPersistentVolume({ name: claim.spec.volumeName });
            return volume.spec?.hostPath?.path;
        }
        const folder = path.join(this.dir, "volumes", `emptydir-${pod.metadata?.uid}`);
        fs.mkdirSync(folder, { recursive: true });
        return folder;
    }

    /**
     * The pod's redis.conf and ACL file, from the ConfigMap and Secret its volumes name, written into its folder;
     * undefined while they (or its volume) are not there yet.
     */
    private async writePodFiles(pod: K8s.V1Pod, podDir: string): Promise<string | undefined> {
        const namespace = pod.metadata?.namespace ?? "";
        const volumes = pod.spec?.volumes ?? [];
        const configMap = volumes.find((v) => v.configMap)?.configMap?.name;
        const aclSecret = volumes.find((v) => v.name === "acl")?.secret?.secretName;
        const data = await this.dataFolder(pod);
        if (data === undefined) return undefined;
        // A pod without a config volume (the design's plain manifest) runs the image's defaults: no file, no ACL.
        let conf = "";
        if (configMap !== undefined) {
            const text = (await this.core.readNamespacedConfigMap({ name: configMap, namespace })).data?.["redis.conf"];
            if (text === undefined) return undefined;
            conf = text;
        }
        fs.mkdirSync(podDir, { recursive: true });
        if (aclSecret !== undefined) {
            const acl = (await this.core.readNamespacedSecret({ name: aclSecret, namespace })).data?.["users.acl"];
            if (acl === undefined) return undefined;
            fs.writeFileSync(path.join(podDir, "users.acl"), Buffer.from(acl, "base64"));
        }
        const file = path.join(podDir, "redis.conf");
        const local = {
            bind: "127.0.0.1",
            port: String(this.state.redisPort),
            dir: data,
            ...(aclSecret === undefined ? {} : { aclfile: path.join(podDir, "users.acl") }),
            logfile: '""',
            daemonize: "no",
        };
        fs.writeFileSync(file, localRedisConf(conf, local));
        return file;
    }

    /** Starts the pod's redis-server, its log in CRI format for `kubectl logs`. */
    private async startRedis(pod: K8s.V1Pod): Promise<void> {
        const uid = pod.metadata?.uid ?? "";
        const conf = await this.writePodFiles(pod, path.join(this.redisDir, "pods", uid));
        if (conf === undefined) return;
        const { process: child, exited } = spawnWithCriLog(
            "redis-server",
            [conf],
            {},
            path.join(this.redisDir, "redis.log"),
            "w",
        );
        fs.writeFileSync(path.join(this.redisDir, "redis-server.pid"), String(child.pid));
        this.current = { podUid: uid, namespace: pod.metadata?.namespace ?? "", process: child, exited };
        // A server that dies is restarted on the next pass, as the kubelet restarts a container.
        void exited.then(() => {
            if (this.current?.podUid === uid && this.current.process === child) this.current = undefined;
        });
    }
}
