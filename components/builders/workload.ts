import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { exporterKeyList, redisPodSpec } from "../render/pod-spec";
import type { BuildContext } from "./context";
import type { ConfigFiles } from "./config-files";
import { METRICS_USER } from "../render/acl";
import { BACKUP_STATUS_KEYS } from "../render/backup-script";
import { DEAD_LETTER_STATUS_KEYS, deadLetterStreamOf } from "../render/dead-letter-script";
import { RETENTION_STATUS_KEYS } from "../render/retention-script";
import { BUS_LABELS, OBJECT_NAMES, REDIS_NAME, REDIS_SELECTOR, secretNameFor } from "./object-names";

export function buildDeployment(
    context: BuildContext,
    files: ConfigFiles,
    dataClaim: k8s.core.v1.PersistentVolumeClaim | undefined,
    /** Secrets its containers read (the metrics user's), so that the pod never starts before them. */
    secrets: readonly k8s.core.v1.Secret[],
): k8s.apps.v1.Deployment {
    const { name, setting, structure, namespace, childOptions } = context;
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
                        metrics: structure.metrics
                            ? {
                                  image: setting("metricsImage"),
                                  user: METRICS_USER,
                                  secretName: secretNameFor(METRICS_USER),
                                  // The dead letters' stream too, where they are kept: its length is what
                                  // DsmRedisDeadLetters reads.
                                  streamList: pulumi
                                      .all([setting("stream"), setting("deadLetters")])
                                      .apply(([stream, deadLetters]) =>
                                          exporterKeyList(
                                              structure.retention && deadLetters
                                                  ? [stream, deadLetterStreamOf(stream)]
                                                  : [stream],
                                          ),
                                      ),
                                  statusKeys: [
                                      ...Object.values(RETENTION_STATUS_KEYS),
                                      ...Object.values(DEAD_LETTER_STATUS_KEYS),
                                      ...Object.values(BACKUP_STATUS_KEYS),
                                  ],
                              }
                            : undefined,
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
