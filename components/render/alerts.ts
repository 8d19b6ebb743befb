/**
 * The bus's alerts, as Prometheus rules over redis_exporter's series (v1.74): a group falling behind, entries held
 * unacknowledged too long, memory near maxmemory, AOF write errors, writes refused, retention not running or held by a
 * group, Redis down or its series gone, dead letters, a backup failed or stale. Pure: one definition for the PrometheusRule and for
 * `promtool test rules`.
 */
import { BACKUP_STATUS_KEYS } from "./backup-script";
import { DEAD_LETTER_STATUS_KEYS, deadLetterStreamOf } from "./dead-letter-script";
import { OnMaster, onMaster } from "./master-series";
import { RETENTION_STATUS_KEYS } from "./retention-script";

/** Where each alert's runbook is: README's section on the alerts, which says for each what to do. */
export const RUNBOOK_URL = "https://github.com/dsm-platform/dsm-redis/blob/main/README.md#alerts";

export interface AlertSettings {
    /** The bus's namespace: the series of its pod carry it (PodMonitor). */
    readonly namespace: string;
    readonly stream: string;
    readonly lagEntries: number;
    readonly pendingIdleSeconds: number;
    readonly memoryRatio: number;
    readonly retentionStaleSeconds: number;
    readonly pendingAgeSeconds: number;
    /** Whether retention runs, so that its alerts exist. */
    readonly retention: boolean;
    /** Whether its runs move poison entries to the dead letters (with retention), so that their alerts exist. */
    readonly deadLetters: boolean;
    readonly deadLetterDeliveries: number;
    readonly deadLetterIdleSeconds: number;
    /** Whether the scheduled backup runs, so that its alerts exist. */
    readonly backup: boolean;
    readonly backupStaleSeconds: number;
}

export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: { readonly severity: "warning" | "critical" };
    readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

/** A rule as written below, before the runbook link every rule carries. */
type RuleText = Omit<AlertRule, "annotations"> & {
    readonly annotations: Omit<AlertRule["annotations"], "runbook_url">;
};

function withRunbook(rule: RuleText): AlertRule {
    return { ...rule, annotations: { ...rule.annotations, runbook_url: RUNBOOK_URL } };
}

export function alertRules(s: AlertSettings): AlertRule[] {
    return ruleTexts(s).map(withRunbook);
}

function ruleTexts(s: AlertSettings): RuleText[] {
    const bus = `namespace="${s.namespace}"`;
    const stream = `${bus},stream="${s.stream}"`;
    const dead = `${bus},stream="${deadLetterStreamOf(s.stream)}"`;
    const key = (name: string) => `redis_key_value{${bus},key="${name}"}`;
    const master = onMaster(bus);
    // A text status key, for a description: the exporter gives its value as the label `val` of a series of 1.
    const text = (name: string) =>
        `{{ with query \`redis_key_value_as_string{${bus},key="${name}"}\` }}{{ (index . 0).Labels.val }}{{ else }}unknown{{ end }}`;
    const rules: RuleText[] = [
        {
            alert: "DsmRedisDown",
            expr: `redis_up{${bus}} == 0`,
            for: "1m",
            labels: { severity: "critical" },
            annotations: {
                summary: "Redis does not answer its metrics exporter",
                // The pod the target is (a PodMonitor's label): on a replicated bus, which node.
                description:
                    "The exporter beside Redis has had no answer for a minute from the pod {{ with $labels.pod }}{{ . }}{{ else }}redis{{ end }}. On a bus of one node, producers cannot publish and consumers cannot read; a replicated bus goes on while a majority of its nodes is up. Check the pod (kubectl get pods -n {{ $labels.namespace }}) and its logs.",
            },
        },
        {
            alert: "DsmRedisMetricsAbsent",
            // Without this, a bus whose pod or exporter is gone fires nothing at all: every other rule needs a series.
            expr: `absent(redis_up{${bus}})`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
                summary: "The bus's metrics are gone",
                description: `No series from the bus in ${s.namespace} for 5 minutes: the pod, its exporter sidecar or the PodMonitor is gone, and no other alert of the bus can fire. Check the pod redis and the PodMonitor redis.`,
            },
        },
        {
            alert: "DsmRedisGroupLagHigh",
            expr: master(`redis_stream_group_lag{${stream}} > ${s.lagEntries}`),
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "A consumer group is behind on {{ $labels.stream }}",
                description: `Group {{ $labels.group }} has {{ $value }} entries not yet delivered (above ${s.lagEntries}): its service reads slower than producers write, or has stopped.`,
            },
        },
        {
            alert: "DsmRedisGroupLagGrowing",
            // The lag first: the value of `a and b` is a's, and the description shows it.
            expr: master(`redis_stream_group_lag{${stream}} > 0 and deriv(redis_stream_group_lag{${stream}}[10m]) > 0`),
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "A consumer group falls further behind",
                description:
                    "The lag of group {{ $labels.group }} has grown for 15 minutes; it is now {{ $value }} entries.",
            },
        },
        {
            alert: "DsmRedisGroupWithoutConsumers",
            // A consumer stays in its group until deleted, so 0 means no service has ever read as this group (or its
            // consumers were deleted): nobody will catch up on its lag. The lag first, for the description.
            expr: master(
                `redis_stream_group_lag{${stream}} > 0 and redis_stream_group_consumers{${stream}} == 0 and deriv(redis_stream_group_lag{${stream}}[10m]) > 0`,
            ),
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "A consumer group has no consumers while its lag grows",
                description:
                    "Group {{ $labels.group }} has no consumers and {{ $value }} entries not yet delivered, growing: no service reads as this group. Deploy its service, or remove the group from `groups` if that service is gone.",
            },
        },
        {
            alert: "DsmRedisGroupLagUnknown",
            // Redis answers a nil lag for such a group, and the exporter writes nil as 0. A lag that is truly 0 means
            // the group was delivered the newest entry; one that is 0 while the group's position is older is nil.
            // (The exporter gives IDs as their milliseconds: a group within the newest millisecond is not seen.)
            expr: master(
                `redis_stream_group_lag{${stream}} == 0 and redis_stream_group_last_delivered_id{${stream}} < ignoring(group) group_left() redis_stream_last_generated_id{${stream}}`,
            ),
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "Redis cannot count a consumer group's lag",
                description:
                    "Group {{ $labels.group }} has not been delivered the newest entries of {{ $labels.stream }}, yet its lag reads 0: Redis cannot count it (an entry after its position was deleted with XDEL, or its position was set by hand), and answers nil, which the exporter shows as 0. No lag alert can fire for this group. `XINFO GROUPS {{ $labels.stream }}` shows its lag as nil; it counts again once the group has read to the end of the stream.",
            },
        },
        {
            alert: "DsmRedisPendingNotAcknowledged",
            expr: master(
                `redis_stream_group_consumer_messages_pending{${stream}} > 0 and redis_stream_group_consumer_idle_seconds{${stream}} > ${s.pendingIdleSeconds}`,
            ),
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "A consumer holds entries it does not acknowledge",
                description: `Consumer {{ $labels.consumer }} of group {{ $labels.group }} holds pending entries and has been idle over ${s.pendingIdleSeconds} s: claim them (XAUTOCLAIM) or restart the service. Retention keeps them until they are acknowledged.`,
            },
        },
        {
            alert: "DsmRedisMemoryHigh",
            expr: `redis_memory_used_bytes{${bus}} / redis_memory_max_bytes{${bus}} > ${s.memoryRatio}`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "Redis is near maxmemory",
                description: `Used memory is {{ $value | humanizePercentage }} of maxmemory (above ${s.memoryRatio}); at maxmemory every XADD is refused. Check for a group that holds retention back, or raise memoryLimit.`,
            },
        },
        {
            alert: "DsmRedisAofWriteFailing",
            expr: `redis_aof_last_write_status{${bus}} == 0 or redis_aof_last_bgrewrite_status{${bus}} == 0`,
            for: "1m",
            labels: { severity: "critical" },
            annotations: {
                summary: "Redis cannot write its append-only file",
                description:
                    "The AOF's last write or rewrite failed: acknowledged events may not be durable. Check the data volume (full, read-only).",
            },
        },
        {
            alert: "DsmRedisWritesRefused",
            expr: `increase(redis_errors_total{${bus},err="OOM"}[5m]) > 0`,
            for: "0m",
            labels: { severity: "critical" },
            annotations: {
                summary: "Redis refuses writes: maxmemory is reached",
                description: "XADD answered OOM {{ $value }} times in 5 minutes: producers cannot publish.",
            },
        },
    ];
    return [
        ...rules,
        ...(s.retention ? retentionRules(s, key, text, master) : []),
        ...(s.retention && s.deadLetters ? deadLetterRules(s, key, text, dead, master) : []),
        ...(s.backup ? backupRules(s, key, master) : []),
    ];
}

/** The scheduled backup's alerts, over the status keys each run writes (render/backup-script.ts). */
function backupRules(s: AlertSettings, key: KeySeries, master: OnMaster): RuleText[] {
    const success = key(BACKUP_STATUS_KEYS.lastSuccess);
    const failure = key(BACKUP_STATUS_KEYS.lastFailure);
    // Without the key label, so that both ways of firing give the alert the same labels.
    const keyless = (series: string) => `max without (key) (${series})`;
    return [
        {
            alert: "DsmRedisBackupFailed",
            // The newest run failed: its failure is later than the last success, or there has been no success.
            expr: master(`${keyless(failure)} > ${keyless(success)} or ${keyless(failure)} unless ${keyless(success)}`),
            for: "0m",
            labels: { severity: "warning" },
            annotations: {
                summary: "The newest scheduled backup failed",
                description:
                    "The last run of the CronJob redis-backup failed, and nothing was kept of it; the backups before it are still there. Its Job's log says why (kubectl logs -n {{ $labels.namespace }} job/<the failed job>): the volume full, or Redis refusing a step.",
            },
        },
        {
            alert: "DsmRedisBackupStale",
            // absent() outside the master's filter: its series has no instance to match.
            expr: `${master(`time() - ${success} > ${s.backupStaleSeconds}`)} or absent(${success})`,
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
                summary: "No backup has succeeded recently",
                description: `No scheduled backup has succeeded for over ${s.backupStaleSeconds} s, or none ever has (a new bus, until its first backup): a lost volume would lose the events since. Check the CronJob redis-backup and its Jobs, or start one now (kubectl create job -n ${s.namespace} --from=cronjob/redis-backup redis-backup-now).`,
            },
        },
    ];
}

type KeySeries = (name: string) => string;

function deadLetterRules(
    s: AlertSettings,
    key: KeySeries,
    text: KeySeries,
    dead: string,
    master: OnMaster,
): RuleText[] {
    return [
        {
            alert: "DsmRedisDeadLetters",
            expr: master(`redis_stream_length{${dead}} > 0`),
            for: "0m",
            labels: { severity: "warning" },
            annotations: {
                summary: "Events are waiting in the dead letters",
                description:
                    "{{ $value }} entries of {{ $labels.stream }} are events a consumer kept failing on. Fix the consumer, then replay them (npm run dead-letters -- list, then replay or drop).",
            },
        },
        {
            alert: "DsmRedisDeadLettersGrowing",
            // The counter is a key in Redis, kept across restarts: a plain difference, exact where increase() extrapolates.
            expr: master(
                `${key(DEAD_LETTER_STATUS_KEYS.movedTotal)} - ${key(DEAD_LETTER_STATUS_KEYS.movedTotal)} offset 30m > 0`,
            ),
            for: "0m",
            labels: { severity: "warning" },
            annotations: {
                summary: "Retention is moving poison events to the dead letters",
                description:
                    "{{ $value }} entries were moved to the dead letters in 30 minutes: a consumer is failing on events now. Read its logs; npm run dead-letters -- list shows which events and which group.",
            },
        },
        {
            alert: "DsmRedisDeadLettersFull",
            expr: master(`${key(DEAD_LETTER_STATUS_KEYS.full)} == 1`),
            for: "0m",
            labels: { severity: "critical" },
            annotations: {
                summary: "The dead letters are full",
                description:
                    "The dead-letter stream is at deadLetterMaxEntries: poison events stay pending and hold retention back, and the bus fills. Replay or drop dead letters (npm run dead-letters), or raise deadLetterMaxEntries.",
            },
        },
        {
            alert: "DsmRedisDeliveriesHigh",
            // An entry at the threshold that stays pending is moved once idle deadLetterIdleSeconds: the alert waits
            // that long and a quarter of an hour more, so that it fires only for one that consumers keep claiming.
            expr: master(`${key(DEAD_LETTER_STATUS_KEYS.mostDeliveries)} >= ${s.deadLetterDeliveries}`),
            for: `${Math.max(1800, s.deadLetterIdleSeconds + 900)}s`,
            labels: { severity: "warning" },
            annotations: {
                summary: "A pending event is delivered again and again",
                description: `The ${text(DEAD_LETTER_STATUS_KEYS.mostDelivered)} has been delivered {{ $value }} times and is still pending: consumers keep failing on it, and claim it again before it has been idle ${s.deadLetterIdleSeconds} s, so it never moves to the dead letters. Read the consumer's logs; once it stops claiming the entry, the next retention run moves it.`,
            },
        },
    ];
}

function retentionRules(s: AlertSettings, key: KeySeries, text: KeySeries, master: OnMaster): RuleText[] {
    return [
        {
            alert: "DsmRedisPendingTooOld",
            expr: master(`${key(RETENTION_STATUS_KEYS.oldestPendingAge)} > ${s.pendingAgeSeconds}`),
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "An event has waited too long for its acknowledgement",
                description: `The oldest pending ${text(RETENTION_STATUS_KEYS.oldestPending)} was published {{ $value | humanizeDuration }} ago (bound ${s.pendingAgeSeconds} s) and is still not acknowledged: its consumer crashed on it or holds it. Claim it (XAUTOCLAIM) or restart the service; retention keeps every entry after it.`,
            },
        },
        {
            alert: "DsmRedisRetentionNotRunning",
            expr: `${master(`time() - ${key(RETENTION_STATUS_KEYS.lastRun)} > ${s.retentionStaleSeconds}`)} or absent(${key(RETENTION_STATUS_KEYS.lastRun)})`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "Retention has not run",
                description: `The retention CronJob has not run for over ${s.retentionStaleSeconds} s: the stream only grows. Check the CronJob redis-retention and its Jobs.`,
            },
        },
        {
            alert: "DsmRedisRetentionBlocked",
            expr: master(`${key(RETENTION_STATUS_KEYS.blocked)} == 1`),
            for: "30m",
            labels: { severity: "warning" },
            annotations: {
                summary: "A consumer group holds retention back",
                description: `For 30 minutes retention has stopped at a consumer group's position, and the stream only grows: now ${text(RETENTION_STATUS_KEYS.heldBy)}. Catch that group's service up, or claim its pending entry (XAUTOCLAIM).`,
            },
        },
    ];
}
