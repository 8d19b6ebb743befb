/**
 * What the metrics exporter beside each Redis container reads, when metrics are on: the same for the single node
 * and for every node of a replicated bus.
 */
import * as pulumi from "@pulumi/pulumi";
import { METRICS_USER } from "../render/acl";
import { BACKUP_STATUS_KEYS } from "../render/backup-script";
import { DEAD_LETTER_STATUS_KEYS, deadLetterStreamOf } from "../render/dead-letter-script";
import { RedisPodSpecArgs, exporterKeyList } from "../render/pod-spec";
import { RETENTION_STATUS_KEYS } from "../render/retention-script";
import type { BuildContext } from "./context";
import { secretNameFor } from "./object-names";

export function metricsSidecar(context: BuildContext): RedisPodSpecArgs["metrics"] {
    const { setting, structure } = context;
    if (!structure.metrics) return undefined;
    return {
        image: setting("metricsImage"),
        user: METRICS_USER,
        secretName: secretNameFor(METRICS_USER),
        // The dead letters' stream too, where they are kept: its length is what DsmRedisDeadLetters reads.
        streamList: pulumi
            .all([setting("stream"), setting("deadLetters")])
            .apply(([stream, deadLetters]) =>
                exporterKeyList(structure.retention && deadLetters ? [stream, deadLetterStreamOf(stream)] : [stream]),
            ),
        statusKeys: [
            ...Object.values(RETENTION_STATUS_KEYS),
            ...Object.values(DEAD_LETTER_STATUS_KEYS),
            ...Object.values(BACKUP_STATUS_KEYS),
        ],
    };
}
