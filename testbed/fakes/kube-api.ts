/**
 * A local stand-in for the parts of the Kubernetes API a port-forward uses: reading a Service, listing pods by label,
 * and the pod `portforward` subresource over a WebSocket speaking the real channel protocol (v4.channel.k8s.io): each
 * binary message starts with its channel byte (0 data, 1 error for the first port), and each channel opens with the
 * port number as two little-endian bytes. It relays channel 0 to a real TCP port (the "pod"), as the kubelet does.
 */
import * as http from "http";
import * as net from "net";
import { AddressInfo } from "net";
import { WebSocket, WebSocketServer } from "ws";

export interface FakePod {
    readonly name: string;
    readonly labels: Record<string, string>;
    readonly ready: boolean;
    /** Where the pod's container port leads: a loopback port of a real server. */
    readonly targetPort: number;
}

export interface FakeKubeApiOptions {
    readonly namespace: string;
    readonly services: Record<string, Record<string, string>>;
    readonly pods: FakePod[];
    /** The bearer token a request must carry. */
    readonly token: string;
    /** Recorded answers to GET paths (without the query), served as they are, before anything generated. */
    readonly responses?: Record<string, unknown>;
    /** Pod logs by pod name, for GET …/pods/<name>/log. */
    readonly logs?: Record<string, string>;
}

export class FakeKubeApi {
    /** Every request line, for assertions (e.g. `GET /api/v1/namespaces/dsm/services/redis`). */
    readonly requests: string[] = [];
    /** Port-forward WebSockets currently open. */
    readonly openForwards = new Set<WebSocket>();
    /** Port-forward WebSockets ever opened. */
    forwardsOpened = 0;
    private readonly server: http.Server;
    private readonly wss: WebSocketServer;

    private constructor(private readonly options: FakeKubeApiOptions) {
        this.server = http.createServer((req, res) => this.handle(req, res));
        this.wss = new WebSocketServer({
            noServer: true,
            handleProtocols: (protocols) => (protocols.has("v4.channel.k8s.io") ? "v4.channel.k8s.io" : false),
        });
        this.server.on("upgrade", (req, socket, head) => this.upgrade(req, socket as net.Socket, head));
    }

    /** Marks a pod Ready or not, as the kubelet would once its probes pass. */
    setReady(podName: string, ready: boolean): void {
        const pods = this.options.pods as FakePod[];
        const index = pods.findIndex((p) => p.name === podName);
        pods[index] = { ...pods[index], ready };
    }

    static async start(options: FakeKubeApiOptions): Promise<FakeKubeApi> {
        const api = new FakeKubeApi(options);
        await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
        return api;
    }

    get url(): string {
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    /** A kubeconfig whose context `fake` points here; `unreachable` points at a closed port. */
    kubeconfig(currentContext = "fake"): string {
        return [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: fake",
            // Plain HTTP on loopback: client-node allows it only with TLS verification off.
            `  cluster: { server: "${this.url}", insecure-skip-tls-verify: true }`,
            "- name: unreachable",
            '  cluster: { server: "http://127.0.0.1:9", insecure-skip-tls-verify: true }',
            "users:",
            "- name: tester",
            `  user: { token: "${this.options.token}" }`,
            "contexts:",
            "- name: fake",
            "  context: { cluster: fake, user: tester }",
            "- name: unreachable",
            "  context: { cluster: unreachable, user: tester }",
            `current-context: ${currentContext}`,
            "",
        ].join("\n");
    }

    /** Resolves once every port-forward WebSocket has closed. */
    async allForwardsClosed(): Promise<void> {
        await Promise.all([...this.openForwards].map((ws) => new Promise((resolve) => ws.once("close", resolve))));
    }

    async stop(): Promise<void> {
        for (const ws of this.openForwards) ws.terminate();
        this.wss.close();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    private authorized(req: http.IncomingMessage): boolean {
        return req.headers.authorization === `Bearer ${this.options.token}`;
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        this.requests.push(`${req.method} ${req.url}`);
        const send = (status: number, body: unknown) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(JSON.stringify(body));
        };
        if (!this.authorized(req))
            return send(401, { kind: "Status", status: "Failure", code: 401, reason: "Unauthorized" });
        const url = new URL(req.url ?? "/", this.url);
        const ns = this.options.namespace;
        const recorded = this.options.responses?.[url.pathname];
        if (req.method === "GET" && recorded !== undefined) return send(200, recorded);
        const log = new RegExp(`^/api/v1/namespaces/${ns}/pods/([^/]+)/log$`).exec(url.pathname);
        if (req.method === "GET" && log && this.options.logs?.[log[1]] !== undefined) {
            res.writeHead(200, { "content-type": "text/plain" });
            res.end(this.options.logs[log[1]]);
            return;
        }
        const service = new RegExp(`^/api/v1/namespaces/${ns}/services/([^/]+)$`).exec(url.pathname);
        if (req.method === "GET" && service) {
            const selector = this.options.services[service[1]];
            if (selector === undefined) return send(404, { kind: "Status", code: 404, reason: "NotFound" });
            return send(200, {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: service[1], namespace: ns },
                spec: { selector, ports: [{ port: 6379 }] },
            });
        }
        if (req.method === "GET" && url.pathname === `/api/v1/namespaces/${ns}/pods`) {
            const wanted = Object.fromEntries(
                (url.searchParams.get("labelSelector") ?? "")
                    .split(",")
                    .filter(Boolean)
                    .map((kv) => kv.split("=")),
            );
            const items = this.options.pods
                .filter((pod) => Object.entries(wanted).every(([k, v]) => pod.labels[k] === v))
                .map((pod) => ({
                    metadata: { name: pod.name, namespace: ns, labels: pod.labels },
                    status: { phase: "Running", conditions: [{ type: "Ready", status: pod.ready ? "True" : "False" }] },
                }));
            return send(200, { apiVersion: "v1", kind: "PodList", metadata: {}, items });
        }
        send(404, { kind: "Status", code: 404, reason: "NotFound" });
    }

    private upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
        this.requests.push(`UPGRADE ${req.url}`);
        const url = new URL(req.url ?? "/", this.url);
        const match = new RegExp(`^/api/v1/namespaces/${this.options.namespace}/pods/([^/]+)/portforward$`).exec(
            url.pathname,
        );
        const pod = this.options.pods.find((p) => p.name === match?.[1]);
        if (!this.authorized(req) || pod === undefined) {
            socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
            return;
        }
        const port = Number(url.searchParams.get("ports"));
        this.wss.handleUpgrade(req, socket, head, (ws) => this.relay(ws, pod, port));
    }

    private relay(ws: WebSocket, pod: FakePod, port: number): void {
        this.openForwards.add(ws);
        this.forwardsOpened++;
        ws.on("close", () => this.openForwards.delete(ws));
        const portBytes = Buffer.from([port & 0xff, port >> 8]);
        ws.send(Buffer.concat([Buffer.from([0]), portBytes]));
        ws.send(Buffer.concat([Buffer.from([1]), portBytes]));
        const upstream = net.connect(pod.targetPort, "127.0.0.1");
        upstream.on("data", (data) => ws.send(Buffer.concat([Buffer.from([0]), data])));
        upstream.on("error", (error) => {
            if (ws.readyState === WebSocket.OPEN)
                ws.send(
                    Buffer.concat([
                        Buffer.from([1]),
                        Buffer.from(`error forwarding port ${port} to pod ${pod.name}: ${error.message}`),
                    ]),
                );
            ws.close();
        });
        upstream.on("close", () => ws.close());
        ws.on("message", (data: Buffer) => {
            if (data[0] === 0) upstream.write(data.subarray(1));
        });
        ws.on("close", () => upstream.destroy());
    }
}
