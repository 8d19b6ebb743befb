/**
 * Prometheus Operator objects for the bus (when `monitoring`): a PodMonitor that scrapes the exporter sidecars, a
 * PrometheusRule with the alerts, and a dashboard ConfigMap a Grafana sidecar picks up.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alertRules } from "../render/alerts";
import { dashboard } from "../render/dashboard";
import type { BuildContext } from "./context";
import { BUS_LABELS, NODE_SELECTOR, OBJECT_NAMES, REDIS_SELECTOR } from "./object-names";

export interface Monitoring {
    readonly podMonitor: k8s.apiextensions.CustomResource;
    readonly rules: k8s.apiextensions.CustomResource;
    readonly dashboard: k8s.core.v1.ConfigMap;
}

export function buildMonitoring(context: BuildContext): Monitoring | undefined {
    const { name, setting, structure, namespace, childOptions } = context;
    if (!structure.monitoring) return undefined;
    const podMonitor = new k8s.apiextensions.CustomResource(
        `${name}-pod-monitor`,
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: { name: "redis", namespace, labels: BUS_LABELS },
            spec: {
                // The pods with the exporter sidecar: on a replicated bus the nodes (Deployment redis is the proxy).
                selector: { matchLabels: structure.replicas > 1 ? NODE_SELECTOR : REDIS_SELECTOR },
                podMetricsEndpoints: [{ port: "metrics", interval: "30s" }],
            },
        },
        childOptions,
    );
    // Two steps: pulumi.all keeps the types of at most eight tuple members.
    const thresholds = pulumi.all([
        setting("alertLagEntries"),
        setting("alertPendingIdleSeconds"),
        setting("alertMemoryRatio"),
        setting("alertRetentionStaleSeconds"),
        setting("alertPendingAgeSeconds"),
        setting("deadLetterDeliveries"),
        setting("deadLetterIdleSeconds"),
        setting("alertBackupStaleSeconds"),
    ]);
    const groups = pulumi
        .all([namespace, setting("stream"), setting("deadLetters"), thresholds])
        .apply(([ns, stream, deadLetters, numbers]) => {
            const [
                lagEntries,
                pendingIdleSeconds,
                memoryRatio,
                retentionStaleSeconds,
                pendingAgeSeconds,
                deadLetterDeliveries,
                deadLetterIdleSeconds,
                backupStaleSeconds,
            ] = numbers;
            return [
                {
                    name: "dsm-redis",
                    rules: alertRules({
                        namespace: ns,
                        stream,
                        lagEntries,
                        pendingIdleSeconds,
                        memoryRatio,
                        retentionStaleSeconds,
                        pendingAgeSeconds,
                        retention: structure.retention,
                        deadLetters: structure.retention && deadLetters,
                        deadLetterDeliveries,
                        deadLetterIdleSeconds,
                        backup: structure.backup,
                        backupStaleSeconds,
                    }),
                },
            ];
        });
    const rules = new k8s.apiextensions.CustomResource(
        `${name}-alerts`,
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: "redis", namespace, labels: BUS_LABELS },
            spec: { groups },
        },
        childOptions,
    );
    const board = new k8s.core.v1.ConfigMap(
        `${name}-dashboard`,
        {
            metadata: { name: OBJECT_NAMES.dashboard, namespace, labels: { ...BUS_LABELS, grafana_dashboard: "1" } },
            data: {
                "dsm-redis.json": pulumi
                    .all([namespace, setting("stream")])
                    .apply(([ns, stream]) => dashboard(ns, stream)),
            },
        },
        childOptions,
    );
    return { podMonitor, rules, dashboard: board };
}
