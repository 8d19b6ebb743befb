import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { REDIS_CONTAINER_PORT } from "../render/layout";
import { METRICS_PORT } from "../render/pod-spec";
import type { BuildContext } from "./context";
import { SENTINEL_PORT } from "../render/replication";
import { BUS_LABELS, CLIENT_LABEL, NODE_SELECTOR, OBJECT_NAMES, REDIS_SELECTOR } from "./object-names";

/** The proxy and the nodes of a replicated bus. */
const BUS_PODS = {
    matchExpressions: [{ key: "app", operator: "In", values: [REDIS_SELECTOR.app, NODE_SELECTOR.app] }],
};

/**
 * Admits Redis's port only from labelled pods in the client namespaces (the bus's own by default); on a replicated
 * bus, the replication and Sentinel ports between the bus's own pods.
 */
export function buildNetworkPolicy(context: BuildContext): k8s.networking.v1.NetworkPolicy | undefined {
    const { name, setting, structure, namespace, childOptions } = context;
    if (!structure.networkPolicy) return undefined;
    const replicated = structure.replicas > 1;
    // Unless set, the bus's own namespace and every namespace a service user runs in.
    const clientNamespaces = pulumi
        .all([setting("clientNamespaces"), namespace])
        .apply(([given, own]) =>
            given !== undefined
                ? [...given]
                : [...new Set([own, ...structure.users.flatMap((u) => u.namespaces ?? [])])],
        );
    return new k8s.networking.v1.NetworkPolicy(
        `${name}-network-policy`,
        {
            metadata: { name: OBJECT_NAMES.networkPolicy, namespace, labels: BUS_LABELS },
            spec: {
                podSelector: replicated ? BUS_PODS : { matchLabels: REDIS_SELECTOR },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        // One peer with both selectors: a labelled pod AND in one of the namespaces.
                        from: [
                            {
                                podSelector: { matchLabels: CLIENT_LABEL },
                                namespaceSelector: {
                                    matchExpressions: [
                                        {
                                            key: "kubernetes.io/metadata.name",
                                            operator: "In",
                                            values: clientNamespaces,
                                        },
                                    ],
                                },
                            },
                        ],
                        // On a replicated bus, Sentinel's port too: a Sentinel-aware client asks it where the master
                        // is (it may ask nothing else without the Sentinel user's password).
                        ports: [
                            { protocol: "TCP", port: REDIS_CONTAINER_PORT },
                            ...(replicated ? [{ protocol: "TCP", port: SENTINEL_PORT }] : []),
                        ],
                    },
                    // On a replicated bus, the bus's own pods reach each other: a replica its master, a Sentinel
                    // every node and its peers, the proxy every node.
                    ...(replicated
                        ? [
                              {
                                  from: [{ podSelector: BUS_PODS }],
                                  ports: [
                                      { protocol: "TCP", port: REDIS_CONTAINER_PORT },
                                      { protocol: "TCP", port: SENTINEL_PORT },
                                  ],
                              },
                          ]
                        : []),
                    // The metrics port, from the monitoring namespace only (Prometheus's), when there is an exporter.
                    ...(structure.metrics
                        ? [
                              {
                                  from: [
                                      {
                                          namespaceSelector: {
                                              matchLabels: {
                                                  "kubernetes.io/metadata.name": setting("monitoringNamespace"),
                                              },
                                          },
                                      },
                                  ],
                                  ports: [{ protocol: "TCP", port: METRICS_PORT }],
                              },
                          ]
                        : []),
                ],
            },
        },
        childOptions,
    );
}
