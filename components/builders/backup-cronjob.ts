/**
 * The scheduled backup (when `backup`): a CronJob that runs the backup's short steps (render/backup-script.ts) with
 * `redis-cli` from the Redis image, as the backup user, and writes each file to a volume claim: the bus's own
 * `redis-backups`, or `backupClaim`. Retention's CronJob is its model (client-job.ts). On a replicated bus, the Job
 * gets every node's address, and reads the pages from a replica.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_USER } from "../render/acl";
import { BACKUP_NODES_ENV, BACKUP_SCRIPT_FILES, backupRunner } from "../render/backup-script";
import { REDIS_CONTAINER_PORT } from "../render/layout";
import { buildClientCronJob } from "./client-job";
import { keptClaim } from "./storage";
import type { BuildContext } from "./context";
import { BUS_LABELS, OBJECT_NAMES, nodeHosts } from "./object-names";

/** Where the Job mounts the scripts, and the claim. */
const SCRIPT_DIR = "/backup";
const BACKUP_DIR = "/backups";

/** How long one backup may take: a full bus of the largest memory limit takes minutes, not this. */
const DEADLINE_SECONDS = 3600;

export interface Backup {
    readonly scripts: k8s.core.v1.ConfigMap;
    readonly cronJob: k8s.batch.v1.CronJob;
    /** The claim the bus makes, unless `backupClaim` names one. */
    readonly claim?: k8s.core.v1.PersistentVolumeClaim;
}

/** `secret`: the backup user's credentials, which the Jobs read. */
export function buildBackup(
    context: BuildContext,
    host: pulumi.Output<string>,
    secret: k8s.core.v1.Secret,
): Backup | undefined {
    const { name, setting, structure, namespace, childOptions } = context;
    if (!structure.backup) return undefined;
    const scripts = new k8s.core.v1.ConfigMap(
        `${name}-backup`,
        {
            metadata: { name: OBJECT_NAMES.backup, namespace, labels: BUS_LABELS },
            data: {
                ...BACKUP_SCRIPT_FILES,
                "run.sh": pulumi
                    .all([setting("stream"), setting("backupKeep")])
                    .apply(([stream, keep]) =>
                        backupRunner({ stream, scriptDir: SCRIPT_DIR, backupDir: BACKUP_DIR, keep }),
                    ),
            },
        },
        childOptions,
    );
    const claim =
        structure.backupClaim === undefined
            ? keptClaim(context, `${name}-backups`, OBJECT_NAMES.backups, setting("backupStorageSize"))
            : undefined;
    const cronJob = buildClientCronJob(
        context,
        host,
        {
            component: "backup",
            objectName: OBJECT_NAMES.backup,
            schedule: setting("backupSchedule"),
            user: BACKUP_USER,
            deadlineSeconds: DEADLINE_SECONDS,
            // The nodes, for the run to find a replica to read from (render/backup-script.ts).
            env:
                structure.replicas > 1
                    ? [
                          {
                              name: BACKUP_NODES_ENV,
                              value: pulumi.output(namespace).apply((ns) =>
                                  nodeHosts(structure.replicas, ns)
                                      .map((host) => `${host}:${REDIS_CONTAINER_PORT}`)
                                      .join(" "),
                              ),
                          },
                      ]
                    : [],
            scriptsConfigMap: OBJECT_NAMES.backup,
            scriptDir: SCRIPT_DIR,
            // redis-cli holds one page (1000 entries) at a time.
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
            volumes: [
                {
                    volume: {
                        name: "backups",
                        persistentVolumeClaim: { claimName: structure.backupClaim ?? OBJECT_NAMES.backups },
                    },
                    mountPath: BACKUP_DIR,
                },
            ],
        },
        [scripts, secret, ...(claim ? [claim] : [])],
    );
    return { scripts, cronJob, claim };
}
