/**
 * The port-forward path end to end: the provider opens a tunnel with @kubernetes/client-node through a local
 * stand-in for the Kubernetes API (real WebSocket channel protocol), which relays to a real redis-server.
 */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import Redis from "ioredis";
import * as os from "os";
import * as path from "path";
import { PortForwardConnection, StreamGroupsInputs } from "../../components/stream-groups/inputs";
import { streamGroupsProvider as provider } from "../../components/stream-groups/provider";
import { FakeKubeApi } from "../../testbed/fakes/kube-api";
import { RedisServer } from "../helpers/redis-server";

describe("stream-groups provider through a Kubernetes port-forward", function () {
    this.timeout(30_000);
    let redis: RedisServer;
    let api: FakeKubeApi;
    const password = "port-forward-test-password";

    beforeEach(async () => {
        redis = await RedisServer.start({
            config: ["user default off", `user provisioner on >${password} ~* &* +@all`],
        });
        api = await FakeKubeApi.start({
            namespace: "dsm",
            token: "test-token",
            services: { redis: { app: "redis" } },
            pods: [
                { name: "redis-starting", labels: { app: "redis" }, ready: false, targetPort: 9 },
                { name: "redis-7d9f", labels: { app: "redis" }, ready: true, targetPort: redis.port },
            ],
        });
    });

    afterEach(async () => {
        await api.stop();
        await redis.destroy();
    });

    function inputs(connection: Partial<PortForwardConnection>): StreamGroupsInputs {
        return {
            stream: "dsm:events",
            groups: [
                { name: "sprint-service", startId: "0" },
                { name: "backlog-service", startId: "0" },
            ],
            connection: {
                namespace: "dsm",
                service: "redis",
                port: 6379,
                kubeconfig: api.kubeconfig(),
                username: "provisioner",
                password,
                ...connection,
            },
            readinessTimeoutSeconds: 5,
            deleteStreamOnDelete: false,
        };
    }

    it("creates the groups through the tunnel to the Service's Ready pod, and closes the tunnel after", async () => {
        await provider.create(inputs({}));
        const direct = new Redis({ host: "127.0.0.1", port: redis.port, username: "provisioner", password });
        assert.strictEqual(((await direct.xinfo("GROUPS", "dsm:events")) as unknown[]).length, 2);
        direct.disconnect();
        assert.ok(api.requests.includes("GET /api/v1/namespaces/dsm/services/redis"), api.requests.join("\n"));
        assert.ok(
            api.requests.some((r) => r.startsWith("GET /api/v1/namespaces/dsm/pods?labelSelector=app%3Dredis")),
            api.requests.join("\n"),
        );
        assert.ok(
            api.requests.includes("UPGRADE /api/v1/namespaces/dsm/pods/redis-7d9f/portforward?ports=6379"),
            api.requests.join("\n"),
        );
        assert.ok(api.forwardsOpened >= 1);
        await api.allForwardsClosed();
        assert.strictEqual(api.openForwards.size, 0);
    });

    it("waits for the Service's pod to become Ready, retrying the tunnel like the connection", async () => {
        api.setReady("redis-7d9f", false);
        const original = pulumi.log.info;
        pulumi.log.info = (message: string) => {
            if (message.startsWith("waiting for Redis")) api.setReady("redis-7d9f", true);
            return Promise.resolve();
        };
        try {
            await provider.create(inputs({}));
        } finally {
            pulumi.log.info = original;
        }
        assert.ok(api.requests.filter((r) => r.startsWith("GET /api/v1/namespaces/dsm/pods")).length >= 2);
        await api.allForwardsClosed();
    });

    it("reads, updates and deletes through the tunnel too", async () => {
        const props = inputs({});
        await provider.create(props);
        const read = await provider.read!("dsm:events", props);
        assert.deepStrictEqual(
            (read.props as StreamGroupsInputs).groups.map((g) => g.name),
            ["sprint-service", "backlog-service"],
        );
        await provider.update!("dsm:events", props, { ...props, groups: [{ name: "sprint-service", startId: "0" }] });
        await provider.delete!("dsm:events", { ...props, groups: [{ name: "sprint-service", startId: "0" }] });
        const direct = new Redis({ host: "127.0.0.1", port: redis.port, username: "provisioner", password });
        assert.deepStrictEqual(await direct.xinfo("GROUPS", "dsm:events"), []);
        assert.strictEqual(await direct.type("dsm:events"), "stream");
        direct.disconnect();
        await api.allForwardsClosed();
    });

    it("picks the pod by podSelector, uses the named context, and reads a kubeconfig file", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeconfig-"));
        const file = path.join(dir, "config");
        fs.writeFileSync(file, api.kubeconfig("unreachable"));
        try {
            await provider.create(
                inputs({ service: undefined, podSelector: { app: "redis" }, kubeconfig: file, context: "fake" }),
            );
            assert.ok(!api.requests.some((r) => r.includes("/services/")));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("fails clearly for an unknown context, a Service with no Ready pod, and bad credentials, without secrets", async () => {
        await assert.rejects(
            provider.create(inputs({ context: "nope" })),
            /the kubeconfig has no context named "nope"/,
        );
        await assert.rejects(
            provider.create({
                ...inputs({ podSelector: { app: "none" }, service: undefined }),
                readinessTimeoutSeconds: 1,
            }),
            /no Ready pod matches app=none in namespace dsm \(0 found\)/,
        );
        await assert.rejects(provider.create(inputs({ password: "not-the-password" })), (error: Error) => {
            assert.match(
                error.message,
                /Redis at service dsm\/redis port 6379 via Kubernetes port-forward refused the credentials: WRONGPASS/,
            );
            assert.ok(
                !error.message.includes("not-the-password") &&
                    !error.message.includes(password) &&
                    !error.message.includes("test-token"),
            );
            return true;
        });
        await api.allForwardsClosed();
    });
});
