import * as k8s from "@pulumi/kubernetes";
import { REDIS_CONTAINER_PORT } from "../render/layout";
import type { BuildContext } from "./context";
import { BUS_LABELS, REDIS_NAME, REDIS_SELECTOR } from "./object-names";

/** ClusterIP Service `redis`: the bus is for the cluster only. */
export function buildService(context: BuildContext): k8s.core.v1.Service {
    const { name, setting, namespace, childOptions } = context;
    return new k8s.core.v1.Service(
        `${name}-service`,
        {
            metadata: { name: REDIS_NAME, namespace, labels: BUS_LABELS },
            spec: {
                type: "ClusterIP",
                selector: REDIS_SELECTOR,
                ports: [{ name: "redis", protocol: "TCP", port: setting("port"), targetPort: REDIS_CONTAINER_PORT }],
            },
        },
        childOptions,
    );
}
