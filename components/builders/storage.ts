import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BuildContext } from "./context";
import { BUS_LABELS, OBJECT_NAMES } from "./object-names";

/** The data volume for the AOF, or undefined (and a warning) when persistence is off. */
export function buildDataClaim(context: BuildContext): k8s.core.v1.PersistentVolumeClaim | undefined {
    const { name, setting, structure, namespace, childOptions } = context;
    if (!structure.persistence) {
        pulumi.log.warn(
            "persistence is off: Redis keeps the stream in an emptyDir, and every event is lost when the pod restarts. Use this only for throwaway stacks.",
            childOptions.parent,
        );
        return undefined;
    }
    return new k8s.core.v1.PersistentVolumeClaim(
        `${name}-data`,
        {
            metadata: {
                name: OBJECT_NAMES.data,
                namespace,
                labels: BUS_LABELS,
                // With a WaitForFirstConsumer StorageClass the claim binds only once the pod exists; waiting for it
                // here would wait forever. The Deployment's rollout proves the volume works.
                annotations: { "pulumi.com/skipAwait": "true" },
            },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: setting("storageClass"),
                resources: { requests: { storage: setting("storageSize") } },
            },
        },
        // Kept on destroy unless deleteDataOnDestroy: it holds every event.
        { ...childOptions, retainOnDelete: !structure.deleteDataOnDestroy },
    );
}
