/**
 * What the bus's CronJobs (retention, backup) share: a Job that runs a script with `redis-cli` from the Redis image,
 * as a user of its own, under the restricted Pod Security Standard, admitted by the NetworkPolicy.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PASSWORD_KEY, restrictedContainerSecurity, restrictedPodSecurity } from "../render/pod-spec";
import type { BuildContext } from "./context";
import { BUS_LABELS, CLIENT_LABEL, REDIS_NAME, secretNameFor } from "./object-names";

export interface ClientJob {
    /** The component label and the name of the CronJob and its container, e.g. `retention`. */
    readonly component: string;
    /** The CronJob's name. */
    readonly objectName: string;
    readonly schedule: pulumi.Input<string>;
    /** The ACL user it runs as; its password comes from that user's Secret. */
    readonly user: string;
    /** How long one run may take before Kubernetes stops it. */
    readonly deadlineSeconds: number;
    /** The ConfigMap of its scripts, mounted at `scriptDir`; the command runs `<scriptDir>/run.sh`. */
    readonly scriptsConfigMap: string;
    readonly scriptDir: string;
    readonly resources: k8s.types.input.core.v1.ResourceRequirements;
    /** Further environment variables of its container, after the connection's. */
    readonly env?: readonly k8s.types.input.core.v1.EnvVar[];
    /** Further volumes, and where the container mounts them. */
    readonly volumes?: ReadonlyArray<{ volume: k8s.types.input.core.v1.Volume; mountPath: string }>;
}

export function buildClientCronJob(
    context: BuildContext,
    host: pulumi.Output<string>,
    job: ClientJob,
    dependsOn: pulumi.Resource[],
): k8s.batch.v1.CronJob {
    const { name, setting, namespace, childOptions } = context;
    const labels = {
        ...BUS_LABELS,
        "app.kubernetes.io/component": job.component,
        app: `${REDIS_NAME}-${job.component}`,
    };
    const extra = job.volumes ?? [];
    return new k8s.batch.v1.CronJob(
        `${name}-${job.component}`,
        {
            metadata: { name: job.objectName, namespace, labels },
            spec: {
                schedule: job.schedule,
                concurrencyPolicy: "Forbid",
                startingDeadlineSeconds: 120,
                successfulJobsHistoryLimit: 1,
                failedJobsHistoryLimit: 3,
                jobTemplate: {
                    spec: {
                        // A failed run is not retried at once: the next scheduled one runs, and the alerts see it.
                        backoffLimit: 0,
                        activeDeadlineSeconds: job.deadlineSeconds,
                        ttlSecondsAfterFinished: 600,
                        template: {
                            // The client label: the NetworkPolicy admits it to Redis.
                            metadata: { labels: { ...labels, ...CLIENT_LABEL } },
                            spec: {
                                restartPolicy: "Never",
                                automountServiceAccountToken: false,
                                securityContext: restrictedPodSecurity(),
                                containers: [
                                    {
                                        name: job.component,
                                        image: setting("image"),
                                        command: ["sh", `${job.scriptDir}/run.sh`],
                                        env: [
                                            { name: "REDIS_HOST", value: host },
                                            { name: "REDIS_PORT", value: setting("port").apply(String) },
                                            { name: "REDIS_USERNAME", value: job.user },
                                            {
                                                name: "REDISCLI_AUTH",
                                                valueFrom: {
                                                    secretKeyRef: { name: secretNameFor(job.user), key: PASSWORD_KEY },
                                                },
                                            },
                                            ...(job.env ?? []),
                                        ],
                                        resources: job.resources,
                                        securityContext: restrictedContainerSecurity(),
                                        volumeMounts: [
                                            { name: "scripts", mountPath: job.scriptDir, readOnly: true },
                                            ...extra.map(({ volume, mountPath }) => ({ name: volume.name, mountPath })),
                                        ],
                                    },
                                ],
                                volumes: [
                                    { name: "scripts", configMap: { name: job.scriptsConfigMap, defaultMode: 0o444 } },
                                    ...extra.map(({ volume }) => volume),
                                ],
                            },
                        },
                    },
                },
            },
        },
        { ...childOptions, dependsOn },
    );
}
