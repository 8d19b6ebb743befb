/**
 * The program's PrometheusRule, and the alert rules over series a real redis_exporter scraped from a real bus. Run by
 * `npm run test:metrics`.
 */
import * as assert from "assert";
import { METRICS_USER } from "../../components/render/acl";
import { GroupReader, publish } from "../../testbed/bus-traffic";
import { RedisExporter, Sample } from "../../testbed/redis-exporter";
import { named, only, runProgram } from "../helpers/program";
import { startRenderedRedis } from "../helpers/rendered-redis";
import { BUS_LABELS, CASES, RuleGroups, STREAM, STREAM_LABELS, expectPass, ruleGroups, series } from "./alert-cases";
import { AlertCase, InputSeries, testRules } from "./promtool";

async function renderedRuleGroups(config: Record<string, string> = {}): Promise<RuleGroups> {
    const run = await runProgram({ monitoring: "true", ...config });
    const rule = named(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "redis");
    return (rule.inputs as { spec: { groups: RuleGroups } }).spec.groups;
}

describe("the program's PrometheusRule", function () {
    this.timeout(600_000);

    it("holds the renderer's rules for the stack's settings", async () => {
        assert.deepStrictEqual(await renderedRuleGroups(), ruleGroups());
    });

    it("takes its thresholds from the config", async () => {
        const stricter = await renderedRuleGroups({ alertLagEntries: "100" });
        const [, quiet] = CASES.DsmRedisGroupLagHigh;
        const result = testRules(stricter, [quiet]);
        assert.strictEqual(result.ok, false, "900 behind is above a threshold of 100");
    });

    it("without retention, renders no retention alerts", async () => {
        const rules = (await renderedRuleGroups({ retention: "false" }))[0].rules;
        assert.ok(rules.length > 0 && !rules.some((r) => r.alert.startsWith("DsmRedisRetention")));
    });
});

/** A scrape as promtool input: each series held at its scraped value, with the namespace label a PodMonitor adds. */
function asInput(samples: readonly Sample[], minutes: number): InputSeries[] {
    return samples
        .filter((s) => /^redis_(stream_|key_value|memory_|aof_last|errors_total)/.test(s.name))
        .map((s) => {
            const labels = Object.entries({ ...s.labels, namespace: "dsm" })
                .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                .join(",");
            return series(`${s.name}{${labels}}`, `${s.value}x${minutes}`);
        });
}

describe("the alert rules over series a real redis_exporter scraped from a real bus", function () {
    this.timeout(120_000);

    it("a stalled group: retention blocked and the group's lag fire, for that group only; a healthy bus fires nothing", async () => {
        const redis = await startRenderedRedis({ retentionMinEntries: "0", retentionMaxAgeSeconds: "0" });
        let exporter: RedisExporter | undefined;
        try {
            const groups = await renderedRuleGroups({ retentionMinEntries: "0", retentionMaxAgeSeconds: "0" });
            await redis.provision(["sprint-service", "project-service"]);
            await publish(await redis.connect("sprint-service"), STREAM, 3000, ["type", "TASK_UPDATED"]);
            const sprint = new GroupReader(await redis.connect("sprint-service"), STREAM, "sprint-service");
            await sprint.read();
            await sprint.acknowledge();
            await redis.retentionJob().run();
            const container = only(
                redis.run,
                "kubernetes:apps/v1:Deployment",
            ).inputs.spec.template.spec.containers.find((c) => c.name === "metrics");
            assert.ok(container);
            exporter = await RedisExporter.start(container.args, redis.server.port, redis.passwords[METRICS_USER]);

            const stalled = asInput(await exporter.scrape(), 40);
            const [blocked] = CASES.DsmRedisRetentionBlocked[0].exp_alerts;
            const expected: Record<string, AlertCase["exp_alerts"]> = {
                DsmRedisRetentionBlocked: [
                    { ...blocked, exp_labels: { ...BUS_LABELS, key: "dsm:retention:blocked", severity: "warning" } },
                ],
                DsmRedisGroupLagHigh: [
                    {
                        exp_labels: { ...STREAM_LABELS, group: "project-service", severity: "warning" },
                        exp_annotations: {
                            summary: "A consumer group is behind on dsm:events",
                            description:
                                "Group project-service has 3000 entries not yet delivered (above 1000): its service reads slower than producers write, or has stopped.",
                        },
                    },
                ],
            };
            expectPass(
                groups,
                Object.keys(CASES).map((alertname) => ({
                    name: `stalled: ${alertname}`,
                    input_series: stalled,
                    alertname,
                    eval_time: "40m",
                    exp_alerts: expected[alertname] ?? [],
                })),
            );

            const project = new GroupReader(await redis.connect("project-service"), STREAM, "project-service");
            await project.read();
            await project.acknowledge();
            await redis.retentionJob().run();
            const healthy = asInput(await exporter.scrape(), 40);
            expectPass(
                groups,
                Object.keys(CASES).map((alertname) => ({
                    name: `healthy: ${alertname}`,
                    input_series: healthy,
                    alertname,
                    eval_time: "40m",
                    exp_alerts: [],
                })),
            );
        } finally {
            await exporter?.stop();
            await redis.stop();
        }
    });
});
