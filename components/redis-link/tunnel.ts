/**
 * A local TCP endpoint that carries each connection through the Kubernetes API's port-forward to a Redis pod, as
 * `kubectl port-forward` does, with the kubeconfig and context the stack's Kubernetes provider uses. The machine that
 * runs `pulumi up` cannot reach a ClusterIP Service; the API server can reach the pod.
 */
import type * as K8s from "@kubernetes/client-node";
import type { Socket } from "net";
import { PortForwardConnection, labelSelector } from "../stream-groups/inputs";

export interface Tunnel {
    /** The loopback port that leads to the pod. */
    readonly port: number;
    /** The pod it leads to. */
    readonly pod: string;
    /** Closes the listener and every connection through it. */
    close(): Promise<void>;
}

/** A kubeconfig that cannot work (unreadable, no such context): waiting would not change it. */
export class KubeConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "KubeConfigError";
    }
}

/** Kubeconfig contents always span lines; a single line is a path, as for the Kubernetes provider's `kubeconfig`. */
export function loadKubeConfig(
    k8s: typeof K8s,
    connection: Pick<PortForwardConnection, "kubeconfig" | "context">,
): K8s.KubeConfig {
    const config = new k8s.KubeConfig();
    try {
        if (connection.kubeconfig === undefined) {
            config.loadFromDefault();
        } else if (connection.kubeconfig.includes("\n")) {
            config.loadFromString(connection.kubeconfig);
        } else {
            config.loadFromFile(connection.kubeconfig);
        }
    } catch (error) {
        // Never the contents: only that they could not be read.
        const source =
            connection.kubeconfig === undefined || connection.kubeconfig.includes("\n")
                ? "the kubeconfig"
                : `kubeconfig file ${connection.kubeconfig}`;
        throw new KubeConfigError(`${source} could not be loaded (${error instanceof Error ? error.name : "error"})`);
    }
    if (connection.context !== undefined) {
        if (config.getContextObject(connection.context) === null) {
            throw new KubeConfigError(`the kubeconfig has no context named ${JSON.stringify(connection.context)}`);
        }
        config.setCurrentContext(connection.context);
    }
    return config;
}

/** The first Ready pod the Service (or the selector) picks. */
async function findReadyPod(
    k8s: typeof K8s,
    config: K8s.KubeConfig,
    connection: PortForwardConnection,
): Promise<string> {
    const core = config.makeApiClient(k8s.CoreV1Api);
    const { namespace } = connection;
    let selector = connection.podSelector;
    if (connection.service !== undefined) {
        const service = await core.readNamespacedService({ name: connection.service, namespace });
        selector = service.spec?.selector;
        if (selector === undefined || Object.keys(selector).length === 0) {
            throw new Error(
                `Service ${namespace}/${connection.service} has no selector, so it names no pod to forward to`,
            );
        }
    }
    const query = labelSelector(selector ?? {});
    const pods = await core.listNamespacedPod({ namespace, labelSelector: query });
    const ready = pods.items.find((pod) =>
        (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
    );
    if (ready?.metadata?.name === undefined) {
        throw new Error(`no Ready pod matches ${query} in namespace ${namespace} (${pods.items.length} found)`);
    }
    return ready.metadata.name;
}

export async function openTunnel(connection: PortForwardConnection): Promise<Tunnel> {
    // Required here, not at the top: the provider is serialized into state and must not capture a loaded module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const k8s = require("@kubernetes/client-node") as typeof K8s;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const net = require("net") as typeof import("net");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Writable } = require("stream") as typeof import("stream");

    const config = loadKubeConfig(k8s, connection);
    const pod = await findReadyPod(k8s, config, connection);
    const forward = new k8s.PortForward(config, true);
    const sockets = new Set<Socket>();

    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => socket.destroy());
        // Anything on the error channel means the API server could not reach the port: end this connection with it.
        const errors = new Writable({
            write(chunk: Buffer, _encoding, done) {
                // The channel opens with its port number, which the client strips, leaving an empty first write.
                if (chunk.length === 0) return done();
                socket.destroy(
                    new Error(`port-forward to ${connection.namespace}/${pod}:${connection.port}: ${chunk.toString()}`),
                );
                done();
            },
        });
        forward
            .portForward(connection.namespace, pod, [connection.port], socket, errors, socket)
            .then((ws) => {
                const webSocket = ws as unknown as {
                    on(event: string, f: () => void): void;
                    close(): void;
                    terminate?(): void;
                };
                webSocket.on("close", () => socket.destroy());
                socket.on("close", () => webSocket.close());
            })
            .catch((error: unknown) => socket.destroy(error instanceof Error ? error : new Error(String(error))));
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    return {
        port,
        pod,
        close: () =>
            new Promise<void>((resolve) => {
                for (const socket of sockets) socket.destroy();
                server.close(() => resolve());
            }),
    };
}
