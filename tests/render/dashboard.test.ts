/** The Grafana dashboard on its own: ten panels two by two, each reading what redis_exporter exports. */
import * as assert from "assert";
import { dashboard } from "../../components/render/dashboard";

interface Panel {
    readonly id: number;
    readonly title: string;
    readonly type: string;
    readonly gridPos: { h: number; w: number; x: number; y: number };
    readonly fieldConfig: { defaults: { unit: string }; overrides: unknown[] };
    readonly targets: Array<{ refId: string; expr: string; legendFormat: string }>;
}

/**
 * The bus's own series counted on the master only, written out here: on a replicated bus each node reports them.
 * Memory is per node, each its own line.
 */
const master = (expr: string) => `(${expr}) and on(instance) redis_instance_info{namespace="dsm-prod",role="master"}`;

/** Rendered inside each test, not once per file: a mutation tester switches mutants between tests. */
const render = () =>
    JSON.parse(dashboard("dsm-prod", "dsm:events")) as {
        title: string;
        uid: string;
        schemaVersion: number;
        time: { from: string; to: string };
        panels: Panel[];
    };

describe("the dashboard", () => {
    it("is named and identified by the bus's namespace, so two buses get two dashboards", () => {
        const board = render();
        assert.deepStrictEqual(
            [board.title, board.uid, board.schemaVersion, board.time],
            ["DSM event bus (dsm-prod)", "dsm-redis-dsm-prod", 39, { from: "now-6h", to: "now" }],
        );
        assert.notStrictEqual(JSON.parse(dashboard("dsm", "dsm:events")).uid, board.uid);
    });

    it("shows lag per group, memory against maxmemory, events per second, entries trimmed per run, dead letters and pending entries", () => {
        const board = render();
        assert.deepStrictEqual(
            board.panels.map((p) => [p.id, p.title, p.type, p.fieldConfig, p.targets]),
            [
                [
                    1,
                    "Lag per consumer group",
                    "timeseries",
                    { defaults: { unit: "short" }, overrides: [] },
                    [
                        {
                            refId: "A",
                            expr: master('redis_stream_group_lag{namespace="dsm-prod",stream="dsm:events"}'),
                            legendFormat: "{{group}}",
                        },
                    ],
                ],
                [
                    2,
                    "Memory against maxmemory",
                    "timeseries",
                    { defaults: { unit: "bytes" }, overrides: [] },
                    [
                        {
                            refId: "A",
                            expr: 'redis_memory_used_bytes{namespace="dsm-prod"}',
                            legendFormat: "used {{instance}}",
                        },
                        {
                            refId: "B",
                            expr: 'redis_memory_max_bytes{namespace="dsm-prod"}',
                            legendFormat: "maxmemory {{instance}}",
                        },
                    ],
                ],
                [
                    3,
                    "Events per second",
                    "timeseries",
                    { defaults: { unit: "ops" }, overrides: [] },
                    [
                        {
                            refId: "A",
                            expr: master('rate(redis_commands_total{namespace="dsm-prod",cmd="xadd"}[5m])'),
                            legendFormat: "XADD/s",
                        },
                    ],
                ],
                [
                    4,
                    "Entries trimmed per retention run",
                    "timeseries",
                    { defaults: { unit: "short" }, overrides: [] },
                    [
                        {
                            refId: "A",
                            expr: master(
                                'delta(redis_key_value{namespace="dsm-prod",key="dsm:retention:trimmed-total"}[1m])',
                            ),
                            legendFormat: "trimmed",
                        },
                    ],
                ],
                [
                    5,
                    "Dead letters",
                    "timeseries",
                    { defaults: { unit: "short" }, overrides: [] },
                    [
                        {
                            refId: "A",
                            expr: master('redis_stream_length{namespace="dsm-prod",stream="dsm:events:dead"}'),
                            legendFormat: "waiting",
                        },
                        {
                            refId: "B",
                            expr: master(
                                'delta(redis_key_value{namespace="dsm-prod",key="dsm:dead-letters:moved-total"}[5m])',
                            ),
                            legendFormat: "moved in 5 min",
                        },
                    ],
                ],
                [
                    6,
                    "Pending entries per consumer group",
                    "timeseries",
                    { defaults: { unit: "short" }, overrides: [] },
                    [
                        {
                            refId: "A",
                            expr: master(
                                'redis_stream_group_messages_pending{namespace="dsm-prod",stream="dsm:events"}',
                            ),
                            legendFormat: "{{group}}",
                        },
                    ],
                ],
                [
                    7,
                    "Oldest pending entry's age (each retention run)",
                    "timeseries",
                    { defaults: { unit: "s" }, overrides: [] },
                    [
                        {
                            refId: "A",
                            expr: master('redis_key_value{namespace="dsm-prod",key="dsm:pending:oldest-age-seconds"}'),
                            legendFormat: "oldest pending",
                        },
                    ],
                ],
                [
                    8,
                    "Most deliveries of an entry still pending",
                    "timeseries",
                    { defaults: { unit: "short" }, overrides: [] },
                    [
                        {
                            refId: "A",
                            expr: master('redis_key_value{namespace="dsm-prod",key="dsm:pending:most-deliveries"}'),
                            legendFormat: "deliveries",
                        },
                    ],
                ],
                [
                    9,
                    "Since the last good scheduled backup",
                    "timeseries",
                    { defaults: { unit: "s" }, overrides: [] },
                    [
                        {
                            refId: "A",
                            expr: master(
                                'time() - redis_key_value{namespace="dsm-prod",key="dsm:backup:last-success"}',
                            ),
                            legendFormat: "age",
                        },
                    ],
                ],
                [
                    10,
                    "Entries in the last good scheduled backup",
                    "timeseries",
                    { defaults: { unit: "short" }, overrides: [] },
                    [
                        {
                            refId: "A",
                            expr: master('redis_key_value{namespace="dsm-prod",key="dsm:backup:last-entries"}'),
                            legendFormat: "entries",
                        },
                    ],
                ],
            ],
        );
    });

    it("lays the panels out two by two, without overlap", () => {
        const board = render();
        assert.deepStrictEqual(
            board.panels.map((p) => p.gridPos),
            [
                { h: 8, w: 12, x: 0, y: 0 },
                { h: 8, w: 12, x: 12, y: 0 },
                { h: 8, w: 12, x: 0, y: 8 },
                { h: 8, w: 12, x: 12, y: 8 },
                { h: 8, w: 12, x: 0, y: 16 },
                { h: 8, w: 12, x: 12, y: 16 },
                { h: 8, w: 12, x: 0, y: 24 },
                { h: 8, w: 12, x: 12, y: 24 },
                { h: 8, w: 12, x: 0, y: 32 },
                { h: 8, w: 12, x: 12, y: 32 },
            ],
        );
    });
});
