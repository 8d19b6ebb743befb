/**
 * The program's PrometheusRule, and the alert rules over series a real redis_exporter scraped from a real bus. Run by
 * `npm run test:metrics`.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GroupReader, publish } from "../../testbed/bus-traffic";
import type { RedisExporter, Sample } from "../../testbed/redis-exporter";
import { named, only, runProgram } from "../helpers/program";
import { startRenderedRedis } from "../helpers/rendered-redis";
import { CASES, RUNBOOK, RuleGroups, STREAM, STREAM_LABELS, expectPass, ruleGroups, series } from "./alert-cases";
import { AlertCase, InputSeries, testRules } from "./promtool";
import { startSidecarExporter } from "./sidecar-exporter";
import { ADMIN_USER, METRICS_USER } from "../../components/render/acl";
import { RETENTION_STATUS_KEYS } from "../../components/render/retention-script";
import { RedisExporter as Exporter } from "../../testbed/redis-exporter";
import { ReplicatedBus } from "../../testbed/replicated-bus";

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

    it("without retention, renders no retention or dead-letter alerts", async () => {
        const rules = (await renderedRuleGroups({ retention: "false" }))[0].rules;
        assert.ok(rules.length > 0 && !rules.some((r) => /^DsmRedis(Retention|DeadLetters)/.test(r.alert)));
    });
});

/**
 * The series the rules read, with the labels a PodMonitor adds (the namespace; `instance`, the target, where the bus
 * has more than one), as promtool selectors.
 */
function readSeries(samples: readonly Sample[], target: Record<string, string> = {}): Map<string, number> {
    const read = new Map<string, number>();
    for (const s of samples) {
        if (!/^redis_(up$|stream_|key_value|memory_|aof_last|errors_total|instance_info$)/.test(s.name)) continue;
        const labels = Object.entries({ ...s.labels, namespace: "dsm", ...target })
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(",");
        read.set(`${s.name}{${labels}}`, s.value);
    }
    return read;
}

/** Seconds as Prometheus's humanizeDuration writes them, from a minute up to a day. */
function humanizeDuration(seconds: number): string {
    const s = Math.floor(seconds);
    return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ${s % 60}s`;
}

/** A scrape as promtool input: each series held at its scraped value for `minutes`. */
function asInput(samples: readonly Sample[], minutes: number, target: Record<string, string> = {}): InputSeries[] {
    return [...readSeries(samples, target)].map(([selector, value]) => series(selector, `${value}x${minutes}`));
}

/** Two scrapes as promtool input: each series at its first value for `before` minutes, then at its second. */
function asChange(first: readonly Sample[], second: readonly Sample[], before: number, after: number): InputSeries[] {
    const from = readSeries(first);
    return [...readSeries(second)].map(([selector, value]) =>
        series(selector, `${from.get(selector) ?? value}x${before} ${value}x${after}`),
    );
}

/** An alert's firing case of CASES, its description with what a live bus puts in place of the case's values. */
function firingAs(name: string, replace: Array<[string | RegExp, string]>): AlertCase["exp_alerts"] {
    return CASES[name][0].exp_alerts.map((a) => ({
        ...a,
        exp_annotations: {
            ...a.exp_annotations,
            description: replace.reduce((d, [from, to]) => d.replace(from, to), a.exp_annotations.description),
        },
    }));
}

/** Every alert of CASES judged on the same series: exactly those in `expected` fire, as given, and no other. */
function expectOnly(
    groups: RuleGroups,
    label: string,
    input: InputSeries[],
    expected: Record<string, AlertCase["exp_alerts"]>,
): void {
    expectPass(
        groups,
        Object.keys(CASES).map((alertname) => ({
            name: `${label}: ${alertname}`,
            input_series: input,
            alertname,
            eval_time: "40m",
            exp_alerts: expected[alertname] ?? [],
        })),
    );
}

describe("the alert rules over series a real redis_exporter scraped from a real bus", function () {
    this.timeout(120_000);

    it("a stalled group: retention blocked and the group's lag fire, for that group only; a healthy bus fires nothing", async () => {
        const redis = await startRenderedRedis({ retentionMinEntries: "0", retentionMaxAgeSeconds: "0" });
        let exporter: RedisExporter | undefined;
        try {
            const groups = await renderedRuleGroups({ retentionMinEntries: "0", retentionMaxAgeSeconds: "0" });
            await redis.provision(["sprint-service", "project-service"]);
            const [first] = await publish(await redis.connect("sprint-service"), STREAM, 3000, [
                "type",
                "TASK_UPDATED",
            ]);
            const sprint = new GroupReader(await redis.connect("sprint-service"), STREAM, "sprint-service");
            await sprint.read();
            await sprint.acknowledge();
            await redis.retentionJob().run();
            exporter = await startSidecarExporter(redis);

            const stalled = asInput(await exporter.scrape(), 40);
            const expected: Record<string, AlertCase["exp_alerts"]> = {
                DsmRedisRetentionBlocked: firingAs("DsmRedisRetentionBlocked", [["1733-0", first]]),
                DsmRedisGroupLagHigh: [
                    {
                        exp_labels: { ...STREAM_LABELS, group: "project-service", severity: "warning" },
                        exp_annotations: {
                            ...RUNBOOK,
                            summary: "A consumer group is behind on dsm:events",
                            description:
                                "Group project-service has 3000 entries not yet delivered (above 1000): its service reads slower than producers write, or has stopped.",
                        },
                    },
                ],
            };
            expectOnly(groups, "stalled", stalled, expected);

            const project = new GroupReader(await redis.connect("project-service"), STREAM, "project-service");
            await project.read();
            await project.acknowledge();
            await redis.retentionJob().run();
            const healthy = asInput(await exporter.scrape(), 40);
            expectOnly(groups, "healthy", healthy, {});
        } finally {
            await exporter?.stop();
            await redis.stop();
        }
    });

    it("a stuck bus: an old entry held and claimed again and again, a group whose lag Redis cannot count", async () => {
        const config = { retentionMinEntries: "0", retentionMaxAgeSeconds: "0" };
        const redis = await startRenderedRedis(config);
        let exporter: RedisExporter | undefined;
        try {
            const groups = await renderedRuleGroups(config);
            await redis.provision(["sprint-service", "project-service"]);
            const producer = await redis.connect("sprint-service");
            const admin = await redis.connect("dsm-admin");
            // Published two hours ago, as its ID says, and never acknowledged by sprint-service.
            const old = `${Date.now() - 7_200_000}-0`;
            await producer.xadd(STREAM, old, "type", "TASK_UPDATED");
            const ids = await publish(producer, STREAM, 3, ["type", "TASK_UPDATED"]);
            await admin.xreadgroup("GROUP", "sprint-service", "sprint-1", "STREAMS", STREAM, ">");
            await admin.xack(STREAM, "sprint-service", ...ids);
            // Delivered five times, the last just now: a consumer keeps claiming it, so it is never idle enough to move.
            await admin.call("XCLAIM", STREAM, "sprint-service", "sprint-1", "0", old, "RETRYCOUNT", 5, "JUSTID");
            // An entry after project-service's position deleted: Redis can no longer count that group's lag.
            await admin.xdel(STREAM, ids[1]);
            await redis.retentionJob().run();
            exporter = await startSidecarExporter(redis);
            const samples = await exporter.scrape();
            const age = samples.find(
                (m) => m.name === "redis_key_value" && m.labels.key === "dsm:pending:oldest-age-seconds",
            );
            assert.ok(age && age.value >= 7200, `the oldest pending entry's age: ${age?.value}`);

            const expected: Record<string, AlertCase["exp_alerts"]> = {
                DsmRedisGroupLagUnknown: firingAs("DsmRedisGroupLagUnknown", []),
                DsmRedisPendingTooOld: firingAs("DsmRedisPendingTooOld", [
                    ["1733-0 of group backlog-service", `${old} of group sprint-service`],
                    ["1h 10m 0s", humanizeDuration(age.value)],
                ]),
                DsmRedisDeliveriesHigh: firingAs("DsmRedisDeliveriesHigh", [["1733-0", old]]),
                DsmRedisRetentionBlocked: firingAs("DsmRedisRetentionBlocked", [["1733-0", old]]),
            };
            expectOnly(groups, "stuck", asInput(samples, 40), expected);
        } finally {
            await exporter?.stop();
            await redis.stop();
        }
    });

    it("a poison entry moved by the retention run: the dead-letter alerts fire, and nothing else", async () => {
        const config = { deadLetterDeliveries: "5", deadLetterIdleSeconds: "600" };
        const redis = await startRenderedRedis(config);
        let exporter: RedisExporter | undefined;
        try {
            const groups = await renderedRuleGroups(config);
            await redis.provision(["sprint-service"]);
            const [poison] = await publish(await redis.connect("sprint-service"), STREAM, 1, ["type", "TASK_UPDATED"]);
            const reader = new GroupReader(await redis.connect("sprint-service"), STREAM, "sprint-service");
            await reader.read();
            await redis.retentionJob().run();
            exporter = await startSidecarExporter(redis);
            const before = await exporter.scrape();
            // Delivered five times and idle ten minutes, as a consumer that keeps crashing on it leaves it.
            const admin = await redis.connect("dsm-admin");
            await admin.call("XCLAIM", STREAM, "sprint-service", "c", "0", poison, "IDLE", 600_000, "RETRYCOUNT", 5);
            await redis.retentionJob().run();
            const after = await exporter.scrape();
            assert.doesNotMatch(exporter.log, /level=(error|warning|fatal)/, exporter.log);

            const expected: Record<string, AlertCase["exp_alerts"]> = {
                DsmRedisDeadLetters: firingAs("DsmRedisDeadLetters", [[/^2 entries/, "1 entries"]]),
                DsmRedisDeadLettersGrowing: firingAs("DsmRedisDeadLettersGrowing", [[/^3 entries/, "1 entries"]]),
            };
            expectOnly(groups, "poison moved", asChange(before, after, 30, 10), expected);
        } finally {
            await exporter?.stop();
            await redis.stop();
        }
    });

    it("a scheduled backup that failed fires DsmRedisBackupFailed and, with none good yet, Stale; the next good run quiets both", async () => {
        const config = { backup: "true" };
        const redis = await startRenderedRedis(config);
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), "dsm-backups-"));
        let exporter: RedisExporter | undefined;
        try {
            const groups = await renderedRuleGroups(config);
            await redis.provision(["sprint-service"]);
            await publish(await redis.connect("sprint-service"), STREAM, 3, ["type", "TASK_UPDATED"]);
            const reader = new GroupReader(await redis.connect("sprint-service"), STREAM, "sprint-service");
            await reader.read();
            await reader.acknowledge();
            await redis.retentionJob().run();
            // The rendered backup Job fails: its stream is away for the run.
            const admin = await redis.connect("dsm-admin");
            const job = redis.backupJob(folder);
            await admin.rename(STREAM, "dsm:away");
            await assert.rejects(job.run(), /there is no stream/);
            await admin.rename("dsm:away", STREAM);
            exporter = await startSidecarExporter(redis);
            expectOnly(groups, "backup failed", asInput(await exporter.scrape(), 40), {
                DsmRedisBackupFailed: firingAs("DsmRedisBackupFailed", []),
                DsmRedisBackupStale: CASES.DsmRedisBackupStale[1].exp_alerts,
            });

            await job.run();
            expectOnly(groups, "backup good again", asInput(await exporter.scrape(), 40), {});
        } finally {
            await exporter?.stop();
            await redis.stop();
            fs.rmSync(folder, { recursive: true, force: true });
        }
    });

    it("a replicated bus: an exporter beside each node, and a stalled group fires once, from the master, not from each replica", async () => {
        const bus = await ReplicatedBus.start({
            users: [{ name: "sprint-service", roles: ["publish", "consume"] }],
            systemUsers: [METRICS_USER],
        });
        const exporters: Exporter[] = [];
        try {
            const config = { replicas: "3" };
            const groups = await renderedRuleGroups(config);
            const run = await runProgram({ monitoring: "true", ...config });
            const node = only(run, "kubernetes:apps/v1:StatefulSet").inputs.spec.template.spec as {
                containers: Array<{ name: string; args: string[] }>;
            };
            const args = node.containers.find((c) => c.name === "metrics")!.args;
            const admin = bus.client(bus.proxy, ADMIN_USER);
            try {
                for (const group of ["sprint-service", "project-service"]) {
                    await admin.xgroup("CREATE", STREAM, group, "$", "MKSTREAM");
                }
                await publish(admin, STREAM, 3000, ["type", "TASK_UPDATED"]);
                const sprint = new GroupReader(admin, STREAM, "sprint-service");
                await sprint.read();
                await sprint.acknowledge();
                // Retention ran a moment ago (its alerts stay quiet); every replica has it all.
                await admin.set(RETENTION_STATUS_KEYS.lastRun, String(Math.floor(Date.now() / 1000)));
                assert.equal(await admin.wait(2, 5000), 2);
            } finally {
                admin.disconnect();
            }
            const master = await bus.untilSettled();
            for (const host of bus.topology.nodes) {
                exporters.push(await Exporter.start(args, bus.topology.redisPort, bus.passwords[METRICS_USER], host));
            }
            const input: InputSeries[] = [];
            for (const [n, exporter] of exporters.entries()) {
                const target = { instance: `${bus.topology.nodes[n]}:${exporter.port}` };
                input.push(...asInput(await exporter.scrape(), 40, target));
            }
            // Each node reports the group's lag: the replicas as the master does.
            const lags = input.filter((i) => /^redis_stream_group_lag\{.*group="project-service"/.test(i.series));
            assert.equal(lags.length, 3, lags.map((l) => l.series).join("\n"));
            expectOnly(groups, "replicated", input, {
                DsmRedisGroupLagHigh: [
                    {
                        exp_labels: {
                            ...STREAM_LABELS,
                            group: "project-service",
                            instance: `${bus.topology.nodes[master]}:${exporters[master].port}`,
                            severity: "warning",
                        },
                        exp_annotations: {
                            ...RUNBOOK,
                            summary: "A consumer group is behind on dsm:events",
                            description:
                                "Group project-service has 3000 entries not yet delivered (above 1000): its service reads slower than producers write, or has stopped.",
                        },
                    },
                ],
            });
        } finally {
            for (const exporter of exporters) await exporter.stop();
            await bus.destroy();
        }
    });
});
