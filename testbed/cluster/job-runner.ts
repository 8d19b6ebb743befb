/**
 * The node agent's stand-in for a container runtime, for the pods of Jobs in the Redis namespaces (the retention
 * CronJob's): it runs the pod's container command as a real process on this machine, and reports how it ended in the
 * pod's status, as the kubelet does, so that the Job controller marks the Job complete or failed by what really ran.
 *
 * There are no images and no mount namespaces here, so three things stand in for them:
 * - **Mounts.** Each ConfigMap and Secret volume is written to a folder of the pod's, a claim's volume is the folder
 *   of its PersistentVolume, and every mention of a mount path in the command, its arguments and the mounted text
 *   files is rewritten to that folder.
 * - **The image's programs.** The command runs with this machine's PATH: `sh` and Debian's `redis-cli`.
 * - **Cluster DNS and the Service.** An environment value that names a Service in front of the running Redis
 *   (`redis`, `redis.<ns>`, `redis.<ns>.svc`, `redis.<ns>.svc.cluster.local`) becomes 127.0.0.1, and one that is
 *   that Service's port becomes the stand-in server's port. A Service with no Redis behind it here is left as it is,
 *   and does not resolve, as a Service without endpoints does not answer. A replicated bus's node names, with their
 *   port, become the nodes' addresses and port here.
 */
import type * as K8s from "@kubernetes/client-node";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Where the stand-in Redis runs, and for which namespace's pod. */
export interface RedisEndpoint {
    readonly namespace: string;
    readonly port: number;
    /**
     * Rewrites the other values that name the bus's pods (a replicated bus's nodes, `<node's DNS name>:6379`) to where
     * they run here.
     */
    readonly localize?: (value: string) => string;
}

/** The output the pod's status keeps, as the kubelet keeps the tail of a failed container's log. */
const MESSAGE_BYTES = 4096;

interface JobRun {
    readonly process: ChildProcess;
    readonly exited: Promise<void>;
}

export function isJobPod(pod: K8s.V1Pod): boolean {
    return (pod.metadata?.ownerReferences ?? []).some((owner) => owner.kind === "Job");
}

/** Rewrites each mount path to the folder standing in for it: `/retention/run.sh` to `<folder>/run.sh`. */
export function localizePaths(text: string, mounts: ReadonlyMap<string, string>): string {
    let result = text;
    // The longest first, so that a mount inside another is rewritten as itself.
    for (const [mountPath, folder] of [...mounts].sort(([a], [b]) => b.length - a.length)) {
        result = result.replace(new RegExp(`(?<=^|[\\s"'=])${escape(mountPath)}(?=/|$|[\\s"'])`, "g"), folder);
    }
    return result;
}

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The addresses cluster DNS gives a Service. */
export function serviceHostNames(service: string, namespace: string): string[] {
    return [
        service,
        `${service}.${namespace}`,
        `${service}.${namespace}.svc`,
        `${service}.${namespace}.svc.cluster.local`,
    ];
}

/**
 * Each ConfigMap and Secret volume the container mounts, written to a folder, a claim's volume the folder of its
 * PersistentVolume, an emptyDir a folder of the pod's: mount path to folder. ConfigMap files have every mount path
 * rewritten to its folder, then `localize` applied (what else differs here: addresses, ports).
 */
export async function writePodVolumes(
    core: K8s.CoreV1Api,
    pod: K8s.V1Pod,
    container: K8s.V1Container,
    podDir: string,
    localize: (text: string) => string = (text) => text,
): Promise<Map<string, string>> {
    const namespace = pod.metadata?.namespace ?? "";
    const mounts = new Map<string, string>();
    const files: string[] = [];
    for (const mount of container.volumeMounts ?? []) {
        const volume = pod.spec?.volumes?.find((v) => v.name === mount.name);
        // A claim's volume is the folder its PersistentVolume names (node-agent.ts binds them), shared by the
        // pods that mount it, as a volume is; the others are the pod's own.
        const folder = volume?.persistentVolumeClaim
            ? await claimFolder(core, namespace, volume.persistentVolumeClaim.claimName)
            : path.join(podDir, "volumes", mount.name);
        fs.mkdirSync(folder, { recursive: true });
        mounts.set(mount.mountPath, folder);
        let data: Record<string, Buffer> = {};
        if (volume?.configMap) {
            const map = await core.readNamespacedConfigMap({ name: volume.configMap.name ?? "", namespace });
            data = Object.fromEntries(Object.entries(map.data ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
        } else if (volume?.secret) {
            const secret = await core.readNamespacedSecret({ name: volume.secret.secretName ?? "", namespace });
            data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64")]));
        }
        for (const [key, value] of Object.entries(data)) {
            fs.writeFileSync(path.join(folder, key), value);
            if (volume?.configMap) files.push(path.join(folder, key));
        }
    }
    // A script names its neighbours by their mount path (run.sh: --eval /retention/trim.lua).
    for (const file of files) {
        fs.writeFileSync(file, localize(localizePaths(fs.readFileSync(file, "utf8"), mounts)));
    }
    return mounts;
}

/** The folder of a claim's PersistentVolume (a hostPath here). */
async function claimFolder(core: K8s.CoreV1Api, namespace: string, claimName: string): Promise<string> {
    const claim = await core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace });
    const volume = claim.spec?.volumeName
        ? await core.readPersistentVolume({ name: claim.spec.volumeName })
        : undefined;
    const folder = volume?.spec?.hostPath?.path;
    if (folder === undefined) throw new Error(`claim ${namespace}/${claimName} is not bound to a volume here`);
    return folder;
}

/**
 * The container's environment as the kubelet builds it: literal values with `$(NAME)` of earlier ones expanded, the
 * pod's name and namespace from field references, Secret and ConfigMap keys resolved; `route` rewrites each value.
 */
export async function containerEnvironment(
    core: K8s.CoreV1Api,
    pod: K8s.V1Pod,
    container: K8s.V1Container,
    route: (value: string) => string = (value) => value,
): Promise<NodeJS.ProcessEnv> {
    const namespace = pod.metadata?.namespace ?? "";
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: "/nonexistent" };
    const fields: Record<string, string | undefined> = {
        "metadata.name": pod.metadata?.name,
        "metadata.namespace": namespace,
    };
    for (const variable of container.env ?? []) {
        let value = variable.value?.replace(
            /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
            (whole, name: string) => env[name] ?? whole,
        );
        const secretRef = variable.valueFrom?.secretKeyRef;
        const mapRef = variable.valueFrom?.configMapKeyRef;
        const fieldRef = variable.valueFrom?.fieldRef;
        if (secretRef) {
            const secret = await core.readNamespacedSecret({ name: secretRef.name ?? "", namespace });
            const encoded = secret.data?.[secretRef.key];
            value = encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString();
        } else if (mapRef) {
            const map = await core.readNamespacedConfigMap({ name: mapRef.name ?? "", namespace });
            value = map.data?.[mapRef.key];
        } else if (fieldRef) {
            value = fields[fieldRef.fieldPath];
        }
        if (value === undefined) continue;
        env[variable.name] = route(value);
    }
    return env;
}

export class JobRunner {
    private readonly running = new Map<string, JobRun>();
    private readonly done = new Set<string>();

    constructor(
        private readonly dir: string,
        private readonly core: K8s.CoreV1Api,
    ) {}

    /** Starts each new running Job pod of `namespaces`, and stops the process of one that was deleted. */
    async reconcile(namespaces: readonly string[], redis: RedisEndpoint | undefined): Promise<void> {
        const pods = (
            await Promise.all(
                namespaces.map((namespace) =>
                    this.core.listNamespacedPod({ namespace }).catch(() => ({ items: [] as K8s.V1Pod[] })),
                ),
            )
        ).flatMap((list) => list.items);
        const live = new Set<string>();
        for (const pod of pods.filter(isJobPod)) {
            const uid = pod.metadata?.uid ?? "";
            if (pod.metadata?.deletionTimestamp !== undefined) continue;
            live.add(uid);
            if (pod.status?.phase === "Running" && !this.running.has(uid) && !this.done.has(uid)) {
                await this.start(pod, redis);
            }
        }
        // The Job controller deletes a pod past its deadline: its process goes with it.
        for (const [uid, run] of this.running) {
            if (!live.has(uid)) run.process.kill("SIGKILL");
        }
    }

    async stop(): Promise<void> {
        for (const run of this.running.values()) run.process.kill("SIGKILL");
        await Promise.all([...this.running.values()].map((run) => run.exited));
    }

    private async start(pod: K8s.V1Pod, redis: RedisEndpoint | undefined): Promise<void> {
        const uid = pod.metadata?.uid ?? "";
        const podDir = path.join(this.dir, "jobs", uid);
        fs.mkdirSync(podDir, { recursive: true });
        const [container, ...others] = pod.spec?.containers ?? [];
        if (container === undefined || others.length > 0) {
            this.done.add(uid);
            await this.report(pod, 1, "the node agent runs Job pods of one container only");
            return;
        }
        const mounts = await writePodVolumes(this.core, pod, container, podDir);
        const env = await this.environment(pod, container, redis);
        const [command, ...args] = [...(container.command ?? []), ...(container.args ?? [])].map((part) =>
            localizePaths(part, mounts),
        );
        if (command === undefined) {
            this.done.add(uid);
            await this.report(pod, 1, "the node agent has no image entrypoint to run: the container names no command");
            return;
        }
        const output = fs.createWriteStream(path.join(podDir, "output.log"));
        let tail = "";
        const child = spawn(command, args, { cwd: podDir, env, stdio: ["ignore", "pipe", "pipe"] });
        for (const stream of [child.stdout, child.stderr]) {
            stream.on("data", (chunk: Buffer) => {
                output.write(chunk);
                tail = (tail + chunk.toString()).slice(-MESSAGE_BYTES);
            });
        }
        const exited = new Promise<void>((resolve) => {
            child.once("error", (error) => {
                tail += String(error);
            });
            child.once("close", (code, signal) => {
                output.end();
                this.running.delete(uid);
                this.done.add(uid);
                const exitCode = code ?? (signal === "SIGKILL" ? 137 : 1);
                void this.report(pod, exitCode, tail).finally(resolve);
            });
        });
        this.running.set(uid, { process: child, exited });
    }

    /** The container's environment, with the Service in front of the running Redis routed here. */
    private async environment(
        pod: K8s.V1Pod,
        container: K8s.V1Container,
        redis: RedisEndpoint | undefined,
    ): Promise<NodeJS.ProcessEnv> {
        const namespace = pod.metadata?.namespace ?? "";
        const routes = redis?.namespace === namespace ? await this.redisServices(namespace) : [];
        return containerEnvironment(this.core, pod, container, (value) => {
            const route = routes.find((r) => r.hosts.includes(value) || r.ports.includes(value));
            if (redis === undefined) return value;
            if (route === undefined) return redis.localize?.(value) ?? value;
            return route.hosts.includes(value) ? "127.0.0.1" : String(redis.port);
        });
    }

    /** The Services that select the Redis pod: their DNS names, and their ports as text. */
    private async redisServices(namespace: string): Promise<Array<{ hosts: string[]; ports: string[] }>> {
        const services = await this.core.listNamespacedService({ namespace });
        return services.items
            .filter((s) => s.spec?.selector?.app === "redis")
            .map((s) => ({
                hosts: serviceHostNames(s.metadata?.name ?? "", namespace),
                ports: (s.spec?.ports ?? []).map((p) => String(p.port)),
            }));
    }

    /** How the container ended, in the pod's status: what the Job controller reads. */
    private async report(pod: K8s.V1Pod, exitCode: number, message: string): Promise<void> {
        const name = pod.metadata?.name ?? "";
        const namespace = pod.metadata?.namespace ?? "";
        const now = new Date();
        for (let attempt = 0; attempt < 10; attempt++) {
            try {
                const current = await this.core.readNamespacedPodStatus({ name, namespace });
                current.status = {
                    ...current.status,
                    phase: exitCode === 0 ? "Succeeded" : "Failed",
                    conditions: (current.status?.conditions ?? []).map((c) =>
                        c.type === "Ready" || c.type === "ContainersReady" ? { ...c, status: "False" } : c,
                    ),
                    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
                        name: c.name,
                        image: c.image ?? "",
                        imageID: "",
                        ready: false,
                        restartCount: 0,
                        started: false,
                        state: {
                            terminated: {
                                exitCode,
                                reason: exitCode === 0 ? "Completed" : "Error",
                                message,
                                startedAt: now,
                                finishedAt: now,
                            },
                        },
                    })),
                };
                await this.core.replaceNamespacedPodStatus({ name, namespace, body: current });
                return;
            } catch (error) {
                // A conflict (KWOK wrote the status meanwhile), or the pod is gone: read again, or give up.
                if (attempt === 9) throw error;
            }
        }
    }
}
