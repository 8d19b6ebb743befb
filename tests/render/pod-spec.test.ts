/** The Redis pod template on its own: the whole spec Kubernetes receives, with and without its options. */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LIVENESS_PROBE, exporterKeyList, redisPodSpec } from "../../components/render/pod-spec";

const RESTRICTED_CONTAINER = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};
const PING = ["redis-cli", "--no-auth-warning", "--user", "dsm-probe", "--pass", "dsm-probe", "-e", "ping"];

const BASE = {
    image: "redis:7.2-alpine",
    resources: { limits: { memory: "200Mi" } },
    configMapName: "redis-config",
    aclSecretName: "redis-acl",
};

describe("the Redis pod spec", () => {
    it("runs Redis as the image's user under the restricted standard, with its config, ACL file, data and probes", () => {
        const spec = redisPodSpec({ ...BASE, dataClaimName: "redis-data" });
        assert.deepStrictEqual(spec, {
            automountServiceAccountToken: false,
            securityContext: {
                runAsNonRoot: true,
                runAsUser: 999,
                runAsGroup: 1000,
                fsGroup: 1000,
                seccompProfile: { type: "RuntimeDefault" },
            },
            volumes: [
                { name: "data", persistentVolumeClaim: { claimName: "redis-data" } },
                { name: "config", configMap: { name: "redis-config" } },
                { name: "acl", secret: { secretName: "redis-acl", defaultMode: 0o440 } },
            ],
            containers: [
                {
                    name: "redis",
                    image: "redis:7.2-alpine",
                    args: ["redis-server", "/etc/redis/conf/redis.conf"],
                    ports: [{ name: "redis", containerPort: 6379, protocol: "TCP" }],
                    resources: { limits: { memory: "200Mi" } },
                    securityContext: RESTRICTED_CONTAINER,
                    volumeMounts: [
                        { name: "data", mountPath: "/data" },
                        { name: "config", mountPath: "/etc/redis/conf", readOnly: true },
                        { name: "acl", mountPath: "/etc/redis/acl", readOnly: true },
                    ],
                    startupProbe: {
                        exec: { command: PING },
                        timeoutSeconds: 3,
                        periodSeconds: 10,
                        failureThreshold: 180,
                    },
                    readinessProbe: {
                        exec: { command: PING },
                        timeoutSeconds: 3,
                        periodSeconds: 5,
                        failureThreshold: 3,
                    },
                    livenessProbe: LIVENESS_PROBE,
                },
            ],
        });
    });

    it("keeps the data in an emptyDir without a claim", () => {
        const volumes = redisPodSpec(BASE).volumes as unknown[];
        assert.deepStrictEqual(volumes[0], { name: "data", emptyDir: {} });
    });

    it("adds the exporter sidecar as the metrics user, its password from its Secret, on port 9121", () => {
        const spec = redisPodSpec({
            ...BASE,
            metrics: {
                image: "oliver006/redis_exporter:v1.74.0",
                user: "dsm-metrics",
                secretName: "redis-dsm-metrics",
                streamList: exporterKeyList(["dsm:events"]),
                statusKeys: ["dsm:retention:last-run", "dsm:a b"],
            },
        });
        const containers = spec.containers as unknown[];
        assert.strictEqual(containers.length, 2);
        const health = { httpGet: { path: "/health", port: 9121 }, timeoutSeconds: 3 };
        assert.deepStrictEqual(containers[1], {
            name: "metrics",
            image: "oliver006/redis_exporter:v1.74.0",
            args: [
                "--redis.addr=redis://localhost:6379",
                "--redis.user=dsm-metrics",
                "--check-single-streams",
                "db0=dsm%3Aevents",
                "--check-single-keys=db0=dsm%3Aretention%3Alast-run,db0=dsm%3Aa%20b",
                "--config-command=-",
                "--redis-only-metrics",
                "--web.listen-address=:9121",
            ],
            env: [
                {
                    name: "REDIS_PASSWORD",
                    valueFrom: { secretKeyRef: { name: "redis-dsm-metrics", key: "REDIS_PASSWORD" } },
                },
            ],
            ports: [{ name: "metrics", containerPort: 9121, protocol: "TCP" }],
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
            securityContext: RESTRICTED_CONTAINER,
            readinessProbe: { ...health, periodSeconds: 10 },
            livenessProbe: { ...health, periodSeconds: 20, failureThreshold: 6 },
        });
    });

    it("keeps Redis alive while it answers PONG or LOADING, and not on an error or silence", () => {
        const probe = LIVENESS_PROBE as {
            exec: { command: string[] };
            periodSeconds: number;
            failureThreshold: number;
        };
        assert.deepStrictEqual([probe.periodSeconds, probe.failureThreshold], [10, 6]);
        // A redis-cli that answers as a server in each state would; the probe's own logic is what runs.
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-probe-"));
        try {
            const exitFor = (reply: string) => {
                fs.writeFileSync(path.join(bin, "redis-cli"), `#!/bin/sh\necho "${reply}"\n`, { mode: 0o755 });
                const [shell, flag, script] = probe.exec.command;
                return spawnSync(shell, [flag, script], { env: { PATH: `${bin}:/usr/bin:/bin` } }).status;
            };
            assert.strictEqual(exitFor("PONG"), 0);
            assert.strictEqual(exitFor("LOADING Redis is loading the dataset in memory"), 0);
            assert.strictEqual(exitFor("NOAUTH Authentication required."), 1);
            assert.strictEqual(exitFor("Could not connect to Redis at 127.0.0.1:6379: Connection refused"), 1);
            assert.strictEqual(exitFor("XPONG"), 1);
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });
});
