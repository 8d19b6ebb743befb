/**
 * `npm run verify`'s checks, through @kubernetes/client-node, against a stand-in API serving recorded responses
 * (tests/fixtures/kube) and forwarding to a real redis-server that runs the rendered configuration.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CheckResult, formatTable, verifyBus } from "../../ops/lib/verify-checks";
import { FakeKubeApi } from "../../testbed/fakes/kube-api";
import { RenderedRedis, startRenderedRedis } from "../helpers/rendered-redis";

const FIXTURES = path.join(__dirname, "..", "fixtures", "kube");
const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));
const POD = "redis-6d4b8f7c9-x2kqp";
const GROUPS = ["sprint-service", "project-service", "backlog-service"];

describe("npm run verify's checks", function () {
    this.timeout(60_000);
    let redis: RenderedRedis;

    before(async () => {
        redis = await startRenderedRedis();
        await redis.provision(GROUPS.slice(0, 2));
    });
    after(() => redis.stop());

    async function verifyWith(
        overrides: {
            pods?: string;
            service?: unknown;
            port?: number;
            log?: string;
            groups?: string[];
            stream?: string;
        } = {},
    ): Promise<CheckResult[]> {
        const api = await FakeKubeApi.start({
            namespace: "dsm",
            token: "verify-token",
            services: { redis: { app: "redis" } },
            pods: [{ name: POD, labels: { app: "redis" }, ready: true, targetPort: redis.server.port }],
            responses: {
                "/api/v1/namespaces/dsm/pods": fixture(overrides.pods ?? "pods-running.json"),
                "/api/v1/namespaces/dsm/services/redis": overrides.service ?? fixture("service-clusterip.json"),
                "/api/v1/namespaces/dsm/secrets/redis-dsm-admin": {
                    kind: "Secret",
                    apiVersion: "v1",
                    metadata: { name: "redis-dsm-admin", namespace: "dsm" },
                    type: "Opaque",
                    data: {
                        REDIS_USERNAME: Buffer.from("dsm-admin").toString("base64"),
                        REDIS_PASSWORD: Buffer.from(redis.passwords["dsm-admin"]).toString("base64"),
                    },
                },
            },
            logs: { [POD]: overrides.log ?? fs.readFileSync(path.join(FIXTURES, "redis-pod-log.txt"), "utf8") },
        });
        try {
            return await verifyBus({
                namespace: "dsm",
                serviceName: "redis",
                port: overrides.port ?? 6379,
                stream: overrides.stream ?? "dsm:events",
                groups: overrides.groups ?? GROUPS.slice(0, 2),
                kubeconfig: api.kubeconfig(),
                // Short: the failing cases wait this long for a Ready pod that never comes.
                timeoutSeconds: 2,
            });
        } finally {
            await api.stop();
        }
    }

    it("passes every check of the design's section 4 on a healthy bus", async () => {
        const results = await verifyWith();
        assert.deepStrictEqual(
            results.map((r) => [r.check, r.ok]),
            [
                ["pod is Running and Ready", true],
                ['log says "Ready to accept connections"', true],
                ["Service redis is ClusterIP on 6379", true],
                ["PING answers PONG (port-forward, dsm-admin)", true],
                ["XINFO STREAM dsm:events", true],
                ["XINFO GROUPS has the configured groups", true],
            ],
        );
        assert.strictEqual(results[1].detail, "1:M 26 Nov 2026 09:12:46.418 * Ready to accept connections tcp");
        assert.strictEqual(results[2].detail, "10.96.112.45:6379");
    });

    it("fails the pod check for a pod that is not Ready, the log check without the line, and does not reach Redis", async () => {
        const results = await verifyWith({ pods: "pods-pending.json", log: "1:M * Server initialized\n" });
        assert.deepStrictEqual(results[0], {
            check: "pod is Running and Ready",
            ok: false,
            detail: `pod ${POD} is Pending, not Ready`,
        });
        assert.strictEqual(results[1].ok, false);
        assert.match(results[1].detail, /has no "Ready to accept connections" line/);
        // The port-forward finds no Ready pod either, so the Redis checks are marked, not silently missing.
        assert.match(results[3].detail, /no Ready pod matches app=redis/);
        assert.deepStrictEqual(
            results.slice(4).map((r) => [r.check, r.ok, r.detail]),
            [
                ["XINFO STREAM dsm:events", false, "not reached"],
                ["XINFO GROUPS has the configured groups", false, "not reached"],
            ],
        );
    });

    it("fails the Service check for a NodePort Service", async () => {
        const results = await verifyWith({ service: fixture("service-nodeport.json") });
        assert.deepStrictEqual(results[2], {
            check: "Service redis is ClusterIP on 6379",
            ok: false,
            detail: "type is NodePort",
        });
    });

    it("checks the Service against the stack's port, which may differ from the container's 6379", async () => {
        const service = fixture("service-clusterip.json") as { spec: { ports: Array<{ port: number }> } };
        assert.deepStrictEqual((await verifyWith({ service, port: 7000 }))[2], {
            check: "Service redis is ClusterIP on 7000",
            ok: false,
            detail: "ports are 6379",
        });
        service.spec.ports[0].port = 7000;
        const results = await verifyWith({ service, port: 7000 });
        assert.deepStrictEqual(results[2], {
            check: "Service redis is ClusterIP on 7000",
            ok: true,
            detail: "10.96.112.45:7000",
        });
        // The port-forward goes to the pod's 6379, not to the Service's port.
        assert.ok(results.every((r) => r.ok));
    });

    it("names the configured groups that are missing", async () => {
        const results = await verifyWith({ groups: GROUPS });
        assert.deepStrictEqual(results[5], {
            check: "XINFO GROUPS has the configured groups",
            ok: false,
            detail: "missing backlog-service (found project-service, sprint-service)",
        });
    });

    it("blames a missing stream on the XINFO checks, not on the PING that reached Redis", async () => {
        const results = await verifyWith({ stream: "dsm:other-events" });
        assert.deepStrictEqual(
            results.slice(3).map((r) => [r.check, r.ok]),
            [
                ["PING answers PONG (port-forward, dsm-admin)", true],
                ["XINFO STREAM dsm:other-events", false],
                ["XINFO GROUPS has the configured groups", false],
            ],
        );
        assert.match(results[4].detail, /no such key/);
    });

    it("prints a table with pass or FAIL per check", () => {
        const table = formatTable([
            { check: "pod is Running and Ready", ok: true, detail: "pod p" },
            { check: "XINFO GROUPS has the configured groups", ok: false, detail: "missing x" },
        ]);
        assert.deepStrictEqual(
            table
                .trimEnd()
                .split("\n")
                .map((l) => l.split(/\s{2,}/)),
            [
                ["result", "check", "detail"],
                ["------", "--------------------------------------", "------"],
                ["pass", "pod is Running and Ready", "pod p"],
                ["FAIL", "XINFO GROUPS has the configured groups", "missing x"],
            ],
        );
    });
});
