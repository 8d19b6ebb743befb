import * as k8s from "@pulumi/kubernetes";
import { redisPodSpec } from "../render/pod-spec";
import type { BuildContext } from "./context";
import type { ConfigFiles } from "./config-files";
import { metricsSidecar } from "./metrics-sidecar";
import { BUS_LABELS, OBJECT_NAMES, REDIS_NAME, REDIS_SELECTOR } from "./object-names";

export function buildDeployment(
    context: BuildContext,
    files: ConfigFiles,
    dataClaim: k8s.core.v1.PersistentVolumeClaim | undefined,
    /** Secrets its containers read (the metrics user's), so that the pod never starts before them. */
    secrets: readonly k8s.core.v1.Secret[],
): k8s.apps.v1.Deployment {
    const { name, setting, namespace, childOptions } = context;
    return new k8s.apps.v1.Deployment(
        `${name}-deployment`,
        {
            metadata: { name: REDIS_NAME, namespace, labels: BUS_LABELS },
            spec: {
                replicas: 1,
                // The volume is ReadWriteOnce: a rolling update would start the new pod while the old one holds it.
                strategy: { type: "Recreate" },
                selector: { matchLabels: REDIS_SELECTOR },
                template: {
                    // Only redis.conf rolls the pod: user changes reach the running server through the provisioning.
                    metadata: { labels: BUS_LABELS, annotations: { "checksum/config": files.checksum } },
                    spec: redisPodSpec({
                        image: setting("image"),
                        resources: setting("resources"),
                        // The fixed names, not the objects' outputs: a change of their data must not make the pod
                        // template unknown at preview (the provider would then plan to replace the Deployment).
                        configMapName: OBJECT_NAMES.config,
                        aclSecretName: OBJECT_NAMES.acl,
                        dataClaimName: dataClaim === undefined ? undefined : OBJECT_NAMES.data,
                        metrics: metricsSidecar(context),
                    }),
                },
            },
        },
        {
            ...childOptions,
            dependsOn: [files.configMap, files.aclSecret, ...secrets, ...(dataClaim ? [dataClaim] : [])],
        },
    );
}
