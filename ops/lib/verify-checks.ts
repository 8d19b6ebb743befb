/**
 * The verification of the design's section 4, against the stack's cluster: the pod (on a replicated bus, every node
 * and proxy), its log, the Service, and Redis
 * itself through a port-forward as the admin user. Each check stands alone, so that one failure does not hide the others.
 */
import type * as K8s from "@kubernetes/client-node";
import {
    NODE_SELECTOR,
    REDIS_SELECTOR,
    secretNameFor,
    ADMIN_USER,
    REDIS_CONTAINER_PORT,
    PASSWORD_KEY,
    PortForwardConnection,
    labelSelector,
    readGroups,
    withSession,
    loadKubeConfig,
} from "../../components";

export interface VerifyTarget {
    readonly namespace: string;
    readonly serviceName: string;
    /** The Service's port (the stack's `port`, 6379 by default); the pod listens on 6379 whatever it is. */
    readonly port: number;
    readonly stream: string;
    readonly groups: readonly string[];
    readonly kubeconfig?: string;
    readonly context?: string;
    /** How long the port-forward waits for Redis. */
    readonly timeoutSeconds?: number;
}

export interface CheckResult {
    readonly check: string;
    readonly ok: boolean;
    readonly detail: string;
}

const READY_LINE = "Ready to accept connections";

function messageOf(error: unknown): string {
    const body = (error as { body?: unknown }).body;
    if (typeof body === "string" && body.includes('"message"')) {
        try {
            return (JSON.parse(body) as { message: string }).message;
        } catch {
            // fall through to the error's own message
        }
    }
    return error instanceof Error ? error.message.split("\n")[0] : String(error);
}

async function check(name: string, run: () => Promise<string>): Promise<CheckResult> {
    try {
        return { check: name, ok: true, detail: await run() };
    } catch (error) {
        return { check: name, ok: false, detail: messageOf(error) };
    }
}

/** `progress`: where the wait for Redis reports each attempt (stderr in a terminal, from npm run verify). */
export async function verifyBus(
    target: VerifyTarget,
    progress: (line: string) => void = () => undefined,
): Promise<CheckResult[]> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const k8s = require("@kubernetes/client-node") as typeof K8s;
    const config = loadKubeConfig(k8s, target);
    const core = config.makeApiClient(k8s.CoreV1Api);
    const { namespace } = target;
    /** The pods that run Redis: the single one, or a replicated bus's nodes. */
    let redisPods: string[] = [];

    const results: CheckResult[] = [];
    const notReady = (pod: K8s.V1Pod) => {
        const phase = pod.status?.phase;
        const ready = (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
        return phase === "Running" && ready
            ? undefined
            : `pod ${pod.metadata?.name} is ${phase ?? "in no phase"}${ready ? "" : ", not Ready"}`;
    };
    // Judged by the labels themselves too, not only by the server's filtering.
    const nodes = (
        await core.listNamespacedPod({ namespace, labelSelector: labelSelector(NODE_SELECTOR) }).catch(() => ({
            items: [] as K8s.V1Pod[],
        }))
    ).items.filter((pod) => pod.metadata?.labels?.app === NODE_SELECTOR.app);
    if (nodes.length === 0) {
        results.push(
            await check("pod is Running and Ready", async () => {
                const selector = labelSelector(REDIS_SELECTOR);
                const pods = await core.listNamespacedPod({ namespace, labelSelector: selector });
                if (pods.items.length === 0) throw new Error(`no pod with label ${selector} in namespace ${namespace}`);
                const pod = pods.items[0];
                // Its log is read even when it is not Ready: the log says why.
                redisPods = [pod.metadata?.name ?? ""];
                const problem = notReady(pod);
                if (problem !== undefined) throw new Error(problem);
                return `pod ${redisPods[0]}`;
            }),
        );
    } else {
        // A replicated bus: every node, and the proxies behind Service redis.
        results.push(
            await check("every node and proxy pod is Running and Ready", async () => {
                const proxies = (
                    await core.listNamespacedPod({ namespace, labelSelector: labelSelector(REDIS_SELECTOR) })
                ).items;
                redisPods = nodes.map((pod) => pod.metadata?.name ?? "").sort();
                const problems = [...nodes, ...proxies].flatMap((pod) => notReady(pod) ?? []);
                if (proxies.length === 0) problems.push(`no proxy pod in namespace ${namespace}`);
                if (problems.length > 0) throw new Error(problems.join("; "));
                return `${redisPods.join(", ")} and ${proxies.length} ${proxies.length === 1 ? "proxy" : "proxies"}`;
            }),
        );
    }
    results.push(
        await check(`log says "${READY_LINE}"`, async () => {
            if (redisPods.length === 0) throw new Error("no pod to read the log of");
            const lines = [];
            for (const podName of redisPods) {
                const log = await core.readNamespacedPodLog({ name: podName, namespace, container: "redis" });
                const line = log.split("\n").find((l) => l.includes(READY_LINE));
                if (line === undefined) throw new Error(`the log of ${podName} has no "${READY_LINE}" line`);
                lines.push(line.trim());
            }
            return lines.length === 1 ? lines[0] : `${lines.length} nodes: ${lines[0]}`;
        }),
    );
    results.push(
        await check(`Service ${target.serviceName} is ClusterIP on ${target.port}`, async () => {
            const service = await core.readNamespacedService({ name: target.serviceName, namespace });
            const type = service.spec?.type ?? "ClusterIP";
            const ports = (service.spec?.ports ?? []).map((p) => p.port);
            if (type !== "ClusterIP") throw new Error(`type is ${type}`);
            if (!ports.includes(target.port)) throw new Error(`ports are ${ports.join(", ") || "none"}`);
            return `${service.spec?.clusterIP ?? "?"}:${target.port}`;
        }),
    );

    let password: string | undefined;
    const passwordCheck = await check(`Secret ${secretNameFor(ADMIN_USER)} holds the admin's password`, async () => {
        const secret = await core.readNamespacedSecret({ name: secretNameFor(ADMIN_USER), namespace });
        const encoded = secret.data?.[PASSWORD_KEY];
        if (encoded === undefined) throw new Error(`it has no ${PASSWORD_KEY}`);
        password = Buffer.from(encoded, "base64").toString("utf8");
        return "found";
    });
    if (!passwordCheck.ok) results.push(passwordCheck);

    const connection: PortForwardConnection = {
        namespace,
        service: target.serviceName,
        port: REDIS_CONTAINER_PORT,
        kubeconfig: target.kubeconfig,
        context: target.context,
        username: ADMIN_USER,
        password,
    };
    const wait = { timeoutSeconds: target.timeoutSeconds ?? 30, log: progress };
    progress(
        `connecting to Redis in ${namespace} through the Kubernetes API (port-forward to Service ${target.serviceName})`,
    );
    const ping = "PING answers PONG (port-forward, dsm-admin)";
    const streamCheck = `XINFO STREAM ${target.stream}`;
    const groupsCheck = "XINFO GROUPS has the configured groups";
    try {
        // One session for the three checks; each is judged on its own, so a missing stream does not fail the PING.
        const redisResults = await withSession(connection, wait, async ({ client }) => [
            await check(ping, async () => {
                const pong = await client.ping();
                if (pong !== "PONG") throw new Error(`PING answered ${pong}`);
                return pong;
            }),
            await check(streamCheck, async () => {
                const stream = (await client.xinfo("STREAM", target.stream)) as unknown[];
                return `length ${String(stream[stream.indexOf("length") + 1])}`;
            }),
            await check(groupsCheck, async () => {
                const groups = (await readGroups(client, target.stream)).map((g) => g.name).sort();
                const missing = target.groups.filter((g) => !groups.includes(g));
                if (missing.length > 0) {
                    throw new Error(`missing ${missing.join(", ")} (found ${groups.join(", ") || "none"})`);
                }
                return groups.join(", ");
            }),
        ]);
        results.push(...redisResults);
    } catch (error) {
        results.push(
            { check: ping, ok: false, detail: messageOf(error) },
            { check: streamCheck, ok: false, detail: "not reached" },
            { check: groupsCheck, ok: false, detail: "not reached" },
        );
    }
    return results;
}

/** The results as a table, one check a row. */
export function formatTable(results: readonly CheckResult[]): string {
    const rows = results.map((r) => [r.ok ? "pass" : "FAIL", r.check, r.detail]);
    const widths = [6, Math.max(5, ...rows.map((r) => r[1].length))];
    const line = (cells: string[]) => `${cells[0].padEnd(widths[0])}  ${cells[1].padEnd(widths[1])}  ${cells[2]}`;
    return (
        [
            line(["result", "check", "detail"]),
            line(["-".repeat(6), "-".repeat(widths[1]), "-".repeat(6)]),
            ...rows.map(line),
        ].join("\n") + "\n"
    );
}
