/**
 * Retention in the cluster: a CronJob, not a sidecar, so that it runs on its own schedule and resources, its runs are
 * Jobs whose failures Kubernetes keeps and alerts can see, and a change of it never restarts Redis. It uses the Redis
 * image (redis-cli), connects as the retention user, and passes the restricted Pod Security Standard.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RETENTION_USER } from "../render/acl";
import { DEAD_LETTER_SCRIPT } from "../render/dead-letter-script";
import { RETENTION_SCRIPT, retentionRunner } from "../render/retention-script";
import type { BuildContext } from "./context";
import { buildClientCronJob } from "./client-job";
import { BUS_LABELS, OBJECT_NAMES } from "./object-names";

/** How long one run may take steps: the next run of an every-minute schedule must not find it still going. */
const RUN_BUDGET_SECONDS = 45;

/** Where the Job mounts the scripts ConfigMap; run.sh finds trim.lua there, and dead-letter.lua beside it. */
const SCRIPT_DIR = "/retention";
const SCRIPT_PATH = `${SCRIPT_DIR}/trim.lua`;

export interface Retention {
    readonly scripts: k8s.core.v1.ConfigMap;
    readonly cronJob: k8s.batch.v1.CronJob;
}

/** `secret`: the retention user's credentials, which the Jobs read. */
export function buildRetention(
    context: BuildContext,
    host: pulumi.Output<string>,
    secret: k8s.core.v1.Secret,
): Retention | undefined {
    const { name, setting, structure, namespace, childOptions } = context;
    if (!structure.retention) return undefined;
    if (structure.retentionTrimUnacknowledged) {
        pulumi.log.warn(
            "retentionTrimUnacknowledged is on: retention deletes entries that a consumer group has not read or not acknowledged once they leave the window, and that service never sees them. Set it to false unless losing events is better than refusing them.",
            childOptions.parent,
        );
    }
    const window = pulumi
        .all([setting("retentionBatch"), setting("retentionMaxAgeSeconds"), setting("retentionMinEntries")])
        .apply(([batch, maxAgeSeconds, minEntries]) => ({
            batch,
            maxAgeSeconds,
            minEntries,
            trimUnacknowledged: structure.retentionTrimUnacknowledged,
        }));
    const deadLetters = pulumi
        .all([
            setting("deadLetters"),
            setting("deadLetterDeliveries"),
            setting("deadLetterIdleSeconds"),
            setting("deadLetterMaxEntries"),
        ])
        .apply(([on, deliveries, idleSeconds, maxEntries]) =>
            on ? { deliveries, idleSeconds, maxEntries } : undefined,
        );
    const scripts = new k8s.core.v1.ConfigMap(
        `${name}-retention`,
        {
            metadata: { name: OBJECT_NAMES.retention, namespace, labels: BUS_LABELS },
            data: {
                "trim.lua": RETENTION_SCRIPT,
                "dead-letter.lua": DEAD_LETTER_SCRIPT,
                "run.sh": pulumi
                    .all([setting("stream"), window, deadLetters])
                    .apply(([stream, w, d]) => retentionRunner(stream, w, RUN_BUDGET_SECONDS, SCRIPT_PATH, d)),
            },
        },
        childOptions,
    );
    const cronJob = buildClientCronJob(
        context,
        host,
        {
            component: "retention",
            objectName: OBJECT_NAMES.retention,
            schedule: setting("retentionSchedule"),
            user: RETENTION_USER,
            deadlineSeconds: RUN_BUDGET_SECONDS + 10,
            scriptsConfigMap: OBJECT_NAMES.retention,
            scriptDir: SCRIPT_DIR,
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
        },
        [scripts, secret],
    );
    return { scripts, cronJob };
}
