/**
 * The alert cases for promtool: per alert, series that must fire it (with exactly what it says) and series that must
 * not. Shared by the rules' own test and the tests of the program's PrometheusRule and a live scrape.
 */
import * as assert from "assert";
import { DSM_REDIS_DEFAULTS } from "../../components/args";
import { AlertRule, AlertSettings, alertRules } from "../../components/render/alerts";
import { AlertCase, InputSeries, testRules } from "./promtool";

export const STREAM = "dsm:events";
const BUS = `namespace="dsm",db="db0"`;
const OF_STREAM = `${BUS},stream="dsm:events"`;
export const BUS_LABELS = { namespace: "dsm", db: "db0" };
export const STREAM_LABELS = { ...BUS_LABELS, stream: STREAM };

export type RuleGroups = Array<{ name: string; rules: AlertRule[] }>;

/** The rules as the renderer writes them for the given settings (the shipped defaults unless overridden). */
export function ruleGroups(overrides: Partial<AlertSettings> = {}): RuleGroups {
    const d = DSM_REDIS_DEFAULTS;
    const settings: AlertSettings = {
        namespace: d.namespace,
        stream: d.stream,
        lagEntries: d.alertLagEntries,
        pendingIdleSeconds: d.alertPendingIdleSeconds,
        memoryRatio: d.alertMemoryRatio,
        retentionStaleSeconds: d.alertRetentionStaleSeconds,
        pendingAgeSeconds: d.alertPendingAgeSeconds,
        retention: d.retention,
        deadLetters: d.retention && d.deadLetters,
        deadLetterDeliveries: d.deadLetterDeliveries,
        deadLetterIdleSeconds: d.deadLetterIdleSeconds,
        backup: d.backup,
        backupStaleSeconds: d.alertBackupStaleSeconds,
        ...overrides,
    };
    return [{ name: "dsm-redis", rules: alertRules(settings) }];
}

export function expectPass(groups: RuleGroups, cases: AlertCase[]): void {
    const result = testRules(groups, cases);
    assert.ok(result.ok, result.output);
    assert.match(result.output, /SUCCESS/);
}

export const series = (selector: string, values: string): InputSeries => ({ series: selector, values });

/** A text status key as the exporter gives it: its value as the label `val` of a series of 1. */
export const text = (key: string, value: string, minutes: number): InputSeries =>
    series(`redis_key_value_as_string{${BUS},key="${key}",val=${JSON.stringify(value)}}`, `1x${minutes}`);

/** Every alert links README's section on the alerts, written out here so that a wrong link fails. */
export const RUNBOOK = { runbook_url: "https://github.com/dsm-platform/dsm-redis/blob/main/README.md#alerts" };
const DEAD = `${BUS},stream="dsm:events:dead"`;

const BACKUP_FAILED = {
    exp_labels: { ...BUS_LABELS, severity: "warning" as const },
    exp_annotations: {
        ...RUNBOOK,
        summary: "The newest scheduled backup failed",
        description:
            "The last run of the CronJob redis-backup failed, and nothing was kept of it; the backups before it are still there. Its Job's log says why (kubectl logs -n dsm job/<the failed job>): the volume full, or Redis refusing a step.",
    },
};
const BACKUP_STALE = {
    ...RUNBOOK,
    summary: "No backup has succeeded recently",
    description:
        "No scheduled backup has succeeded for over 93600 s, or none ever has (a new bus, until its first backup): a lost volume would lose the events since. Check the CronJob redis-backup and its Jobs, or start one now (kubectl create job -n dsm --from=cronjob/redis-backup redis-backup-now).",
};

/** Per alert: cases where it must fire (with what it says) and where it must not. */
/**
 * The exporter's series of the node's role: a bus of one node is its master, and the alerts over the bus's series
 * count the master's (render/alerts.ts, onMaster). Every case has it, for as long as any case runs.
 */
export const MASTER_INFO = series(`redis_instance_info{namespace="dsm",role="master"}`, "1x2000");

const WRITTEN: Record<string, AlertCase[]> = {
    DsmRedisDown: [
        {
            name: "the exporter has had no answer from Redis for 3 minutes",
            input_series: [series(`redis_up{${BUS}}`, "1x5 0x3")],
            alertname: "DsmRedisDown",
            eval_time: "8m",
            exp_alerts: [
                {
                    exp_labels: { ...BUS_LABELS, severity: "critical" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "Redis does not answer its metrics exporter",
                        description:
                            "The exporter beside Redis has had no answer for a minute from the pod redis. On a bus of one node, producers cannot publish and consumers cannot read; a replicated bus goes on while a majority of its nodes is up. Check the pod (kubectl get pods -n dsm) and its logs.",
                    },
                },
            ],
        },
        {
            name: "quiet: up; down for less than a minute; another namespace's Redis down",
            input_series: [
                series(`redis_up{${BUS}}`, "1x5 0 1x3"),
                series(`redis_up{namespace="other",db="db0"}`, "0x10"),
            ],
            alertname: "DsmRedisDown",
            eval_time: "9m",
            exp_alerts: [],
        },
    ],
    DsmRedisMetricsAbsent: [
        {
            name: "the bus's series stop: the pod or its exporter is gone",
            input_series: [series(`redis_up{${BUS}}`, "1x5")],
            alertname: "DsmRedisMetricsAbsent",
            eval_time: "20m",
            exp_alerts: [
                {
                    exp_labels: { namespace: "dsm", severity: "critical" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "The bus's metrics are gone",
                        description:
                            "No series from the bus in dsm for 5 minutes: the pod, its exporter sidecar or the PodMonitor is gone, and no other alert of the bus can fire. Check the pod redis and the PodMonitor redis.",
                    },
                },
            ],
        },
        {
            name: "quiet: the series are there, even with Redis down; another bus's being there does not count",
            input_series: [
                series(`redis_up{${BUS}}`, "1x10 0x10"),
                series(`redis_up{namespace="other",db="db0"}`, "1x20"),
            ],
            alertname: "DsmRedisMetricsAbsent",
            eval_time: "20m",
            exp_alerts: [],
        },
    ],
    DsmRedisGroupLagHigh: [
        {
            name: "a group 1500 entries behind for 10 minutes",
            input_series: [series(`redis_stream_group_lag{${OF_STREAM},group="backlog-service"}`, "1500x10")],
            alertname: "DsmRedisGroupLagHigh",
            eval_time: "10m",
            exp_alerts: [
                {
                    exp_labels: { ...STREAM_LABELS, group: "backlog-service", severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "A consumer group is behind on dsm:events",
                        description:
                            "Group backlog-service has 1500 entries not yet delivered (above 1000): its service reads slower than producers write, or has stopped.",
                    },
                },
            ],
        },
        {
            name: "quiet: 900 behind; 1500 behind for only 3 minutes; another namespace's bus",
            input_series: [
                series(`redis_stream_group_lag{${OF_STREAM},group="sprint-service"}`, "900x10"),
                series(`redis_stream_group_lag{${OF_STREAM},group="project-service"}`, "0x6 1500x4"),
                series(`redis_stream_group_lag{namespace="other",db="db0",stream="dsm:events",group="x"}`, "5000x10"),
            ],
            alertname: "DsmRedisGroupLagHigh",
            eval_time: "10m",
            exp_alerts: [],
        },
    ],
    DsmRedisGroupLagGrowing: [
        {
            name: "a lag that grows by 10 a minute for 30 minutes",
            input_series: [series(`redis_stream_group_lag{${OF_STREAM},group="project-service"}`, "0+10x30")],
            alertname: "DsmRedisGroupLagGrowing",
            eval_time: "30m",
            exp_alerts: [
                {
                    exp_labels: { ...STREAM_LABELS, group: "project-service", severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "A consumer group falls further behind",
                        description:
                            "The lag of group project-service has grown for 15 minutes; it is now 300 entries.",
                    },
                },
            ],
        },
        {
            name: "quiet: a steady lag of 500; a lag that shrinks",
            input_series: [
                series(`redis_stream_group_lag{${OF_STREAM},group="sprint-service"}`, "500x30"),
                series(`redis_stream_group_lag{${OF_STREAM},group="backlog-service"}`, "900-10x30"),
            ],
            alertname: "DsmRedisGroupLagGrowing",
            eval_time: "30m",
            exp_alerts: [],
        },
    ],
    DsmRedisGroupWithoutConsumers: [
        {
            name: "a group nobody reads as, its lag growing by 10 a minute",
            input_series: [
                series(`redis_stream_group_lag{${OF_STREAM},group="backlog-service"}`, "0+10x30"),
                series(`redis_stream_group_consumers{${OF_STREAM},group="backlog-service"}`, "0x30"),
            ],
            alertname: "DsmRedisGroupWithoutConsumers",
            eval_time: "30m",
            exp_alerts: [
                {
                    exp_labels: { ...STREAM_LABELS, group: "backlog-service", severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "A consumer group has no consumers while its lag grows",
                        description:
                            "Group backlog-service has no consumers and 300 entries not yet delivered, growing: no service reads as this group. Deploy its service, or remove the group from `groups` if that service is gone.",
                    },
                },
            ],
        },
        {
            name: "quiet: a growing lag with a consumer; no consumers and a steady lag; no consumers and no lag",
            input_series: [
                series(`redis_stream_group_lag{${OF_STREAM},group="sprint-service"}`, "0+10x30"),
                series(`redis_stream_group_consumers{${OF_STREAM},group="sprint-service"}`, "1x30"),
                series(`redis_stream_group_lag{${OF_STREAM},group="project-service"}`, "500x30"),
                series(`redis_stream_group_consumers{${OF_STREAM},group="project-service"}`, "0x30"),
                series(`redis_stream_group_lag{${OF_STREAM},group="audit-service"}`, "0x30"),
                series(`redis_stream_group_consumers{${OF_STREAM},group="audit-service"}`, "0x30"),
            ],
            alertname: "DsmRedisGroupWithoutConsumers",
            eval_time: "30m",
            exp_alerts: [],
        },
    ],
    DsmRedisGroupLagUnknown: [
        {
            name: "a group behind the newest entry whose lag reads 0: Redis answered nil",
            input_series: [
                series(`redis_stream_last_generated_id{${OF_STREAM}}`, "1733000005000x20"),
                series(`redis_stream_group_lag{${OF_STREAM},group="sprint-service"}`, "0x20"),
                series(`redis_stream_group_last_delivered_id{${OF_STREAM},group="sprint-service"}`, "1733000005000x20"),
                series(`redis_stream_group_lag{${OF_STREAM},group="project-service"}`, "0x20"),
                series(`redis_stream_group_last_delivered_id{${OF_STREAM},group="project-service"}`, "0x20"),
            ],
            alertname: "DsmRedisGroupLagUnknown",
            eval_time: "20m",
            exp_alerts: [
                {
                    exp_labels: { ...STREAM_LABELS, group: "project-service", severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "Redis cannot count a consumer group's lag",
                        description:
                            "Group project-service has not been delivered the newest entries of dsm:events, yet its lag reads 0: Redis cannot count it (an entry after its position was deleted with XDEL, or its position was set by hand), and answers nil, which the exporter shows as 0. No lag alert can fire for this group. `XINFO GROUPS dsm:events` shows its lag as nil; it counts again once the group has read to the end of the stream.",
                    },
                },
            ],
        },
        {
            name: "quiet: a group behind with its lag counted; one caught up; one unknown for 10 minutes only",
            input_series: [
                series(`redis_stream_last_generated_id{${OF_STREAM}}`, "1733000005000x20"),
                series(`redis_stream_group_lag{${OF_STREAM},group="sprint-service"}`, "40x20"),
                series(`redis_stream_group_last_delivered_id{${OF_STREAM},group="sprint-service"}`, "1733000001000x20"),
                series(`redis_stream_group_lag{${OF_STREAM},group="project-service"}`, "0x20"),
                series(
                    `redis_stream_group_last_delivered_id{${OF_STREAM},group="project-service"}`,
                    "1733000005000x20",
                ),
                series(`redis_stream_group_lag{${OF_STREAM},group="backlog-service"}`, "0x20"),
                series(
                    `redis_stream_group_last_delivered_id{${OF_STREAM},group="backlog-service"}`,
                    "0x10 1733000005000x10",
                ),
            ],
            alertname: "DsmRedisGroupLagUnknown",
            eval_time: "20m",
            exp_alerts: [],
        },
    ],
    DsmRedisPendingNotAcknowledged: [
        {
            name: "a consumer holding 5 entries, idle for over 15 minutes",
            input_series: [
                series(
                    `redis_stream_group_consumer_messages_pending{${OF_STREAM},group="backlog-service",consumer="b-1"}`,
                    "5x20",
                ),
                series(
                    `redis_stream_group_consumer_idle_seconds{${OF_STREAM},group="backlog-service",consumer="b-1"}`,
                    "300+60x20",
                ),
            ],
            alertname: "DsmRedisPendingNotAcknowledged",
            eval_time: "20m",
            exp_alerts: [
                {
                    exp_labels: { ...STREAM_LABELS, group: "backlog-service", consumer: "b-1", severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "A consumer holds entries it does not acknowledge",
                        description:
                            "Consumer b-1 of group backlog-service holds pending entries and has been idle over 900 s: claim them (XAUTOCLAIM) or restart the service. Retention keeps them until they are acknowledged.",
                    },
                },
            ],
        },
        {
            name: "quiet: an idle consumer holding nothing; a busy consumer holding entries",
            input_series: [
                series(`redis_stream_group_consumer_messages_pending{${OF_STREAM},group="g",consumer="idle"}`, "0x20"),
                series(`redis_stream_group_consumer_idle_seconds{${OF_STREAM},group="g",consumer="idle"}`, "0+60x20"),
                series(`redis_stream_group_consumer_messages_pending{${OF_STREAM},group="g",consumer="busy"}`, "50x20"),
                series(`redis_stream_group_consumer_idle_seconds{${OF_STREAM},group="g",consumer="busy"}`, "1x20"),
            ],
            alertname: "DsmRedisPendingNotAcknowledged",
            eval_time: "20m",
            exp_alerts: [],
        },
    ],
    DsmRedisMemoryHigh: [
        {
            name: "used memory at 90% of maxmemory",
            input_series: [
                series(`redis_memory_used_bytes{${BUS}}`, "90x10"),
                series(`redis_memory_max_bytes{${BUS}}`, "100x10"),
            ],
            alertname: "DsmRedisMemoryHigh",
            eval_time: "10m",
            exp_alerts: [
                {
                    exp_labels: { ...BUS_LABELS, severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "Redis is near maxmemory",
                        description:
                            "Used memory is 90% of maxmemory (above 0.8); at maxmemory every XADD is refused. Check for a group that holds retention back, or raise memoryLimit.",
                    },
                },
            ],
        },
        {
            name: "quiet: at 50%",
            input_series: [
                series(`redis_memory_used_bytes{${BUS}}`, "50x10"),
                series(`redis_memory_max_bytes{${BUS}}`, "100x10"),
            ],
            alertname: "DsmRedisMemoryHigh",
            eval_time: "10m",
            exp_alerts: [],
        },
    ],
    DsmRedisAofWriteFailing: [
        {
            name: "the last AOF write failed",
            input_series: [
                series(`redis_aof_last_write_status{${BUS}}`, "1 0x5"),
                series(`redis_aof_last_bgrewrite_status{${BUS}}`, "1x5"),
            ],
            alertname: "DsmRedisAofWriteFailing",
            eval_time: "5m",
            exp_alerts: [
                {
                    exp_labels: { ...BUS_LABELS, severity: "critical" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "Redis cannot write its append-only file",
                        description:
                            "The AOF's last write or rewrite failed: acknowledged events may not be durable. Check the data volume (full, read-only).",
                    },
                },
            ],
        },
        {
            name: "quiet: both statuses ok",
            input_series: [
                series(`redis_aof_last_write_status{${BUS}}`, "1x5"),
                series(`redis_aof_last_bgrewrite_status{${BUS}}`, "1x5"),
            ],
            alertname: "DsmRedisAofWriteFailing",
            eval_time: "5m",
            exp_alerts: [],
        },
    ],
    DsmRedisWritesRefused: [
        {
            name: "10 writes refused with OOM in the last minutes",
            input_series: [series(`redis_errors_total{${BUS},err="OOM"}`, "0x5 10x5")],
            alertname: "DsmRedisWritesRefused",
            eval_time: "8m",
            exp_alerts: [
                {
                    exp_labels: { ...BUS_LABELS, err: "OOM", severity: "critical" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "Redis refuses writes: maxmemory is reached",
                        description: "XADD answered OOM 10 times in 5 minutes: producers cannot publish.",
                    },
                },
            ],
        },
        {
            name: "quiet: OOM errors long past; other errors now",
            input_series: [
                series(`redis_errors_total{${BUS},err="OOM"}`, "3x20"),
                series(`redis_errors_total{${BUS},err="NOPERM"}`, "0+5x20"),
            ],
            alertname: "DsmRedisWritesRefused",
            eval_time: "20m",
            exp_alerts: [],
        },
    ],
    DsmRedisRetentionNotRunning: [
        {
            name: "retention last ran at 0 s, and it is now 20 minutes later",
            input_series: [series(`redis_key_value{${BUS},key="dsm:retention:last-run"}`, "0x20")],
            alertname: "DsmRedisRetentionNotRunning",
            eval_time: "20m",
            exp_alerts: [
                {
                    exp_labels: { ...BUS_LABELS, key: "dsm:retention:last-run", severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "Retention has not run",
                        description:
                            "The retention CronJob has not run for over 300 s: the stream only grows. Check the CronJob redis-retention and its Jobs.",
                    },
                },
            ],
        },
        {
            name: "retention never ran: no series at all",
            input_series: [series(`redis_up{${BUS}}`, "1x20")],
            alertname: "DsmRedisRetentionNotRunning",
            eval_time: "20m",
            exp_alerts: [
                {
                    exp_labels: { namespace: "dsm", key: "dsm:retention:last-run", severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "Retention has not run",
                        description:
                            "The retention CronJob has not run for over 300 s: the stream only grows. Check the CronJob redis-retention and its Jobs.",
                    },
                },
            ],
        },
        {
            name: "quiet: retention runs every minute",
            input_series: [series(`redis_key_value{${BUS},key="dsm:retention:last-run"}`, "0+60x20")],
            alertname: "DsmRedisRetentionNotRunning",
            eval_time: "20m",
            exp_alerts: [],
        },
    ],
    DsmRedisBackupFailed: [
        {
            name: "the backup succeeded at 0 s, and the run at 3 minutes failed",
            input_series: [
                series(`redis_key_value{${BUS},key="dsm:backup:last-success"}`, "0x10"),
                series(`redis_key_value{${BUS},key="dsm:backup:last-failure"}`, "_x3 180x7"),
            ],
            alertname: "DsmRedisBackupFailed",
            eval_time: "5m",
            exp_alerts: [BACKUP_FAILED],
        },
        {
            name: "no backup has ever succeeded, and one failed",
            input_series: [series(`redis_key_value{${BUS},key="dsm:backup:last-failure"}`, "60x10")],
            alertname: "DsmRedisBackupFailed",
            eval_time: "5m",
            exp_alerts: [BACKUP_FAILED],
        },
        {
            name: "quiet: a failure, then a success after it; no failure at all; another namespace's failure",
            input_series: [
                series(`redis_key_value{${BUS},key="dsm:backup:last-failure"}`, "60x10"),
                series(`redis_key_value{${BUS},key="dsm:backup:last-success"}`, "0x3 240x7"),
                series(`redis_key_value{namespace="other",db="db0",key="dsm:backup:last-failure"}`, "_x3 180x7"),
                series(`redis_key_value{namespace="other",db="db0",key="dsm:backup:last-success"}`, "0x10"),
            ],
            alertname: "DsmRedisBackupFailed",
            eval_time: "9m",
            exp_alerts: [],
        },
    ],
    DsmRedisBackupStale: [
        {
            name: "the last backup succeeded at 0 s, and it is now 27 hours later",
            input_series: [series(`redis_key_value{${BUS},key="dsm:backup:last-success"}`, "0x1620")],
            alertname: "DsmRedisBackupStale",
            eval_time: "1620m",
            exp_alerts: [
                {
                    exp_labels: { ...BUS_LABELS, key: "dsm:backup:last-success", severity: "warning" },
                    exp_annotations: BACKUP_STALE,
                },
            ],
        },
        {
            name: "no backup has ever succeeded: no series at all",
            input_series: [series(`redis_up{${BUS}}`, "1x20")],
            alertname: "DsmRedisBackupStale",
            eval_time: "20m",
            exp_alerts: [
                {
                    exp_labels: { namespace: "dsm", key: "dsm:backup:last-success", severity: "warning" },
                    exp_annotations: BACKUP_STALE,
                },
            ],
        },
        {
            name: "quiet: 25 hours after the last success, under the 26-hour bound",
            input_series: [series(`redis_key_value{${BUS},key="dsm:backup:last-success"}`, "0x1500")],
            alertname: "DsmRedisBackupStale",
            eval_time: "1500m",
            exp_alerts: [],
        },
    ],
    DsmRedisDeadLetters: [
        {
            name: "two dead letters",
            input_series: [series(`redis_stream_length{${DEAD}}`, "0x5 2x5")],
            alertname: "DsmRedisDeadLetters",
            eval_time: "10m",
            exp_alerts: [
                {
                    exp_labels: { ...BUS_LABELS, stream: "dsm:events:dead", severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "Events are waiting in the dead letters",
                        description:
                            "2 entries of dsm:events:dead are events a consumer kept failing on. Fix the consumer, then replay them (npm run dead-letters -- list, then replay or drop).",
                    },
                },
            ],
        },
        {
            name: "quiet: no dead letters; entries in the bus's own stream",
            input_series: [
                series(`redis_stream_length{${DEAD}}`, "0x10"),
                series(`redis_stream_length{${OF_STREAM}}`, "5000x10"),
            ],
            alertname: "DsmRedisDeadLetters",
            eval_time: "10m",
            exp_alerts: [],
        },
    ],
    DsmRedisDeadLettersGrowing: [
        {
            name: "retention moved 3 poison entries in the last 30 minutes",
            input_series: [series(`redis_key_value{${BUS},key="dsm:dead-letters:moved-total"}`, "4x30 7x10")],
            alertname: "DsmRedisDeadLettersGrowing",
            eval_time: "40m",
            exp_alerts: [
                {
                    exp_labels: { ...BUS_LABELS, key: "dsm:dead-letters:moved-total", severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "Retention is moving poison events to the dead letters",
                        description:
                            "3 entries were moved to the dead letters in 30 minutes: a consumer is failing on events now. Read its logs; npm run dead-letters -- list shows which events and which group.",
                    },
                },
            ],
        },
        {
            name: "quiet: dead letters moved an hour ago, none since",
            input_series: [series(`redis_key_value{${BUS},key="dsm:dead-letters:moved-total"}`, "4x10 7x60")],
            alertname: "DsmRedisDeadLettersGrowing",
            eval_time: "70m",
            exp_alerts: [],
        },
    ],
    DsmRedisDeadLettersFull: [
        {
            name: "the dead-letter stream at its cap",
            input_series: [series(`redis_key_value{${BUS},key="dsm:dead-letters:full"}`, "0x5 1x5")],
            alertname: "DsmRedisDeadLettersFull",
            eval_time: "10m",
            exp_alerts: [
                {
                    exp_labels: { ...BUS_LABELS, key: "dsm:dead-letters:full", severity: "critical" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "The dead letters are full",
                        description:
                            "The dead-letter stream is at deadLetterMaxEntries: poison events stay pending and hold retention back, and the bus fills. Replay or drop dead letters (npm run dead-letters), or raise deadLetterMaxEntries.",
                    },
                },
            ],
        },
        {
            name: "quiet: full once, then room again",
            input_series: [series(`redis_key_value{${BUS},key="dsm:dead-letters:full"}`, "1x5 0x5")],
            alertname: "DsmRedisDeadLettersFull",
            eval_time: "10m",
            exp_alerts: [],
        },
    ],
    DsmRedisPendingTooOld: [
        {
            name: "the oldest pending entry ages past an hour",
            input_series: [
                series(`redis_key_value{${BUS},key="dsm:pending:oldest-age-seconds"}`, "3000+60x20"),
                text("dsm:pending:oldest", "entry 1733-0 of group backlog-service", 20),
            ],
            alertname: "DsmRedisPendingTooOld",
            eval_time: "20m",
            exp_alerts: [
                {
                    exp_labels: { ...BUS_LABELS, key: "dsm:pending:oldest-age-seconds", severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "An event has waited too long for its acknowledgement",
                        description:
                            "The oldest pending entry 1733-0 of group backlog-service was published 1h 10m 0s ago (bound 3600 s) and is still not acknowledged: its consumer crashed on it or holds it. Claim it (XAUTOCLAIM) or restart the service; retention keeps every entry after it.",
                    },
                },
            ],
        },
        {
            name: "quiet: pending entries younger than an hour; one past it for 3 minutes, then acknowledged",
            input_series: [
                series(`redis_key_value{${BUS},key="dsm:pending:oldest-age-seconds"}`, "3500+60x5 0x15"),
                text("dsm:pending:oldest", "entry 1733-0 of group backlog-service", 20),
            ],
            alertname: "DsmRedisPendingTooOld",
            eval_time: "20m",
            exp_alerts: [],
        },
    ],
    DsmRedisDeliveriesHigh: [
        {
            name: "an entry delivered 5 times stays pending for 40 minutes: consumers keep claiming it",
            input_series: [
                series(`redis_key_value{${BUS},key="dsm:pending:most-deliveries"}`, "2x10 5x40"),
                text("dsm:pending:most-delivered", "entry 1733-0 of group sprint-service", 50),
            ],
            alertname: "DsmRedisDeliveriesHigh",
            eval_time: "50m",
            exp_alerts: [
                {
                    exp_labels: { ...BUS_LABELS, key: "dsm:pending:most-deliveries", severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "A pending event is delivered again and again",
                        description:
                            "The entry 1733-0 of group sprint-service has been delivered 5 times and is still pending: consumers keep failing on it, and claim it again before it has been idle 600 s, so it never moves to the dead letters. Read the consumer's logs; once it stops claiming the entry, the next retention run moves it.",
                    },
                },
            ],
        },
        {
            name: "quiet: at 5 deliveries for 20 minutes, then moved; 4 deliveries for good",
            input_series: [
                series(`redis_key_value{${BUS},key="dsm:pending:most-deliveries"}`, "5x20 0x10 4x40"),
                text("dsm:pending:most-delivered", "entry 1733-0 of group sprint-service", 70),
            ],
            alertname: "DsmRedisDeliveriesHigh",
            eval_time: "70m",
            exp_alerts: [],
        },
    ],
    DsmRedisRetentionBlocked: [
        {
            name: "retention held back by a group for 40 minutes",
            input_series: [
                series(`redis_key_value{${BUS},key="dsm:retention:blocked"}`, "1x40"),
                text("dsm:retention:held-by", "group project-service, at entry 1733-0, not yet delivered to it", 40),
            ],
            alertname: "DsmRedisRetentionBlocked",
            eval_time: "40m",
            exp_alerts: [
                {
                    exp_labels: { ...BUS_LABELS, key: "dsm:retention:blocked", severity: "warning" },
                    exp_annotations: {
                        ...RUNBOOK,
                        summary: "A consumer group holds retention back",
                        description:
                            "For 30 minutes retention has stopped at a consumer group's position, and the stream only grows: now group project-service, at entry 1733-0, not yet delivered to it. Catch that group's service up, or claim its pending entry (XAUTOCLAIM).",
                    },
                },
            ],
        },
        {
            name: "quiet: held back for 20 minutes, then free",
            input_series: [series(`redis_key_value{${BUS},key="dsm:retention:blocked"}`, "1x20 0x20")],
            alertname: "DsmRedisRetentionBlocked",
            eval_time: "40m",
            exp_alerts: [],
        },
    ],
};

export const CASES: Record<string, AlertCase[]> = Object.fromEntries(
    Object.entries(WRITTEN).map(([alert, cases]) => [
        alert,
        cases.map((c) => ({ ...c, input_series: [...c.input_series, MASTER_INFO] })),
    ]),
);
