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
 */
import type * as K8s from "@kubernetes/client-node";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import { readState } from "./local-cluster";

const POLL_MS = 250;
const PROVISIONED = "dsm-redis.local/provisioned-by";

interface RedisRun {
    readonly podUid: string;
    readonly process: ChildProcess;
    readonly exited: Promise<void>;
}

export async function runNodeAgent(dir: string): Promise<void> {
    const state = readState(dir);
    if (state === undefined) throw new Error(`no cluster state in ${dir}`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const k8s = require("@kubernetes/client-node") as typeof K8s;
    const config = new k8s.KubeConfig();
    config.loadFromFile(state.kubeconfig);
    const core = config.makeApiClient(k8s.CoreV1Api);
    const redisDir = path.join(dir, "redis");
    let current: RedisRun | undefined;
    let stopping = false;

    const stopRedis = async () => {
        const run = current;
        current = undefined;
        if (run === undefined) return;
        run.process.kill("SIGTERM");
        await run.exited;
    };
    process.on("SIGTERM", () => {
        stopping = true;
        void stopRedis().then(() => process.exit(0));
    });

    const provision = async () => {
        const claims = await core.listPersistentVolumeClaimForAllNamespaces();
        for (const claim of claims.items) {
            if (claim.spec?.volumeName || claim.status?.phase !== "Pending" || !claim.metadata?.uid) continue;
            const folder = path.join(
                dir,
                "volumes",
                `${claim.metadata.namespace}-${claim.metadata.name}-${claim.metadata.uid}`,
            );
            fs.mkdirSync(folder, { recursive: true });
            await core.createPersistentVolume({
                body: {
                    metadata: { name: `pv-${claim.metadata.uid}`, labels: { [PROVISIONED]: "node-agent" } },
                    spec: {
                        capacity: { storage: claim.spec?.resources?.requests?.storage ?? "1Gi" },
                        accessModes: claim.spec?.accessModes ?? ["ReadWriteOnce"],
                        storageClassName: claim.spec?.storageClassName ?? "",
                        persistentVolumeReclaimPolicy: "Delete",
                        hostPath: { path: folder, type: "DirectoryOrCreate" },
                        claimRef: {
                            namespace: claim.metadata.namespace,
                            name: claim.metadata.name,
                            uid: claim.metadata.uid,
                        },
                    },
                },
            });
        }
        const volumes = await core.listPersistentVolume({ labelSelector: `${PROVISIONED}=node-agent` });
        for (const volume of volumes.items) {
            if (volume.status?.phase !== "Released" || !volume.metadata?.name) continue;
            fs.rmSync(volume.spec?.hostPath?.path ?? "/nonexistent", { recursive: true, force: true });
            await core.deletePersistentVolume({ name: volume.metadata.name });
        }
    };

    /** The data folder of a pod: its claim's volume, or a folder of its own for an emptyDir. */
    const dataFolder = async (pod: K8s.V1Pod): Promise<string | undefined> => {
        const data = pod.spec?.volumes?.find((v) => v.name === "data");
        const namespace = pod.metadata?.namespace ?? "";
        if (data?.persistentVolumeClaim) {
            const claim = await core.readNamespacedPersistentVolumeClaim({
                name: data.persistentVolumeClaim.claimName,
                namespace,
            });
            if (!claim.spec?.volumeName) return undefined;
            const volume = await core.readPersistentVolume({ name: claim.spec.volumeName });
            return volume.spec?.hostPath?.path;
        }
        const folder = path.join(dir, "volumes", `emptydir-${pod.metadata?.uid}`);
        fs.mkdirSync(folder, { recursive: true });
        return folder;
    };

    const startRedis = async (pod: K8s.V1Pod): Promise<void> => {
        const namespace = pod.metadata?.namespace ?? "";
        const uid = pod.metadata?.uid ?? "";
        const volumes = pod.spec?.volumes ?? [];
        const configMap = volumes.find((v) => v.configMap)?.configMap?.name;
        const aclSecret = volumes.find((v) => v.name === "acl")?.secret?.secretName;
        const data = await dataFolder(pod);
        if (data === undefined) return;
        const podDir = path.join(redisDir, "pods", uid);
        fs.mkdirSync(podDir, { recursive: true });
        // A pod without a config volume (the design's plain manifest) runs the image's defaults: no file, no ACL.
        let conf = "";
        if (configMap !== undefined) {
            const text = (await core.readNamespacedConfigMap({ name: configMap, namespace })).data?.["redis.conf"];
            if (text === undefined) return;
            conf = text;
        }
        if (aclSecret !== undefined) {
            const acl = (await core.readNamespacedSecret({ name: aclSecret, namespace })).data?.["users.acl"];
            if (acl === undefined) return;
            fs.writeFileSync(path.join(podDir, "users.acl"), Buffer.from(acl, "base64"));
        }
        // The pod's own file, with only what differs on this machine replaced: the address, the port and the paths
        // the pod would have mounted (redis-server reads `dir` as it parses, so it cannot wait for an override).
        const local: Record<string, string> = {
            bind: "127.0.0.1",
            port: String(state.redisPort),
            dir: data,
            ...(aclSecret === undefined ? {} : { aclfile: path.join(podDir, "users.acl") }),
            logfile: '""',
            daemonize: "no",
        };
        const lines = conf.split("\n");
        const rewritten = [
            ...lines.map((line) => {
                const directive = line.split(" ")[0];
                return directive in local ? `${directive} ${local[directive]}` : line;
            }),
            // Directives the pod's file does not set, at the end (the image's defaults would bind everywhere).
            ...Object.entries(local)
                .filter(([directive]) => !lines.some((line) => line.split(" ")[0] === directive))
                .map(([directive, value]) => `${directive} ${value}`),
        ].join("\n");
        fs.writeFileSync(path.join(podDir, "redis.conf"), rewritten);
        const child = spawn("redis-server", [path.join(podDir, "redis.conf")], { stdio: ["ignore", "pipe", "pipe"] });
        fs.writeFileSync(path.join(redisDir, "redis-server.pid"), String(child.pid));
        // kubectl logs reads CRI-format lines: RFC 3339 time, stream, tag F (a full line), the text.
        const log = fs.createWriteStream(path.join(redisDir, "redis.log"), { flags: "w" });
        for (const [stream, name] of [
            [child.stdout, "stdout"],
            [child.stderr, "stderr"],
        ] as const) {
            readline.createInterface({ input: stream }).on("line", (line) => {
                log.write(`${new Date().toISOString()} ${name} F ${line}\n`);
            });
        }
        const exited = new Promise<void>((resolve) => child.once("exit", () => log.end(() => resolve())));
        current = { podUid: uid, process: child, exited };
        void exited.then(() => {
            if (current?.podUid === uid && current.process === child) current = undefined;
        });
    };

    const reconcileRedis = async () => {
        const pods = (
            await Promise.all(
                state.redisNamespaces.map((namespace) =>
                    core.listNamespacedPod({ namespace, labelSelector: "app=redis" }).catch(() => ({ items: [] })),
                ),
            )
        ).flatMap((list) => list.items);
        const running = pods
            .filter((p) => p.status?.phase === "Running" && p.metadata?.deletionTimestamp === undefined)
            .sort((a, b) => String(b.metadata?.creationTimestamp).localeCompare(String(a.metadata?.creationTimestamp)));
        const pod = running[0];
        if (pod === undefined || pod.metadata?.uid !== current?.podUid) await stopRedis();
        if (pod !== undefined && current === undefined) await startRedis(pod);
    };

    fs.writeFileSync(path.join(dir, "node-agent.ready"), String(process.pid));
    while (!stopping) {
        for (const step of [provision, reconcileRedis]) {
            await step().catch((error: unknown) => {
                process.stderr.write(`${new Date().toISOString()} ${step.name}: ${String(error)}\n`);
            });
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
}
