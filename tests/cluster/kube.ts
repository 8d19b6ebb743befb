/** Applying manifests to the local cluster, and the configs the tier deploys. */
import * as assert from "assert";
import { kubectl } from "../../scripts/lib/cluster/local-cluster";
import { localCluster } from "./hooks";
import type { Manifest } from "./manifests";

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
    users: '[{"name": "audit-service", "roles": ["consume"]}, {"name": "ingest", "roles": ["publish"]}]',
    passwords: '{"audit-service": "0123456789abcdef0123"}',
    networkPolicy: "true",
    clientNamespaces: '["events", "workers"]',
};
