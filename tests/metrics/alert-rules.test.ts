/**
 * The alert rules, as the renderer writes them, unit-tested by promtool (built from the Prometheus Go module): each
 * alert fires on series that should fire it, with its labels and rendered annotations, and stays quiet on series that
 * should not. Run by `npm run test:metrics`, and by `npm run test:mutation` for alerts.ts.
 */
import * as assert from "assert";
import { CASES, expectPass, ruleGroups, series } from "./alert-cases";
import { testRules } from "./promtool";

/** The alerts over the keys each retention run records, and those over what its dead-letter steps record. */
const RETENTION_ALERTS = ["DsmRedisRetentionNotRunning", "DsmRedisRetentionBlocked", "DsmRedisPendingTooOld"];
const BACKUP_ALERTS = ["DsmRedisBackupFailed", "DsmRedisBackupStale"];
const DEAD_LETTER_ALERTS = [
    "DsmRedisDeadLetters",
    "DsmRedisDeadLettersGrowing",
    "DsmRedisDeadLettersFull",
    "DsmRedisDeliveriesHigh",
];

describe("the alert rules under promtool test rules", function () {
    this.timeout(600_000);
    // Rendered in each test, not once per file: a mutation tester switches mutants between tests.
    // With the scheduled backup, which is off by default, so that every alert is rendered.
    const every = { backup: true } as const;
    let groups: ReturnType<typeof ruleGroups>;
    beforeEach(() => {
        groups = ruleGroups(every);
    });

    it("renders exactly the alerts these cases cover", () => {
        const rules = groups[0].rules.map((r) => r.alert);
        assert.deepStrictEqual([...rules].sort(), Object.keys(CASES).sort());
    });

    for (const [alert, cases] of Object.entries(CASES)) {
        it(`${alert} fires when it should, saying what it should, and stays quiet otherwise`, () => {
            expectPass(groups, cases);
        });
    }

    it("counts the bus's series on the master only: one alert from three nodes, none from a replica alone", () => {
        const [firing] = CASES.DsmRedisGroupLagHigh;
        const [lag] = firing.input_series;
        const at = (instance: string, role: string) => [
            series(lag.series.replace("}", `,instance="${instance}"}`), lag.values),
            series(`redis_instance_info{namespace="dsm",instance="${instance}",role="${role}"}`, "1x20"),
        ];
        const [expected] = firing.exp_alerts;
        const fromMaster = { ...expected, exp_labels: { ...expected.exp_labels, instance: "node-1" } };
        expectPass(groups, [
            {
                ...firing,
                name: "a master and two replicas, each reporting the lag",
                input_series: [...at("node-0", "slave"), ...at("node-1", "master"), ...at("node-2", "slave")],
                exp_alerts: [fromMaster],
            },
            { ...firing, name: "a replica alone", input_series: at("node-0", "slave"), exp_alerts: [] },
        ]);
        // A node's own state counts on each node: two nodes down, two alerts, each naming its pod.
        const down = (instance: string) =>
            series(`redis_up{namespace="dsm",db="db0",instance="${instance}",pod="redis-${instance}"}`, "0x5");
        const result = testRules(groups, [
            {
                name: "two nodes down",
                input_series: [down("node-0"), down("node-2"), ...at("node-1", "master").slice(1)],
                alertname: "DsmRedisDown",
                eval_time: "5m",
                exp_alerts: ["node-0", "node-2"].map((instance) => {
                    const { exp_annotations } = CASES.DsmRedisDown[0].exp_alerts[0];
                    return {
                        exp_labels: {
                            namespace: "dsm",
                            db: "db0",
                            instance,
                            pod: `redis-${instance}`,
                            severity: "critical",
                        },
                        exp_annotations: {
                            ...exp_annotations,
                            description: exp_annotations.description.replace("pod redis.", `pod redis-${instance}.`),
                        },
                    };
                }),
            },
        ]);
        assert.ok(result.ok, result.output);
    });

    it("fails a case that expects the wrong thing (promtool's verdict is not ignored)", () => {
        const [firing] = CASES.DsmRedisGroupLagHigh;
        const result = testRules(groups, [{ ...firing, exp_alerts: [] }]);
        assert.strictEqual(result.ok, false, result.output);
        assert.match(result.output, /DsmRedisGroupLagHigh/);
    });

    it("takes its thresholds from the settings", () => {
        const [, quiet] = CASES.DsmRedisGroupLagHigh;
        const result = testRules(ruleGroups({ lagEntries: 100 }), [quiet]);
        assert.strictEqual(result.ok, false, "900 behind is above a threshold of 100");
    });

    it("without retention, has none of the alerts over what its runs record", () => {
        const rules = ruleGroups({ ...every, retention: false })[0].rules.map((r) => r.alert);
        const recorded = [...RETENTION_ALERTS, ...DEAD_LETTER_ALERTS];
        assert.deepStrictEqual(
            rules,
            groups[0].rules.map((r) => r.alert).filter((a) => !recorded.includes(a)),
        );
    });

    it("without dead letters, has none of the dead-letter alerts", () => {
        const rules = ruleGroups({ ...every, deadLetters: false })[0].rules.map((r) => r.alert);
        assert.deepStrictEqual(
            rules,
            groups[0].rules.map((r) => r.alert).filter((a) => !DEAD_LETTER_ALERTS.includes(a)),
        );
    });

    it("without the scheduled backup, has none of the backup alerts", () => {
        const rules = ruleGroups({ ...every, backup: false })[0].rules.map((r) => r.alert);
        assert.deepStrictEqual(
            rules,
            groups[0].rules.map((r) => r.alert).filter((a) => !BACKUP_ALERTS.includes(a)),
        );
    });

    it("takes the backup's staleness bound from the settings", () => {
        const [, , quiet] = CASES.DsmRedisBackupStale;
        assert.strictEqual(testRules(ruleGroups({ ...every, backupStaleSeconds: 3600 }), [quiet]).ok, false);
    });

    it("waits for an entry at the delivery threshold to have been idle long enough to move, and a quarter hour more", () => {
        const rule = (idle: number) =>
            ruleGroups({ deadLetterIdleSeconds: idle })[0].rules.find((r) => r.alert === "DsmRedisDeliveriesHigh");
        assert.deepStrictEqual([rule(600)?.for, rule(3600)?.for], ["1800s", "4500s"]);
        const [firing] = CASES.DsmRedisDeliveriesHigh;
        assert.strictEqual(testRules(ruleGroups({ deadLetterDeliveries: 6 }), [firing]).ok, false, "5 is below 6");
    });
});
