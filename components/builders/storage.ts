import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BuildContext } from "./context";
import { BUS_LABELS, NODE_LABELS, OBJECT_NAMES } from "./object-names";

/** The data volume for the AOF, or undefined (and a warning) when persistence is off. */
export function buildDataClaim(context: BuildContext): k8s.core.v1.PersistentVolumeClaim | undefined {
    const { name, setting, structure, childOptions } = context;
    if (!structure.persistence) {
        pulumi.log.warn(
            "persistence is off: Redis keeps the stream in an emptyDir, and every event is lost when the pod restarts. Use this only for throwaway stacks.",
            childOptions.parent,
        );
        return undefined;
    }
    return keptClaim(context, `${name}-data`, OBJECT_NAMES.data, setting("storageSize"));
}

/**
 * The claim each node of a replicated bus gets from its StatefulSet (`data-redis-node-<n>`), or undefined when
 * persistence is off. StatefulSets keep these claims when scaled down or deleted.
 */
export function dataClaimTemplate(context: BuildContext): k8s.types.input.core.v1.PersistentVolumeClaim | undefined {
    const { setting, structure } = context;
    if (!structure.persistence) {
        pulumi.log.warn(
            "persistence is off: each node keeps the stream in an emptyDir; a node that restarts copies it from the master, and losing every node loses every event. Use this only for throwaway stacks.",
            context.childOptions.parent,
        );
        return undefined;
    }
    return {
        metadata: { name: "data", labels: NODE_LABELS },
        spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: setting("storageClass"),
            resources: { requests: { storage: setting("storageSize") } },
        },
    };
}

/**
 * A ReadWriteOnce claim of the bus's StorageClass, kept on destroy unless deleteDataOnDestroy: the data volume, and
 * the backups' (they are what a lost bus comes back from).
 */
export function keptClaim(
    context: BuildContext,
    resourceName: string,
    objectName: string,
    size: pulumi.Input<string>,
): k8s.core.v1.PersistentVolumeClaim {
    const { setting, structure, namespace, childOptions } = context;
    return new k8s.core.v1.PersistentVolumeClaim(
        resourceName,
        {
            metadata: {
                name: objectName,
                namespace,
                labels: BUS_LABELS,
                // With a WaitForFirstConsumer StorageClass the claim binds only once its first pod exists; waiting
                // for it here would wait forever. The pod's start proves the volume works.
                annotations: { "pulumi.com/skipAwait": "true" },
            },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: setting("storageClass"),
                resources: { requests: { storage: size } },
            },
        },
        { ...childOptions, retainOnDelete: !structure.deleteDataOnDestroy },
    );
}
