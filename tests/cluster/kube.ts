/** Applying manifests to the local cluster, and the configs the tier deploys. */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { kubectl } from "../../testbed/cluster/local-cluster";
import { localCluster } from "./hooks";
import type { Manifest } from "./manifests";
import { REPO_ROOT } from "../../ops/lib/repo-root";

/**
 * Server-side apply with strict field validation, the objects in the given order, as one YAML stream (a `List` would
 * have kubectl validate on the client, and the API server's own judgement is what this tier is for).
 */
export function apply(manifests: readonly Manifest[]): string {
    return kubectl(
        localCluster(),
        [
            "apply",
            "--server-side",
            "--validate=strict",
            "--field-manager=dsm-redis-tests",
            "--force-conflicts",
            "-f",
            "-",
        ],
        manifests.map((m) => JSON.stringify(m)).join("\n---\n"),
    );
}

/** The error kubectl printed for a refused apply. */
export function refusal(manifests: readonly Manifest[]): string {
    try {
        apply(manifests);
    } catch (error) {
        return String((error as { stderr?: string }).stderr ?? error);
    }
    assert.fail("the API server accepted it");
}

/** A config that sets every key the program reads to something other than its default. */
export const EVERY_KEY = {
    namespace: "events",
    createNamespace: "true",
    image: `redis:7.2-alpine@sha256:${"c".repeat(64)}`,
    port: "16379",
    cpuRequest: "250m",
    cpuLimit: "500m",
    memoryRequest: "256Mi",
    memoryLimit: "512Mi",
    stream: "dsm:audit",
    groups: '["audit", {"name": "replay", "startId": "$"}]',
    readinessTimeoutSeconds: "60",
    deleteStreamOnDelete: "true",
    provisionerConnection: "direct",
    persistence: "true",
    storageSize: "2Gi",
    storageClass: "fast",
    appendfsync: "always",
    replicas: "3",
    replicaSpread: "required",
    proxyImage: `haproxy:2.8-alpine@sha256:${"a".repeat(64)}`,
    users: '[{"name": "audit-service", "roles": ["consume"]}, {"name": "ingest", "roles": ["publish"]}]',
    passwords: '{"audit-service": "0123456789abcdef0123"}',
    networkPolicy: "true",
    clientNamespaces: '["events", "workers"]',
    retention: "true",
    retentionMaxAgeSeconds: "3600",
    retentionMinEntries: "500",
    retentionSchedule: "*/5 * * * *",
    retentionBatch: "200",
    retentionTrimUnacknowledged: "true",
    deadLetters: "false",
    deadLetterDeliveries: "10",
    deadLetterIdleSeconds: "1800",
    deadLetterMaxEntries: "5000",
    backup: "true",
    backupSchedule: "0 */6 * * *",
    backupKeep: "3",
    backupClaim: "dsm-backups",
    backupStorageSize: "3Gi",
    metrics: "true",
    metricsImage: `oliver006/redis_exporter:v1.74.0@sha256:${"e".repeat(64)}`,
    monitoring: "true",
    monitoringNamespace: "observability",
    alertLagEntries: "5000",
    alertPendingIdleSeconds: "600",
    alertPendingAgeSeconds: "7200",
    alertMemoryRatio: "0.9",
    alertRetentionStaleSeconds: "600",
    alertBackupStaleSeconds: "30000",
};

/** Keys EVERY_KEY leaves out: they choose resource options (protect, retainOnDelete), not objects. */
export const OPTION_KEYS = ["deleteDataOnDestroy", "protect"];

/**
 * The Prometheus Operator's CRDs for PodMonitor and PrometheusRule, from its Go module (tools/prometheus-operator),
 * established in the cluster: the API server then validates those objects against the operator's own schemas. The
 * operator itself does not run.
 */
export function installMonitoringCrds(): void {
    const dir = execFileSync("bash", [path.join(REPO_ROOT, "tools", "prometheus-operator", "crds.sh")], {
        encoding: "utf8",
    }).trim();
    const crds = ["podmonitors", "prometheusrules"];
    for (const crd of crds) {
        kubectl(localCluster(), ["apply", "--server-side", "-f", path.join(dir, `monitoring.coreos.com_${crd}.yaml`)]);
    }
    kubectl(localCluster(), [
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        ...crds.map((crd) => `crd/${crd}.monitoring.coreos.com`),
    ]);
}
