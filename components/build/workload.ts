import * as k8s from "@pulumi/kubernetes";
import { redisPodSpec } from "../render/pod-spec";
import type { BuildContext } from "./context";
import type { ConfigFiles } from "./config-files";
import type { UserCredentials } from "./credentials";
import { BUS_LABELS, REDIS_NAME, REDIS_SELECTOR } from "./names";

export function buildDeployment(
    context: BuildContext,
    files: ConfigFiles,
    admin: UserCredentials,
    dataClaim: k8s.core.v1.PersistentVolumeClaim | undefined,
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
                    metadata: { labels: BUS_LABELS, annotations: { "checksum/config": files.checksum } },
                    spec: redisPodSpec({
                        image: setting("image"),
                        resources: setting("resources"),
                        configMapName: files.configMap.metadata.name,
                        aclSecretName: files.aclSecret.metadata.name,
                        adminSecretName: admin.secret.metadata.name,
                        dataClaimName: dataClaim?.metadata.name,
                    }),
                },
            },
        },
        childOptions,
    );
}
