/**
 * A Grafana dashboard for the bus, for a Grafana sidecar that picks up ConfigMaps labelled `grafana_dashboard`: lag
 * per group, memory against maxmemory, events per second, entries trimmed per retention run, dead letters, pending
 * entries per group, the oldest pending entry's age and the most deliveries of one. Pure.
 */
import { BACKUP_STATUS_KEYS } from "./backup-script";
import { DEAD_LETTER_STATUS_KEYS, deadLetterStreamOf } from "./dead-letter-script";
import { onMaster } from "./master-series";
import { RETENTION_STATUS_KEYS } from "./retention-script";

export function dashboard(namespace: string, stream: string): string {
    const bus = `namespace="${namespace}"`;
    // The bus's own series from the master alone; memory per node, each its own line.
    const master = onMaster(bus);
    const panel = (id: number, title: string, exprs: Array<[string, string]>, unit: string, y: number) => ({
        id,
        title,
        type: "timeseries",
        gridPos: { h: 8, w: 12, x: id % 2 === 1 ? 0 : 12, y },
        fieldConfig: { defaults: { unit }, overrides: [] },
        targets: exprs.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), expr, legendFormat })),
    });
    return JSON.stringify(
        {
            title: `DSM event bus (${namespace})`,
            uid: `dsm-redis-${namespace}`,
            schemaVersion: 39,
            time: { from: "now-6h", to: "now" },
            panels: [
                panel(
                    1,
                    "Lag per consumer group",
                    [[master(`redis_stream_group_lag{${bus},stream="${stream}"}`), "{{group}}"]],
                    "short",
                    0,
                ),
                panel(
                    2,
                    "Memory against maxmemory",
                    [
                        [`redis_memory_used_bytes{${bus}}`, "used {{instance}}"],
                        [`redis_memory_max_bytes{${bus}}`, "maxmemory {{instance}}"],
                    ],
                    "bytes",
                    0,
                ),
                panel(
                    3,
                    "Events per second",
                    [[master(`rate(redis_commands_total{${bus},cmd="xadd"}[5m])`), "XADD/s"]],
                    "ops",
                    8,
                ),
                panel(
                    4,
                    "Entries trimmed per retention run",
                    [
                        [
                            master(`delta(redis_key_value{${bus},key="${RETENTION_STATUS_KEYS.trimmedTotal}"}[1m])`),
                            "trimmed",
                        ],
                    ],
                    "short",
                    8,
                ),
                panel(
                    5,
                    "Dead letters",
                    [
                        [master(`redis_stream_length{${bus},stream="${deadLetterStreamOf(stream)}"}`), "waiting"],
                        [
                            master(`delta(redis_key_value{${bus},key="${DEAD_LETTER_STATUS_KEYS.movedTotal}"}[5m])`),
                            "moved in 5 min",
                        ],
                    ],
                    "short",
                    16,
                ),
                panel(
                    6,
                    "Pending entries per consumer group",
                    [[master(`redis_stream_group_messages_pending{${bus},stream="${stream}"}`), "{{group}}"]],
                    "short",
                    16,
                ),
                panel(
                    7,
                    "Oldest pending entry's age (each retention run)",
                    [
                        [
                            master(`redis_key_value{${bus},key="${RETENTION_STATUS_KEYS.oldestPendingAge}"}`),
                            "oldest pending",
                        ],
                    ],
                    "s",
                    24,
                ),
                panel(
                    8,
                    "Most deliveries of an entry still pending",
                    [[master(`redis_key_value{${bus},key="${DEAD_LETTER_STATUS_KEYS.mostDeliveries}"}`), "deliveries"]],
                    "short",
                    24,
                ),
                // With `backup`: what each scheduled run records (render/backup-script.ts); without, no data.
                panel(
                    9,
                    "Since the last good scheduled backup",
                    [[master(`time() - redis_key_value{${bus},key="${BACKUP_STATUS_KEYS.lastSuccess}"}`), "age"]],
                    "s",
                    32,
                ),
                panel(
                    10,
                    "Entries in the last good scheduled backup",
                    [[master(`redis_key_value{${bus},key="${BACKUP_STATUS_KEYS.lastEntries}"}`), "entries"]],
                    "short",
                    32,
                ),
            ],
        },
        null,
        2,
    );
}
